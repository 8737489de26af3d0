// crossEntropy / nllLoss on real WebGPU vs the float64 reference, every option combination.
import { beforeEach, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import type { Reduction } from "../../src/option-checks.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu, gpuWithPlan, kPlans, type Plan } from "../helpers/gpu.js";
import { randomFloats, randomInt, randomInts, rng } from "../helpers/random.js";

// f32 on the GPU vs float64: rel 1e-5 holds for per-position losses and reductions; 2e-6 absolute
// covers losses near 0 (a confident correct class: log(1 + tiny)). Label smoothing sums C gaps in
// f32, so it gets 3e-5 relative.
const kTol: Tolerance = { atol: 2e-6, rtol: 1e-5 };
const kSmoothTol: Tolerance = { atol: 2e-6, rtol: 3e-5 };

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

interface Case {
  shape: number[];
  dim?: number;
  scale?: number;
  logits?: Float32Array;
  targetKind: "i32" | "u32" | "prob";
  weight: boolean;
  ignore: boolean;
  smoothing: number;
  reduction: Reduction;
}

let plan: Plan = "detected plan";

async function checkCase(c: Case, random: () => number): Promise<void> {
  const xent = await gpuWithPlan(plan);
  const rank = c.shape.length;
  const dim = c.dim ?? (rank >= 2 ? 1 : 0);
  const classes = c.shape[dim] as number;
  const rowShape = c.shape.filter((_, d) => d !== dim);
  const logits = c.logits ?? randomFloats(size(c.shape), random, c.scale ?? 6);
  let targetData: Float32Array | Int32Array | Uint32Array;
  let targetShape: number[];
  if (c.targetKind === "prob") {
    // Random distributions along dim (some rows one-hot-ish, with exact zeros).
    targetShape = c.shape;
    const p = Float32Array.from({ length: size(c.shape) }, () => (random() < 0.3 ? 0 : random()));
    const view = ref.logSoftmax(ref.refTensor(logits, c.shape), { dim }); // only for its row iteration shape
    void view;
    targetData = normaliseAlong(p, c.shape, dim);
  } else {
    targetShape = rowShape;
    const t = randomInts(size(rowShape), random, classes);
    if (c.ignore) for (let i = 0; i < t.length; i++) if (random() < 0.25) t[i] = c.targetKind === "u32" ? 7 : -100;
    targetData = c.targetKind === "u32" ? Uint32Array.from(t) : t;
  }
  const ignoreIndex = c.ignore && c.targetKind === "u32" ? 7 : undefined;
  const weightData = c.weight ? Float32Array.from({ length: classes }, () => 0.1 + random() * 2) : undefined;

  const x = xent.tensor(logits, c.shape);
  const target = xent.tensor(targetData, targetShape);
  const weight = weightData ? xent.tensor(weightData, [classes]) : undefined;
  const opts = {
    dim,
    reduction: c.reduction,
    labelSmoothing: c.smoothing,
    ...(weight ? { weight } : {}),
    ...(ignoreIndex !== undefined ? { ignoreIndex } : {}),
  };
  const got = await xent.crossEntropy(x, target, opts).read();
  const expected = ref.crossEntropy(ref.refTensor(logits, c.shape), ref.refTensor(targetData, targetShape), {
    ...opts,
    weight: weightData,
  });
  const label = `CE ${JSON.stringify({ ...c, logits: undefined })}`;
  expectClose(got, expected.data, c.smoothing > 0 || c.targetKind === "prob" ? kSmoothTol : kTol, label);
  x.destroy();
  target.destroy();
  weight?.destroy();
}

function normaliseAlong(p: Float32Array, shape: number[], dim: number): Float32Array {
  const classes = shape[dim] as number;
  const inner = size(shape.slice(dim + 1));
  const outer = size(shape.slice(0, dim));
  const out = new Float32Array(p.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let c = 0; c < classes; c++) s += p[(o * classes + c) * inner + i] as number;
      for (let c = 0; c < classes; c++) {
        const k = (o * classes + c) * inner + i;
        out[k] = s > 0 ? (p[k] as number) / s : c === 0 ? 1 : 0;
      }
    }
  return out;
}

