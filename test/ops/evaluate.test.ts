// evaluate / evaluator on real WebGPU vs the float64 reference (torchmetrics' definitions): every
// metric on random and adversarial batches, any class dim, streaming over uneven batches, the
// bad-label error, binding slices.
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { Xent, toFloat16Bits, fromFloat16Bits, type EvaluationResult } from "../../src/index.js";
import { countGpuCase, gpuWithPlan, kPlans, type Plan } from "../helpers/gpu.js";
import { randomFloats, rng } from "../helpers/random.js";

let plan: Plan = "detected plan";

const close = (got: number, want: number, what: string, rtol = 2e-5, atol = 1e-6): void => {
  if (Number.isNaN(want)) return void expect(got, what).toBeNaN();
  // A target on a masked (−Inf) class: an infinite loss, as PyTorch's.
  if (!Number.isFinite(want)) return void expect(got, what).toBe(want);
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(atol + rtol * Math.abs(want));
};

function expectMetrics(got: EvaluationResult, want: EvaluationResult, what: string): void {
  expect(got.count, `${what}: count`).toBe(want.count);
  expect(got.nanRows, `${what}: NaN rows`).toBe(want.nanRows);
  close(got.loss, want.loss, `${what}: loss`);
  close(got.perplexity, want.perplexity, `${what}: perplexity`, 5e-5);
  close(got.accuracy, want.accuracy, `${what}: accuracy`, 0, 0);
  expect(got.topK, `${what}: topK`).toEqual(want.topK);
  close(got.confidence, want.confidence, `${what}: confidence`);
  close(got.ece, want.ece, `${what}: ece`, 1e-5, 2e-6);
  if (want.confusion) {
    expect(Array.from(got.confusion?.matrix ?? []), `${what}: confusion`).toEqual(Array.from(want.confusion.matrix));
    expect(got.confusion?.macroF1, `${what}: macro F1`).toBeCloseTo(want.confusion.macroF1, 12);
    expect(got.confusion?.meanIoU, `${what}: mIoU`).toBeCloseTo(want.confusion.meanIoU, 12);
  }
}

function labels(random: () => number, n: number, classes: number, ignore = 0.1): Int32Array {
  return Int32Array.from({ length: n }, () => (random() < ignore ? -100 : Math.floor(random() * classes)));
}

async function check(
  data: Float32Array,
  shape: number[],
  target: Int32Array,
  options: ref.RefEvaluateOptions,
  what: string,
): Promise<void> {
  const xent = await gpuWithPlan(plan);
  const dim = options.dim ?? (shape.length >= 2 ? 1 : 0);
  const x = xent.tensor(data, shape);
  const t = xent.tensor(
    target,
    shape.filter((_, d) => d !== (dim < 0 ? dim + shape.length : dim)),
  );
  const weight = options.weight ? xent.tensor(Float32Array.from(options.weight), [options.weight.length]) : undefined;
  const ev = xent.evaluate(x, t, { ...options, ...(weight ? { weight } : {}) } as never);
  const got = await ev.read();
  ev.destroy();
  [x, t, weight].forEach((v) => v?.destroy());
  expectMetrics(got, ref.evaluate(ref.refTensor(data, shape), ref.refTensor(target), options), `${what} [${shape}]`);
  countGpuCase();
}

