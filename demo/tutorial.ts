/**
 * The tutorials' examples computed on the GPU, then the throughput of softmax and cross-entropy
 * on a few shapes. Used by `npm run tutorial` and by a test.
 */
import { Xent } from "../src/index.js";

export interface TutorialLine {
  what: string;
  value: number;
  expected?: number;
}

export interface ThroughputRow {
  op: string;
  shape: [number, number];
  msPerCall: number;
  gbPerSecond: number;
  rowsPerSecond: number;
}

async function scalar(t: { read(): Promise<Float32Array> }): Promise<number> {
  return (await t.read())[0] as number;
}

/** Each tutorial number, computed on the GPU, beside the value the tutorial gives. */
export async function tutorialNumbers(xent: Xent): Promise<TutorialLine[]> {
  const dogCatHorseCheetah = [0.775, 0.116, 0.039, 0.07];
  const logits = xent.tensor(new Float32Array(dogCatHorseCheetah.map(Math.log)), [4]);
  const dog = xent.tensor(new Int32Array([0]), []);
  const probs = await xent.softmax(logits).read();
  const probs2 = xent.tensor(new Float32Array([0.25, 0.25, 0.25, 0.25, 0.01, 0.01, 0.01, 0.96]), [2, 4]);
  const logProbs = xent.tensor(new Float32Array([0.25, 0.25, 0.25, 0.25, 0.01, 0.01, 0.01, 0.96].map(Math.log)), [2, 4]);
  const class3 = xent.tensor(new Int32Array([3, 3]), [2]);
  const oneHot3 = xent.tensor(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1]), [2, 4]);
  const spamHam = xent.tensor(new Float32Array([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]), [4, 2]);
  return [
    ...["dog", "cat", "horse", "cheetah"].map((name, i) => ({
      what: `softmax(ln p)[${name}]`,
      value: probs[i] as number,
      expected: dogCatHorseCheetah[i] as number,
    })),
    {
      what: "entropy of dog/cat/horse/cheetah (bits)",
      value: await scalar(xent.entropy(xent.tensor(new Float32Array(dogCatHorseCheetah), [4]), { base: 2 })),
    },
    { what: "CE vs one-hot dog (bits) = -log2(0.775)", value: await scalar(xent.crossEntropy(logits, dog, { base: 2 })), expected: 0.3677 },
    {
      what: "CE vs one-hot (bits) = -log2(0.938)",
      value: await scalar(xent.nllLoss(xent.tensor(new Float32Array([Math.log(0.938), Math.log(0.062)]), [2]), dog, { base: 2 })),
      expected: 0.0923,
    },
    { what: "-mean sum y ln p (nllLoss on ln p)", value: await scalar(xent.nllLoss(logProbs, class3)), expected: 0.71355817782 },
    {
      what: "keras.categoricalCrossentropy (renormalised)",
      value: await scalar(xent.keras.categoricalCrossentropy(oneHot3, probs2)),
      expected: 0.708533,
    },
    {
      what: "sklearn log_loss spam/ham",
      value: await scalar(xent.logLoss(["spam", "ham", "ham", "spam"], spamHam)),
      expected: 0.21616187468057912,
    },
  ];
}

/**
 * Times `calls` back-to-back ops recorded into one encoder (one submit, one wait), so the ~ms
 * sync latency of a submit is paid once. GB/s counts the bytes the op must move: the logits
 * read (plus the output written for softmax).
 */
export async function throughput(xent: Xent, shapes: [number, number][], calls = 20): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const [n, c] of shapes) {
    const logits = xent.tensor(
      Float32Array.from({ length: n * c }, (_, i) => Math.sin(i) * 4),
      [n, c],
    );
    const labels = xent.tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 7919) % c),
      [n],
    );
    const ops = {
      softmax: () => xent.softmax(logits, { encoder }),
      crossEntropy: () => xent.crossEntropy(logits, labels, { encoder }),
    };
    let encoder: GPUCommandEncoder;
    for (const [op, run] of Object.entries(ops)) {
      // Warm-up: compiles the pipelines. Outputs recorded into our encoder live until it is submitted.
      encoder = xent.device.createCommandEncoder();
      const warm = run();
      xent.device.queue.submit([encoder.finish()]);
      await xent.device.queue.onSubmittedWorkDone();
      warm.destroy();
      encoder = xent.device.createCommandEncoder();
      const outs = Array.from({ length: calls }, run);
      const start = performance.now();
      xent.device.queue.submit([encoder.finish()]);
      await xent.device.queue.onSubmittedWorkDone();
      const ms = (performance.now() - start) / calls;
      for (const o of outs) o.destroy();
      const bytes = n * c * 4 * (op === "softmax" ? 2 : 1);
      rows.push({ op, shape: [n, c], msPerCall: ms, gbPerSecond: bytes / ms / 1e6, rowsPerSecond: (n / ms) * 1000 });
    }
    logits.destroy();
    labels.destroy();
  }
  return rows;
}