describe.each(kPlans)("crossEntropy on the GPU, %s", (p) => {
  beforeEach(() => void (plan = p));

  it("every option combination on [N, C] and [N, C, H, W] (class dim 1)", async () => {
    const random = rng(10);
    const reductions: Reduction[] = ["mean", "sum", "none"];
    for (const shape of [
      [37, 11],
      [5, 3, 4, 6],
    ])
      for (const targetKind of ["i32", "u32", "prob"] as const)
        for (const weight of [false, true])
          for (const ignore of targetKind === "prob" ? [false] : [false, true])
            for (const smoothing of [0, 0.1, 1])
              for (const reduction of reductions) await checkCase({ shape, targetKind, weight, ignore, smoothing, reduction }, random);
  });

  it("shapes: C = 1, C = 70000 with few rows, N = 1, 1-D logits with a scalar target, C % 4 != 0, 4099 rows", async () => {
    const random = rng(11);
    const shapes: [number[], number?][] = [
      [[8, 1]],
      [[3, 70000]],
      [[1, 70000]],
      [[1, 5]],
      [[6]],
      [[4099, 10]],
      [[129, 1001]],
      [[2, 3, 7], 2],
      [[3, 2, 5, 4], 0],
    ];
    for (const [shape, dim] of shapes)
      for (const targetKind of ["i32", "prob"] as const)
        for (const smoothing of [0, 0.2])
          for (const reduction of ["mean", "none"] as const)
            await checkCase({ shape, dim, targetKind, weight: true, ignore: targetKind !== "prob", smoothing, reduction }, random);
  });

  it("random shapes and dims", async () => {
    const random = rng(12);
    for (let k = 0; k < 12; k++) {
      const rank = randomInt(random, 1, 4);
      const shape = Array.from({ length: rank }, () => randomInt(random, 1, rank === 1 ? 3000 : 12));
      const dim = randomInt(random, 0, rank - 1);
      await checkCase(
        {
          shape,
          dim,
          targetKind: random() < 0.5 ? "i32" : "prob",
          weight: random() < 0.5,
          ignore: false,
          smoothing: random() < 0.5 ? 0 : random(),
          reduction: "none",
        },
        random,
      );
    }
  });

  it("adversarial logits: ±1e4, -Inf masked classes, NaN, an all-masked row", async () => {
    const random = rng(13);
    for (const reduction of ["none", "mean"] as const)
      for (const smoothing of [0, 0.1]) {
        await checkCase({ shape: [64, 33], scale: 1e4, targetKind: "i32", weight: false, ignore: false, smoothing, reduction }, random);
        await checkCase({ shape: [8, 3000], scale: 1e4, targetKind: "i32", weight: true, ignore: true, smoothing, reduction }, random);
      }
    // Masked classes (never the target): finite loss without smoothing, +inf with it (PyTorch).
    const ninf = -Infinity;
    const logits = new Float32Array([ninf, 1, 2, ninf, 0, ninf, 3, 4, 1e4, -1e4, 1e4 - 1, 0, NaN, 1, 1, 1, ninf, ninf, ninf, ninf]);
    const xent = await gpuWithPlan(plan);
    const x = xent.tensor(logits, [5, 4]);
    const t = xent.tensor(new Int32Array([1, 3, 0, 2, 1]), [5]);
    for (const labelSmoothing of [0, 0.1]) {
      const got = await xent.crossEntropy(x, t, { reduction: "none", labelSmoothing }).read();
      const want = ref.crossEntropy(ref.refTensor(logits, [5, 4]), ref.refTensor([1, 3, 0, 2, 1], [5]), {
        reduction: "none",
        labelSmoothing,
      });
      expectClose(got, want.data, kTol, `masked rows, smoothing ${labelSmoothing}`);
      // Row 0's target is not masked: finite without smoothing; smoothing puts ε/C on its masked classes: +Inf (PyTorch).
      if (labelSmoothing > 0) expect(got[0]).toBe(Infinity);
      else expect(Number.isFinite(got[0])).toBe(true);
      expect(got[3]).toBeNaN(); // NaN row
      expect(got[4]).toBeNaN(); // every class masked
    }
    // The loss at |logit| 1e4 keeps its digits: (m − x_t) + log s, not m + log s − x_t.
    const big = xent.tensor(new Float32Array([10000, 10000.5, 9999]), [1, 3]);
    const lossBig = (await xent.crossEntropy(big, xent.tensor(new Int32Array([0]), [1])).read())[0] as number;
    expect(lossBig).toBeCloseTo(
      ref.crossEntropy(ref.refTensor([10000, 10000.5, 9999], [1, 3]), ref.refTensor([0], [1])).data[0] as number,
      5,
    );
  });

  it("long rows split into chunks: a fully masked chunk, NaN in the last chunk, smoothing and prob targets", async () => {
    const xent = await gpuWithPlan(plan);
    const random = rng(17);
    const c = 40000;
    const logits = randomFloats(3 * c, random, 6);
    logits.fill(-Infinity, 0, 9000); // row 0: its whole first chunk masked
    logits[c + c - 3] = NaN; // row 1: NaN in its last chunk
    const labels = new Int32Array([20000, 5, c - 1]);
    const probs = Float32Array.from(ref.softmax(ref.refTensor(randomFloats(3 * c, random, 3), [3, c])).data);
    for (const labelSmoothing of [0, 0.1]) {
      const x = xent.tensor(logits, [3, c]);
      const got = await xent.crossEntropy(x, xent.tensor(labels, [3]), { reduction: "none", labelSmoothing }).read();
      const want = ref.crossEntropy(ref.refTensor(logits, [3, c]), ref.refTensor(labels, [3]), { reduction: "none", labelSmoothing }).data;
      expectClose(got, want, kSmoothTol, `split rows, smoothing ${labelSmoothing}`);
      const gotP = await xent
        .crossEntropy(
          xent.tensor(
            logits.map((v) => (Number.isNaN(v) || v === -Infinity ? 0 : v)),
            [3, c],
          ),
          xent.tensor(probs, [3, c]),
          { reduction: "none", labelSmoothing },
        )
        .read();
      const wantP = ref.crossEntropy(
        ref.refTensor(
          logits.map((v) => (Number.isNaN(v) || v === -Infinity ? 0 : v)),
          [3, c],
        ),
        ref.refTensor(probs, [3, c]),
        { reduction: "none", labelSmoothing },
      ).data;
      expectClose(gotP, wantP, kSmoothTol, `split rows, prob targets, smoothing ${labelSmoothing}`);
    }
  });

  it("PyTorch's special cases: all ignored 'mean' is NaN, 'sum' 0; empty batch", async () => {
    const xent = await gpuWithPlan(plan);
    const x = xent.tensor(randomFloats(12, rng(14)), [3, 4]);
    const ignored = xent.tensor(new Int32Array([-100, -100, -100]), [3]);
    expect((await xent.crossEntropy(x, ignored).read())[0]).toBeNaN();
    expect((await xent.crossEntropy(x, ignored, { reduction: "sum" }).read())[0]).toBe(0);
    expect(Array.from(await xent.crossEntropy(x, ignored, { reduction: "none" }).read())).toEqual([0, 0, 0]);
    const empty = xent.tensor(new Float32Array(0), [0, 4]);
    const noLabels = xent.tensor(new Int32Array(0), [0]);
    expect((await xent.crossEntropy(empty, noLabels).read())[0]).toBeNaN();
    expect((await xent.crossEntropy(empty, noLabels, { reduction: "sum" }).read())[0]).toBe(0);
    expect((await xent.crossEntropy(empty, noLabels, { reduction: "none" }).read()).length).toBe(0);
  });

  it("logits of size 1e4 whose target is the max: the small true loss keeps its digits ((m − x_t) + log s, not m + log s − x_t)", async () => {
    const xent = await gpuWithPlan(plan);
    const random = rng(41);
    for (const classes of [12, 9, 4096]) {
      const rows = 33;
      const data = new Float32Array(rows * classes);
      const labels = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        // Every logit near ±1e4, the target the largest by 12 or more: the loss is at most C·e^-12.
        for (let c = 0; c < classes; c++) data[r * classes + c] = Math.fround(1e4 * (random() < 0.5 ? 1 : -1) - 12 - 4 * random());
        labels[r] = Math.floor(random() * classes);
        data[r * classes + (labels[r] as number)] = 1e4;
      }
      const got = await xent.crossEntropy(xent.tensor(data, [rows, classes]), xent.tensor(labels, [rows]), { reduction: "none" }).read();
      const want = ref.crossEntropy(ref.refTensor(data, [rows, classes]), ref.refTensor(labels), { reduction: "none" }).data;
      // f32 near 1e4 has an ulp of 1e-3, which the naive form adds to losses of 1e-2 or less; log(s)
      // near s = 1 costs f32 about 1e-7 absolute.
      expect(Math.max(...want)).toBeLessThan(0.05);
      expectClose(got, want, { atol: 2e-6, rtol: 1e-5 }, `target = max of ±1e4 logits, C=${classes}`);
    }
  });

  it("'mean' and 'sum' are compensated sums: 2^20 losses sum to within 1e-6 of float64", async () => {
    const xent = await gpuWithPlan(plan);
    // 2^20 rows of 2 classes whose losses are all ~0.3133: an uncompensated f32 running sum of 16k
    // values per thread drifts by ~1e-5 relative; Kahan's keeps ~1e-7.
    const rows = 2 ** 20;
    const logits = new Float32Array(rows * 2).map((_, i) => (i % 2 === 0 ? 1 : 0.1 * ((i >> 1) % 7)));
    const labels = new Int32Array(rows);
    const x = xent.tensor(logits, [rows, 2]);
    const t = xent.tensor(labels, [rows]);
    const want = ref.crossEntropy(ref.refTensor(logits, [rows, 2]), ref.refTensor(labels), { reduction: "sum" }).data;
    expectClose(await xent.crossEntropy(x, t, { reduction: "sum" }).read(), want, { atol: 0, rtol: 1e-6 }, "sum of 2^20 losses");
    x.destroy();
    t.destroy();
  });

  it("'mean' is reduced on the GPU deterministically: identical bits run to run", async () => {
    const xent = await gpuWithPlan(plan);
    const random = rng(15);
    const x = xent.tensor(randomFloats(4099 * 37, random), [4099, 37]);
    const t = xent.tensor(randomInts(4099, random, 37), [4099]);
    const first = await xent.crossEntropy(x, t).read();
    for (let k = 0; k < 5; k++) expect(Array.from(await xent.crossEntropy(x, t).read())).toEqual(Array.from(first));
  });
});