describe.each(kPlans)("evaluate on the GPU, %s", (p) => {
  beforeEach(() => void (plan = p));

  it("random batches: loss, perplexity, top-k, confidence, ECE and confusion match the reference", async () => {
    const random = rng(61);
    for (const [n, c] of [
      [1, 1],
      [300, 10],
      [64, 1000],
      [3, 33000],
      [257, 7],
    ] as [number, number][]) {
      const data = randomFloats(n * c, random, 3);
      const target = labels(random, n, c);
      await check(data, [n, c], target, { topK: [1, 3, 5], confusion: c <= 1000 }, "random");
    }
    const data = randomFloats(200 * 12, random, 2);
    const weight = Float32Array.from({ length: 12 }, () => random() + 0.5);
    await check(
      data,
      [200, 12],
      labels(random, 200, 12),
      { weight: Array.from(weight), base: 2, calibrationBins: 10, topK: [2] },
      "weights, bits",
    );
  });

  it("ties (top-1 is the first argmax), −Inf masks, NaN rows, all ignored", async () => {
    const random = rng(62);
    const ties = Float32Array.from({ length: 500 * 6 }, () => Math.floor(random() * 3));
    await check(ties, [500, 6], labels(random, 500, 6, 0), { topK: [1, 2, 3], confusion: true }, "ties");
    // Every third logit masked; some targets fall on a masked class (an infinite loss).
    const masked = randomFloats(100 * 8, random, 2).map((v, i) => (i % 3 === 0 ? -Infinity : v));
    await check(masked, [100, 8], labels(random, 100, 8, 0), { confusion: true }, "masks");
    const withNan = randomFloats(50 * 5, random, 2);
    withNan[7] = NaN;
    withNan[5 * 9 + 2] = Infinity;
    withNan.fill(-Infinity, 5 * 20, 5 * 21);
    await check(withNan, [50, 5], labels(random, 50, 5, 0), {}, "NaN rows");
    await check(randomFloats(20, random), [4, 5], Int32Array.from([-100, -100, -100, -100]), {}, "all ignored");
  });

  it("any class dim: NCHW segmentation maps (pixel accuracy, mIoU), [B, T, V] with dim −1, f16 logits, u32 targets", async () => {
    const random = rng(63);
    const seg = randomFloats(2 * 5 * 6 * 7, random);
    await check(seg, [2, 5, 6, 7], labels(random, 2 * 6 * 7, 5), { confusion: true, topK: [1] }, "NCHW");
    const lm = randomFloats(3 * 9 * 50, random);
    await check(lm, [3, 9, 50], labels(random, 27, 50), { dim: -1, topK: [1, 5, 10] }, "[B, T, V]");
    const xent = await gpuWithPlan(plan);
    const bits = toFloat16Bits(randomFloats(40 * 30, random));
    const ids = labels(random, 40, 30, 0);
    const ev = xent.evaluate(xent.tensor(bits, [40, 30], "f16"), xent.tensor(Uint32Array.from(ids), [40]), { confusion: true });
    expectMetrics(
      await ev.read(),
      ref.evaluate(ref.refTensor(fromFloat16Bits(bits), [40, 30]), ref.refTensor(ids), { confusion: true }),
      "f16, u32",
    );
    ev.destroy();
  });
});

