// The README's usage example runs as written (extracted from README.md, so the two cannot drift).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, expect, it, vi } from "vitest";
import { Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { tfWebGPU } from "../helpers/tfjs-node.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";

/**
 * Buffers webgpu-xent holds on `device` outside the pool (the pool is a cache, reused), once the
 * queue is done (buffers of finished work go back to the pool then).
 */
const held = async (device: GPUDevice): Promise<number> => {
  const count = (): number => {
    const s = Xent.fromDevice(device).stats();
    return s.liveBuffers - s.pooledBuffers;
  };
  // A buffer goes back after its last reader is gone and then the queue is done: a few rounds.
  let last = -1;
  for (let round = 0; round < 10 && count() !== last; round++) {
    last = count();
    await device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return count();
};

/**
 * The examples' `Xent.create()` gives an Xent on the test's device, so that what they leave
 * behind is seen: every example must give back every buffer it made.
 */
async function sharedCreate(): Promise<GPUDevice> {
  const base = await gpu();
  vi.spyOn(Xent, "create").mockImplementation(() => Promise.resolve(Xent.fromDevice(base.device)));
  return base.device;
}
afterEach(() => vi.restoreAllMocks());

it("README usage example runs, prints the reference values and leaves no buffer behind", async () => {
  const device = await sharedCreate();
  const before = await held(device);
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const usage = readme.split("## Usage")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
  expect(usage, "README has a ```ts block under ## Usage").toBeTruthy();
  const dir = new URL("../../test-output/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL("readme-example.ts", dir);
  writeFileSync(file, usage as string);
  const logged: unknown[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((v: unknown) => void logged.push(v));
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  const logits = ref.refTensor([2, 1, 0.1, 0.5, 2.5, 0.2], [2, 3]);
  expectClose(logged[0] as Float32Array, ref.softmax(logits).data, { atol: 1e-6, rtol: 1e-5 }, "README softmax");
  const loss = ref.crossEntropy(logits, ref.refTensor([0, 1], [2]), { labelSmoothing: 0.1 }).data[0] as number;
  expect(logged[1] as number).toBeCloseTo(loss, 5);
  expect((logged[0] as Float32Array)[0]).toBeCloseTo(0.659, 3);
  expect(logged[1] as number).toBeCloseTo(0.4343, 4);
  expect(await held(device)).toBe(before);
});

/** Runs a README code block as a module; returns what it logged as (step, loss) pairs, and the other lines' arguments. */
async function runTrainingBlock(block: string, name: string, others: unknown[][] = []): Promise<[number, number][]> {
  const file = new URL(`../../test-output/${name}.ts`, import.meta.url);
  writeFileSync(file, block);
  const logged: [number, number][] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === "number") logged.push([args[0], args[1] as number]);
    else others.push(args);
  });
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  return logged;
}

it("README training examples run, their loss falls, and they leave no buffer behind", async () => {
  const device = await sharedCreate();
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split("## Training in the browser")[1]?.split("\n## ")[0] ?? "";
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  expect(blocks.length, "README has two ```ts blocks under ## Training in the browser").toBe(2);
  const finalBounds = [0.05, 0.1];
  for (const [k, block] of blocks.entries()) {
    const before = await held(device);
    const logged = await runTrainingBlock(block, `readme-training-${k}`);
    expect(logged.map(([step]) => step)).toEqual([10, 20, 30, 40, 50]);
    const losses = logged.map(([, l]) => l);
    for (let i = 1; i < losses.length; i++) expect(losses[i], `example ${k}`).toBeLessThan(losses[i - 1] as number);
    expect(losses[4], `example ${k}`).toBeLessThan(finalBounds[k] as number);
    expect(await held(device), `example ${k}: buffers left`).toBe(before);
  }
});

it("README's TensorFlow.js example trains through the adapter (TF.js's webgpu backend on Dawn), leaving no buffer or tensor behind", async () => {
  const tf = await tfWebGPU();
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const [before, tensors] = [await held(device), tf.memory().numTensors];
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const block = readme.split("## With TensorFlow.js")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
  expect(block, "README has a ```ts block under ## With TensorFlow.js").toBeTruthy();
  const others: unknown[][] = [];
  const logged = await runTrainingBlock(block as string, "readme-tfjs", others);
  expect(logged.map(([step]) => step)).toEqual([10, 20, 30, 40, 50]);
  const losses = logged.map(([, l]) => l);
  expect(losses[4]).toBeLessThan((losses[0] as number) * 0.7);
  // The evaluation of the trained classifier, in four batches with one read.
  const [label, accuracy, top2, ece, macroF1] = others[0] as [string, number, number, number, number];
  expect(label).toBe("eval");
  expect(accuracy).toBeGreaterThan(0.6);
  expect(top2).toBeGreaterThanOrEqual(accuracy);
  expect(ece).toBeGreaterThanOrEqual(0);
  expect(ece).toBeLessThan(0.5);
  expect(macroF1).toBeGreaterThan(0.5);
  expect(await held(device)).toBe(before);
  expect(tf.memory().numTensors).toBe(tensors);
});

it(
  "README's large-vocabulary example fine-tunes the head through linearCrossEntropyWithGrad: its loss falls, no buffer left",
  { timeout: 300_000 },
  async () => {
    const device = await sharedCreate();
    const before = await held(device);
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = readme.split("## Large vocabularies")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(block, "README has a ```ts block under ## Large vocabularies").toBeTruthy();
    const logged = await runTrainingBlock(block as string, "readme-linear");
    expect(logged.map(([step]) => step)).toEqual([10, 20, 30, 40, 50]);
    const losses = logged.map(([, l]) => l);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] as number);
    // From ln 4096 = 8.3 at W = 0 to the comment's numbers.
    expect(losses[0]).toBeCloseTo(1.21, 1);
    expect(losses[4]).toBeLessThan(0.2);
    expect(await held(device)).toBe(before);
  },
);