describe("nllLoss on the GPU", () => {
  it("matches the reference with weights, ignoreIndex and every reduction", async () => {
    const xent = await gpu();
    const random = rng(16);
    for (const [shape, dim] of [
      [[50, 7], 1],
      [[3, 5, 4], 1],
      [[9], 0],
    ] as [number[], number][]) {
      const logits = randomFloats(size(shape), random);
      const logp = Float32Array.from(ref.logSoftmax(ref.refTensor(logits, shape), { dim }).data);
      const rowShape = shape.filter((_, d) => d !== dim);
      const classes = shape[dim] as number;
      const t = randomInts(size(rowShape), random, classes);
      if (t.length > 2) t[1] = -1;
      const weight = Float32Array.from({ length: classes }, () => random() * 3);
      for (const reduction of ["mean", "sum", "none"] as const)
        for (const withWeight of [false, true]) {
          const opts = { dim, reduction, ignoreIndex: -1 };
          const got = await xent
            .nllLoss(
              xent.tensor(logp, shape),
              xent.tensor(t, rowShape),
              withWeight ? { ...opts, weight: xent.tensor(weight, [classes]) } : opts,
            )
            .read();
          const want = ref.nllLoss(ref.refTensor(logp, shape), ref.refTensor(t, rowShape), withWeight ? { ...opts, weight } : opts);
          expectClose(got, want.data, kTol, `nllLoss ${shape} ${reduction} ${withWeight}`);
        }
    }
  });
});