describe("evaluator: streaming", () => {
  it("7 uneven batches give what one batch gives (within 1e-6 relative), read() once; reset() starts over", async () => {
    const xent = await gpuWithPlan("detected plan");
    const random = rng(64);
    const [n, c] = [1000, 20];
    const data = randomFloats(n * c, random, 3);
    const target = labels(random, n, c);
    const options = { topK: [1, 5], confusion: true, calibrationBins: 15 };
    const whole = xent.evaluate(xent.tensor(data, [n, c]), xent.tensor(target, [n]), options);
    const one = await whole.read();
    whole.destroy();
    const ev = xent.evaluator(options);
    const cuts = [0, 1, 50, 51, 300, 650, 999, 1000];
    const encoder = xent.device.createCommandEncoder();
    for (let b = 0; b + 1 < cuts.length; b++) {
      const [lo, hi] = [cuts[b] as number, cuts[b + 1] as number];
      const x = xent.tensor(data.slice(lo * c, hi * c), [hi - lo, c]);
      const t = xent.tensor(target.slice(lo, hi), [hi - lo]);
      ev.add(x, t, b % 2 === 0 ? { encoder } : {});
    }
    xent.device.queue.submit([encoder.finish()]);
    expect(ev.batches).toBe(7);
    const streamed = await ev.read();
    expect(streamed.count).toBe(one.count);
    expect(Math.abs(streamed.loss - one.loss) / one.loss).toBeLessThan(1e-6);
    expect(streamed.accuracy).toBe(one.accuracy);
    expect(streamed.topK).toEqual(one.topK);
    expect(Math.abs(streamed.ece - one.ece)).toBeLessThan(1e-6);
    expect(Array.from(streamed.confusion!.matrix)).toEqual(Array.from(one.confusion!.matrix));
    expectMetrics(streamed, ref.evaluate(ref.refTensor(data, [n, c]), ref.refTensor(target), options), "streamed");
    ev.reset();
    expect(ev.batches).toBe(0);
    const empty = await ev.read();
    expect(empty.count).toBe(0);
    expect(empty.loss).toBeNaN();
    ev.destroy();
    countGpuCase(2);
  });

  it("a confidence exactly on a bin edge falls in the lower bin, (b/B, (b+1)/B], as torchmetrics' bucketize", async () => {
    const xent = await gpuWithPlan("detected plan");
    // 50 rows of equal logits (confidence exactly 0.5, right: class 0 is the argmax) and 50 of
    // [0, 0.3] (confidence σ(0.3) = 0.5744 in (0.5, 0.6], wrong): with 10 bins, torchmetrics puts
    // the first in bin 4 and the second in bin 5: ECE = (0.5 + 0.5744) / 2. One bin for both would give 0.037.
    const logits = Float32Array.from({ length: 200 }, (_, i) => (i >= 100 && i % 2 === 1 ? 0.3 : 0));
    const ev = xent.evaluate(xent.tensor(logits, [100, 2]), xent.tensor(new Int32Array(100), [100]), { calibrationBins: 10 });
    const r = await ev.read();
    ev.destroy();
    const high = 1 / (1 + Math.exp(-0.3));
    close(r.ece, (0.5 + high) / 2, "ECE with confidences on a bin edge", 1e-6);
    close(
      r.ece,
      ref.evaluate(ref.refTensor(logits, [100, 2]), ref.refTensor(new Int32Array(100)), { calibrationBins: 10 }).ece,
      "vs the reference",
    );
  });

  it("the tutorial's numbers: CE of softmax(ln p) is Keras' renormalised 0.708533; one-hot dog/cat/horse/cheetah", async () => {
    const xent = await gpuWithPlan("detected plan");
    const p = [0.25, 0.25, 0.25, 0.25, 0.01, 0.01, 0.01, 0.96];
    const ev = xent.evaluate(xent.tensor(new Float32Array(p.map(Math.log)), [2, 4]), xent.tensor(new Int32Array([3, 3]), [2]));
    const r = await ev.read();
    expect(r.loss).toBeCloseTo(0.708533, 6);
    expect(r.accuracy).toBe(0.5); // row 0 ties: class 0 is the argmax
    ev.destroy();
    const dog = xent.evaluate(
      xent.tensor(new Float32Array([0.775, 0.116, 0.039, 0.07].map(Math.log)), [1, 4]),
      xent.tensor(new Int32Array([0]), [1]),
      { base: 2 },
    );
    const d = await dog.read();
    expect(d.loss).toBeCloseTo(0.3677, 4); // -log2(0.775)
    expect(d.confidence).toBeCloseTo(0.775, 6);
    expect(d.ece).toBeCloseTo(1 - 0.775, 6);
    dog.destroy();
  });
});

interface MetricsCase {
  name: string;
  logits: number[];
  shape: [number, number];
  target: number[];
  topK: number[];
  calibrationBins: number;
  loss: number;
  accuracy: number;
  topKAccuracy: Record<string, number>;
  ece: number;
  confusion: number[];
  precision: number[];
  recall: number[];
  f1: number[];
}

