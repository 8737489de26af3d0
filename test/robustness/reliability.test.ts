// Reliability: device loss, bounded memory over many calls, ops in flight at once, two Xents on
// one device, dispatches past 65 535 workgroups, tensors past the binding limit, hostile input.
import { describe, expect, it } from "vitest";
import { Xent, type Tensor } from "../../src/index.js";
import { coreOf } from "../../src/xent.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, randomInt, randomInts, rng } from "../helpers/random.js";

const kTol = { atol: 2e-6, rtol: 2e-5 };

describe("device loss", () => {
  it("pending reads reject saying the device was lost; new ops throw the same; Xent.create() works again", async () => {
    const xent = await Xent.create();
    const random = rng(40);
    const x = xent.tensor(randomFloats(64 * 32000, random), [64, 32000]);
    const t = xent.tensor(randomInts(64, random, 32000), [64]);
    const pending = xent.crossEntropy(x, t).read();
    xent.device.destroy();
    await expect(pending).rejects.toThrow(/the GPU device was lost \(destroyed/);
    expect(() => xent.softmax(x)).toThrow(/softmax: x: the GPU device was lost/);
    expect(() => xent.tensor(new Float32Array(4))).toThrow(/the GPU device was lost/);
    await expect(x.read()).rejects.toThrow(/the GPU device was lost/);
    const again = await Xent.create();
    expect((await again.softmax(again.tensor([1, 1])).read())[0]).toBeCloseTo(0.5, 6);
    again.destroy();
  });
});

describe("memory", () => {
  it("10 000 mixed op calls with destroy() keep live GPU memory bounded", async () => {
    // A device of its own: the shared one's pool holds what earlier files left in it.
    await gpu();
    const xent = await Xent.create();
    const random = rng(41);
    const x = xent.tensor(randomFloats(16 * 12, random), [16, 12]);
    const t = xent.tensor(randomInts(16, random, 12), [16]);
    const p = xent.softmax(x);
    const ops = [
      () => xent.softmax(x),
      () => xent.logSoftmax(x, { dim: 0 }),
      () => xent.crossEntropy(x, t),
      () => xent.crossEntropy(x, t, { reduction: "none", labelSmoothing: 0.1 }),
      () => xent.nllLoss(x, t, { reduction: "sum" }),
      () => xent.entropy(p),
      () => xent.klDiv(x, p, { reduction: "batchmean" }),
      () => xent.binaryCrossEntropyWithLogits(x, p),
    ];
    // One round first: pipelines and the per-device scratch buffers are made once and stay.
    for (const op of ops) op().destroy();
    const warm = xent.crossEntropyWithGrad(x, t);
    warm.loss.destroy();
    warm.grad.destroy();
    const settle = async (): Promise<void> => {
      // Let the queue finish, so every pooled intermediate is back in the pool.
      await xent.device.queue.onSubmittedWorkDone();
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await settle();
    const before = xent.stats();
    let maxLive = 0;
    for (let i = 0; i < 10_000; i++) {
      const op = ops[i % ops.length] as () => Tensor;
      const out = op();
      if (i % 500 === 499) {
        // Now and then wait for the GPU, check a result, and measure what is live.
        const got = await out.read();
        expect(got.length).toBeGreaterThan(0);
        maxLive = Math.max(maxLive, xent.stats().liveBytes);
      }
      out.destroy();
      if (i % 1000 === 999) {
        const { loss, grad } = xent.crossEntropyWithGrad(x, t);
        await grad.read();
        loss.destroy();
        grad.destroy();
      }
    }
    await settle();
    const after = xent.stats();
    const held = (st: typeof before): number => st.liveBytes - st.pooledBytes;
    expect(after.liveBuffers - after.pooledBuffers).toBe(before.liveBuffers - before.pooledBuffers);
    expect(held(after)).toBe(held(before));
    expect(after.pooledBytes).toBeLessThan(1024 * 1024);
    expect(maxLive - before.liveBytes).toBeLessThan(256 * 1024);
    // Outputs (10 000) are new buffers; the 2–4 uniforms, intermediates and label-status words per
    // call come from the pool (without it: over 35 000). The pool grows to what is in flight at
    // once (calls run ahead of the GPU between the awaits), hence the margin.
    expect(after.createdBuffers - before.createdBuffers).toBeGreaterThan(10_000);
    expect(after.createdBuffers - before.createdBuffers).toBeLessThan(13_000);
    // Pipelines are per (kernel, constants), never per call.
    expect(after.pipelines).toBeLessThan(40);
    xent.destroy();
  });

  it("using a destroyed tensor throws; destroy() twice is harmless", async () => {
    const xent = await gpu();
    const x = xent.tensor([1, 2, 3]);
    x.destroy();
    x.destroy();
    expect(() => xent.crossEntropy(x, xent.tensor(new Int32Array([0]), []))).toThrow(/was destroyed/);
    expect(() => x.buffer).toThrow(/was destroyed/);
  });
});

describe("checks in flight", () => {
  it("a check() or read() under way keeps its status buffer through destroy(): the next op cannot reset it to clean", async () => {
    const xent = await gpu();
    const logits = xent.tensor(randomFloats(8 * 5, rng(9)), [8, 5]);
    const badLabels = xent.tensor(new Int32Array([0, 1, 9, 2, 3, 4, 0, 1]), [8]);
    const good = xent.tensor(new Int32Array([0, 1, 2, 3, 4, 0, 1, 2]), [8]);
    for (let i = 0; i < 20; i++) {
      const bad = xent.crossEntropy(logits, badLabels);
      const checked = xent.check(bad);
      const read = bad.read();
      bad.destroy();
      await xent.device.queue.onSubmittedWorkDone();
      // Draws pooled status buffers: the one just released, were it released, would be reset here.
      const others = [xent.crossEntropy(logits, good), xent.crossEntropy(logits, good, { reduction: "sum" })];
      await expect(checked).rejects.toThrow(/target\[2\] .*is 9/);
      await expect(read).rejects.toThrow(RangeError);
      for (const o of others) {
        expect(Number.isFinite((await o.read())[0])).toBe(true);
        o.destroy();
      }
    }
    expect(() => xent.check(xent.crossEntropy(logits, good)).then(() => undefined)).not.toThrow();
    for (const t of [logits, badLabels, good]) t.destroy();
  });
});

describe("concurrency", () => {
  it("100 ops in flight at once, no awaits between them, all correct", async () => {
    const xent = await gpu();
    const random = rng(42);
    const cases = Array.from({ length: 100 }, (_, i) => {
      const n = randomInt(random, 1, 40);
      const c = randomInt(random, 1, 300);
      const logits = randomFloats(n * c, random, 6);
      const labels = randomInts(n, random, c);
      const op =
        i % 2 === 0
          ? xent.crossEntropy(xent.tensor(logits, [n, c]), xent.tensor(labels, [n]), { reduction: "none" })
          : xent.softmax(xent.tensor(logits, [n, c]));
      return { i, n, c, logits, labels, op };
    });
    const results = await Promise.all(cases.map((k) => k.op.read()));
    for (const k of cases) {
      const input = ref.refTensor(k.logits, [k.n, k.c]);
      const want =
        k.i % 2 === 0 ? ref.crossEntropy(input, ref.refTensor(k.labels, [k.n]), { reduction: "none" }).data : ref.softmax(input).data;
      expectClose(results[k.i] as Float32Array, want, kTol, `in-flight op ${k.i}`);
    }
  });

  it("two Xent instances on one device, interleaved", async () => {
    const owner = await gpu();
    const a = Xent.fromDevice(owner.device);
    const b = Xent.fromDevice(owner.device);
    const random = rng(43);
    const logits = randomFloats(50 * 20, random);
    const labels = randomInts(50, random, 20);
    const outs: Promise<Float32Array>[] = [];
    for (let i = 0; i < 20; i++) {
      const xent = i % 2 ? a : b;
      outs.push(xent.crossEntropy(xent.tensor(logits, [50, 20]), xent.tensor(labels, [50])).read());
    }
    const want = ref.crossEntropy(ref.refTensor(logits, [50, 20]), ref.refTensor(labels, [50])).data;
    for (const o of await Promise.all(outs)) expectClose(o, want, kTol, "interleaved Xents");
  });
});

describe("limits", () => {
  it("more rows than 65 535 × workgroup size: dispatches fold into 2-D", async () => {
    const xent = await gpu();
    const rows = 65_535 * 64 + 7;
    const random = rng(44);
    const logits = randomFloats(rows * 2, random, 5);
    const labels = randomInts(rows, random, 2);
    const x = xent.tensor(logits, [rows, 2]);
    const t = xent.tensor(labels, [rows]);
    const loss = await xent.crossEntropy(x, t, { reduction: "none" }).read();
    const want = ref.crossEntropy(ref.refTensor(logits, [rows, 2]), ref.refTensor(labels, [rows]), { reduction: "none" }).data;
    expectClose(loss, want, kTol, "CE past 65 535 workgroups");
    // Every row of the softmax past the fold, against the reference.
    expectClose(await xent.softmax(x).read(), ref.softmax(ref.refTensor(logits, [rows, 2])).data, kTol, "softmax past 65 535 workgroups");
    x.destroy();
    t.destroy();
  });

  it("a tensor larger than the device's binding limit fails with a message naming the limit", async () => {
    const xent = await gpu();
    const limit = Math.min(xent.device.limits.maxStorageBufferBindingSize, xent.device.limits.maxBufferSize);
    const buffer = xent.device.createBuffer({ size: 16, usage: 0x80 });
    expect(() => xent.wrap(buffer, [limit / 4 + 1], "f32")).toThrow(RangeError);
    const x = xent.tensor(new Float32Array(4), [1, 4]);
    // An output past the limit (a fake shape, via a wrapped view) is refused before any GPU work.
    expect(() => xent.softmax(xent.wrap(xent.device.createBuffer({ size: 16, usage: 0x80 }), [0], "f32"))).not.toThrow();
    expect(() => coreOf(xent).output([limit / 4 + 4], "f32", "softmax")).toThrow(
      new RegExp(
        `softmax: a \\[${limit / 4 + 4}\\] f32 tensor needs ${limit + 16} bytes, more than this device's max(StorageBufferBinding|Buffer)Size \\(${limit} bytes\\)`,
      ),
    );
    x.destroy();
    buffer.destroy();
  });
});