describe("softcap precision", () => {
  it("caps from 1 to 3e38 match float64, loss and gradient, plain and linear (cap · tanh(x / cap) ≈ x for a huge cap)", async () => {
    const xent = await gpu();
    // The probe: logits of about ±5, whose loss with no cap is [0.883, 1.281, 6.407, 1.320].
    const logits = Float32Array.from([4.8, -1.2, 0.3, -5, 2.2, 3.1, -0.7, 1.9, -4.4, 0.5, 5, -2.5, 1, -3.3, 2.8, 0.1]);
    const target = new Int32Array([0, 1, 2, 3]);
    const hidden = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
    const classifier = Float32Array.from({ length: 12 }, (_, i) => logits[i] as number);
    for (const softcap of [1, 3, 30, 1e4, 1e6, 1e7, 1e8, 1e20, 3e38]) {
      const x = xent.tensor(logits, [4, 4]);
      const t = xent.tensor(target, [4]);
      const opts = { softcap, reduction: "none" as const };
      const want = ref.crossEntropy(ref.refTensor(logits, [4, 4]), ref.refTensor(target, [4]), opts).data;
      expectClose(await xent.crossEntropy(x, t, opts).read(), want, kTol, `cap ${softcap}`);
      const wantGrad = ref.crossEntropyGrad(ref.refTensor(logits, [4, 4]), ref.refTensor(target, [4]), opts).data;
      expectClose(await xent.crossEntropyWithGrad(x, t, opts).grad.read(), wantGrad, kTol, `cap ${softcap} grad`);
      // linearCrossEntropy: hidden [4, 3] · classifier [4, 3]ᵀ, the same softcap.
      const h = xent.tensor(hidden, [4, 3]);
      const w = xent.tensor(classifier, [4, 3]);
      const wantLinear = ref.linearCrossEntropy(
        ref.refTensor(hidden, [4, 3]),
        ref.refTensor(classifier, [4, 3]),
        ref.refTensor(target, [4]),
        opts,
      );
      expectClose(await xent.linearCrossEntropy(h, w, t, opts).read(), wantLinear.data, kTol, `linear cap ${softcap}`);
    }
  });
});