describe("evaluate vs scikit-learn and torchmetrics (test/fixtures/metrics-cases.json, npm run fixtures)", () => {
  const fixtures = JSON.parse(readFileSync(new URL("../fixtures/metrics-cases.json", import.meta.url), "utf8")) as { cases: MetricsCase[] };
  it.each(fixtures.cases.map((c) => [c.name, c] as const))(
    "%s: log_loss, accuracy_score, top_k_accuracy_score, ECE, confusion_matrix, precision_recall_fscore_support",
    async (_, c) => {
      const xent = await gpuWithPlan("detected plan");
      const ev = xent.evaluate(xent.tensor(Float32Array.from(c.logits), c.shape), xent.tensor(Int32Array.from(c.target), [c.shape[0]]), {
        topK: c.topK,
        calibrationBins: c.calibrationBins,
        confusion: true,
      });
      const r = await ev.read();
      ev.destroy();
      close(r.loss, c.loss, "log_loss", 1e-5);
      expect(r.accuracy).toBe(c.accuracy);
      for (const k of c.topK) close(r.topK[k] as number, c.topKAccuracy[String(k)] as number, `top-${k}`, 0, 1e-12);
      close(r.ece, c.ece, "ECE", 1e-4, 1e-6);
      expect(Array.from(r.confusion!.matrix)).toEqual(c.confusion);
      c.precision.forEach((v, k) => close(r.confusion!.precision[k] as number, v, `precision ${k}`, 1e-12, 1e-12));
      c.recall.forEach((v, k) => close(r.confusion!.recall[k] as number, v, `recall ${k}`, 1e-12, 1e-12));
      c.f1.forEach((v, k) => close(r.confusion!.f1[k] as number, v, `f1 ${k}`, 1e-12, 1e-12));
      countGpuCase();
    },
  );
});

describe("evaluate: errors and limits", () => {
  it("a bad label rejects read() naming its batch; bad options throw at once", async () => {
    const xent = await gpuWithPlan("detected plan");
    const ev = xent.evaluator();
    ev.add(xent.tensor(new Float32Array(6), [2, 3]), xent.tensor(new Int32Array([0, 1]), [2]));
    ev.add(xent.tensor(new Float32Array(6), [2, 3]), xent.tensor(new Int32Array([2, 7]), [2]));
    await expect(ev.read()).rejects.toThrow(/batch 1: target \(flat position 1\) is 7: expected a class index in \[0, 3\)/);
    expect(() => ev.add(xent.tensor(new Float32Array(8), [2, 4]), xent.tensor(new Int32Array(2), [2]))).toThrow(/4 classes, but/);
    ev.destroy();
    const x = xent.tensor(new Float32Array(6), [2, 3]);
    const t = xent.tensor(new Int32Array(2), [2]);
    expect(() => xent.evaluate(x, t, { topK: [0] })).toThrow(TypeError);
    expect(() => xent.evaluate(x, t, { calibrationBins: 0 })).toThrow(RangeError);
    expect(() => xent.evaluate(x, t, { calibrationBins: 1.5 })).toThrow(TypeError);
    expect(() => xent.evaluate(x, t, { bogus: 1 } as never)).toThrow(/unknown option/);
    expect(() => xent.evaluate(x, xent.tensor(new Int32Array(3), [3]))).toThrow(/target: expected shape \[2\]/);
    expect(() => xent.evaluate(x, t, { weight: xent.tensor(new Float32Array(2), [2]) })).toThrow(/weight: expected shape \[3\]/);
  });

  it("in binding slices (a 4 KiB limit): the same metrics", async () => {
    const base = await gpuWithPlan("detected plan");
    const xent = Xent.fromDevice(base.device, { maxBindingBytes: 4096 });
    const random = rng(65);
    const data = randomFloats(200 * 20, random);
    const target = labels(random, 200, 20);
    const ev = xent.evaluate(xent.tensor(data, [200, 20]), xent.tensor(target, [200]), { confusion: true });
    expectMetrics(await ev.read(), ref.evaluate(ref.refTensor(data, [200, 20]), ref.refTensor(target), { confusion: true }), "sliced");
    ev.destroy();
  });
});