it("README's decoding example samples a sentence of the bigram model on the GPU, as its comment says, leaving no buffer behind", async () => {
  const device = await sharedCreate();
  const before = await held(device);
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const block = readme.split("## Decoding")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1] ?? "";
  expect(block, "README has a ```ts block under ## Decoding").toBeTruthy();
  const file = new URL("../../test-output/readme-decode.ts", import.meta.url);
  writeFileSync(file, block);
  const logged: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  // Every bigram of the sentence is one the model allows (top-p 0.95 cuts the −6 logits).
  const follows = Object.fromEntries(
    [...(/const follows[^=]*=\s*\{([\s\S]*?)\};/.exec(block)?.[1] ?? "").matchAll(/"?([^\s",:]+)"?: \[([^\]]*)\]/g)].map((m) => [
      m[1] as string,
      (m[2] as string).split(",").map((w) => w.trim().replace(/"/g, "")),
    ]),
  ) as Record<string, string[]>;
  expect(Object.keys(follows).length).toBe(10);
  const words = (logged[1] ?? "").split(" ");
  expect(words.length).toBe(16);
  for (let i = 1; i < words.length; i++) expect(follows[words[i - 1] ?? ""], `${words[i - 1]} → ${words[i]}`).toContain(words[i]);
  // The printed lines are the ones the block's comments show: a pure function of (logits, seed, step).
  const shown = [...block.matchAll(/\/\/ prints: (.*)/g)].map((m) => m[1]);
  expect(logged).toEqual(shown);
  expect(await held(device)).toBe(before);
});

it("README's evaluation example accumulates 8 batches and reads once: the reference's metrics, no buffer left", async () => {
  const device = await sharedCreate();
  const before = await held(device);
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const block = readme.split("## Evaluation in one read")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1] ?? "";
  expect(block, "README has a ```ts block under ## Evaluation in one read").toBeTruthy();
  const file = new URL("../../test-output/readme-evaluate.ts", import.meta.url);
  writeFileSync(file, block);
  const lines: unknown[][] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args));
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  // The same batches, concatenated, through the float64 reference.
  const [classes, batch] = [10, 256];
  const logits = new Float64Array(8 * batch * classes);
  const target = new Int32Array(8 * batch);
  for (let b = 0; b < 8; b++)
    for (let i = 0; i < batch; i++) {
      const t = (b * batch + i) % classes;
      target[b * batch + i] = t;
      for (let c = 0; c < classes; c++)
        logits[(b * batch + i) * classes + c] = Math.fround(
          Math.fround(Math.sin((i * classes + c) * 0.37 + b)) + (c === t && (i * 7) % 10 < 7 ? 2.5 : 0),
        );
    }
  const want = ref.evaluate(ref.refTensor(logits, [8 * batch, classes]), ref.refTensor(target), { topK: [1, 5], confusion: true });
  expect(lines).toEqual([
    [
      2048,
      want.accuracy.toFixed(3),
      want.topK[5]?.toFixed(3),
      want.perplexity.toFixed(2),
      want.ece.toFixed(3),
      want.confusion?.macroF1.toFixed(3),
    ],
  ]);
  expect(await held(device)).toBe(before);
});
