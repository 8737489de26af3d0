// binaryCrossEntropy(WithLogits), klDiv, entropy, Keras and scikit-learn losses on real WebGPU vs the float64 reference.
import { describe, expect, it } from "vitest";
import * as ref from "../src/reference/index.js";
import { expectClose, type Tolerance } from "./helpers/compare.js";
import { countGpuCase, gpu } from "./helpers/gpu.js";
import { randomFloats, randomInts, rng } from "./helpers/random.js";

// Pointwise f32 logs/exps: 1e-5 relative; 1e-6 absolute for values near 0 (e.g. log1p of tiny numbers).
const kTol: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const reductions = ["none", "mean", "sum"] as const;

function probabilities(n: number, random: () => number): Float32Array {
  const p = Float32Array.from({ length: n }, () => random());
  // Exact 0 and 1 (log clamped at −100 in PyTorch's BCE) and values next to them.
  p.set([0, 1, 1e-30, 1 - 2 ** -24, 0.5].slice(0, n));
  return p;
}

describe("binaryCrossEntropy and binaryCrossEntropyWithLogits", () => {
  it("BCE on probabilities with weights (full and trailing-dim broadcast), every reduction", async () => {
    const xent = await gpu();
    const random = rng(20);
    for (const shape of [[7, 5], [3, 4, 6], [1], [1000]]) {
      const p = probabilities(size(shape), random);
      const y = Float32Array.from({ length: size(shape) }, () => (random() < 0.5 ? 0 : random() < 0.5 ? 1 : random()));
      const last = shape[shape.length - 1] as number;
      for (const weightShape of [undefined, [last], shape])
        for (const reduction of reductions) {
          const w = weightShape ? Float32Array.from({ length: size(weightShape) }, () => random() * 2) : undefined;
          const opts = { reduction, ...(w && weightShape ? { weight: xent.tensor(w, weightShape) } : {}) };
          const got = await xent.binaryCrossEntropy(xent.tensor(p, shape), xent.tensor(y, shape), opts).read();
          const want = ref.binaryCrossEntropy(ref.refTensor(p, shape), ref.refTensor(y, shape), { reduction, weight: w });
          expectClose(got, want.data, kTol, `BCE ${shape} w${weightShape} ${reduction}`);
          countGpuCase();
        }
    }
  });

  it("BCE is finite at p = 0 and 1 (log clamped at −100) and NaN outside [0, 1]", async () => {
    const xent = await gpu();
    const got = await xent
      .binaryCrossEntropy(xent.tensor([0, 1, 1.5, -0.1, NaN]), xent.tensor([1, 0, 1, 1, 1]), { reduction: "none" })
      .read();
    expect(Array.from(got.slice(0, 2))).toEqual([100, 100]);
    expect(got[2]).toBeNaN();
    expect(got[3]).toBeNaN();
    expect(got[4]).toBeNaN();
    countGpuCase();
  });

  it("BCE with logits: stable at ±1e4, posWeight over the last dim, weights, every reduction", async () => {
    const xent = await gpu();
    const random = rng(21);
    for (const shape of [[9, 4], [2, 3, 5], [4099]]) {
      const x = randomFloats(size(shape), random, 30);
      x.set([1e4, -1e4, 20, -20, 0, 88.7, -104]);
      const y = Float32Array.from({ length: size(shape) }, () => (random() < 0.7 ? Math.round(random()) : random()));
      const last = shape[shape.length - 1] as number;
      for (const posWeight of [false, true])
        for (const weight of [false, true])
          for (const reduction of reductions) {
            const pw = posWeight ? Float32Array.from({ length: last }, () => random() * 4) : undefined;
            const w = weight ? Float32Array.from({ length: last }, () => random() * 2) : undefined;
            const opts = {
              reduction,
              ...(pw ? { posWeight: xent.tensor(pw, [last]) } : {}),
              ...(w ? { weight: xent.tensor(w, [last]) } : {}),
            };
            const got = await xent.binaryCrossEntropyWithLogits(xent.tensor(x, shape), xent.tensor(y, shape), opts).read();
            const want = ref.binaryCrossEntropyWithLogits(ref.refTensor(x, shape), ref.refTensor(y, shape), {
              reduction,
              posWeight: pw,
              weight: w,
            });
            expectClose(got, want.data, kTol, `BCEWithLogits ${shape} pw ${posWeight} w ${weight} ${reduction}`);
            countGpuCase();
          }
    }
  });
});

describe("klDiv", () => {
  it("matches PyTorch's kl_div for every reduction, with and without logTarget", async () => {
    const xent = await gpu();
    const random = rng(22);
    for (const shape of [
      [6, 10],
      [3, 2, 7],
      [1, 5000],
    ]) {
      const logits = randomFloats(size(shape), random, 5);
      const logq = Float32Array.from(ref.logSoftmax(ref.refTensor(logits, shape)).data);
      const p = Float32Array.from(ref.softmax(ref.refTensor(randomFloats(size(shape), random, 3), shape)).data);
      p[0] = 0; // xlogy(0, 0) = 0
      for (const logTarget of [false, true]) {
        const target = logTarget ? p.map((v) => Math.log(v)) : p;
        for (const reduction of ["none", "mean", "sum", "batchmean"] as const) {
          const got = await xent.klDiv(xent.tensor(logq, shape), xent.tensor(target, shape), { reduction, logTarget }).read();
          const want = ref.klDiv(ref.refTensor(logq, shape), ref.refTensor(target, shape), { reduction, logTarget });
          expectClose(got, want.data, kTol, `klDiv ${shape} ${reduction} logTarget ${logTarget}`);
          countGpuCase();
        }
      }
    }
    // A zero target where the input is −inf is NaN in PyTorch too.
    const edge = await xent.klDiv(xent.tensor([-Infinity, -1, -1]), xent.tensor([0, 0, 1]), { reduction: "none" }).read();
    expect(edge[0]).toBeNaN();
    expect(Array.from(edge.slice(1))).toEqual([0, 1]);
  });
});

describe("entropy", () => {
  it("from probabilities and from logits, any dim, nats and bits, masked classes", async () => {
    const xent = await gpu();
    const random = rng(23);
    for (const [shape, dim] of [
      [[10, 7], -1],
      [[3, 4, 5], 1],
      [[2, 3000], 1],
      [[40, 2, 3], 0],
    ] as [number[], number][]) {
      const logits = randomFloats(size(shape), random, 6);
      if (logits.length > 3) logits[3] = -Infinity;
      const p = Float32Array.from(ref.softmax(ref.refTensor(logits, shape), { dim }).data);
      for (const base of [Math.E, 2]) {
        const fromLogits = await xent.entropy(xent.tensor(logits, shape), { dim, fromLogits: true, base }).read();
        expectClose(
          fromLogits,
          ref.entropy(ref.refTensor(logits, shape), { dim, fromLogits: true, base }).data,
          { atol: 2e-6, rtol: 2e-5 },
          `entropy logits ${shape} ${dim}`,
        );
        const fromProbs = await xent.entropy(xent.tensor(p, shape), { dim, base }).read();
        expectClose(
          fromProbs,
          ref.entropy(ref.refTensor(p, shape), { dim, base }).data,
          { atol: 2e-6, rtol: 2e-5 },
          `entropy probs ${shape} ${dim}`,
        );
        countGpuCase(2);
      }
    }
    const uniform = await xent.entropy(xent.tensor(new Float32Array(8).fill(1 / 8), [8]), { base: 2 }).read();
    expect(uniform[0]).toBeCloseTo(3, 6);
    const allMasked = await xent.entropy(xent.tensor([-Infinity, -Infinity]), { fromLogits: true }).read();
    expect(allMasked[0]).toBeNaN();
  });
});

describe("Keras and scikit-learn losses", () => {
  it("keras.categoricalCrossentropy: probabilities (renormalised, clipped) and logits, smoothing, axis", async () => {
    const xent = await gpu();
    const random = rng(24);
    for (const [shape, axis] of [
      [[12, 5], -1],
      [[3, 4, 6], 1],
    ] as [number[], number][])
      for (const fromLogits of [false, true])
        for (const labelSmoothing of [0, 0.2]) {
          const pred = fromLogits ? randomFloats(size(shape), random, 4) : Float32Array.from({ length: size(shape) }, () => random());
          if (!fromLogits) pred[0] = 0; // clipped to 1e-7
          const yt = new Float32Array(size(shape));
          const oneHot = Float32Array.from(
            ref.softmax(ref.refTensor(randomFloats(size(shape), random, 20), shape), { dim: axis }).data.map((v) => (v > 0.5 ? 1 : 0)),
          );
          yt.set(oneHot);
          const got = await xent.keras
            .categoricalCrossentropy(xent.tensor(yt, shape), xent.tensor(pred, shape), { fromLogits, labelSmoothing, axis })
            .read();
          const want = ref.keras.categoricalCrossentropy(ref.refTensor(yt, shape), ref.refTensor(pred, shape), {
            fromLogits,
            labelSmoothing,
            axis,
          });
          expectClose(got, [want], kTol, `keras CCE ${shape} logits ${fromLogits} ls ${labelSmoothing}`);
          countGpuCase();
        }
  });

  it("keras.sparseCategoricalCrossentropy and keras.binaryCrossentropy", async () => {
    const xent = await gpu();
    const random = rng(25);
    for (const fromLogits of [false, true]) {
      const pred = fromLogits ? randomFloats(40 * 9, random, 4) : Float32Array.from({ length: 40 * 9 }, () => random());
      const t = randomInts(40, random, 9);
      const got = await xent.keras.sparseCategoricalCrossentropy(xent.tensor(t, [40]), xent.tensor(pred, [40, 9]), { fromLogits }).read();
      expectClose(
        got,
        [ref.keras.sparseCategoricalCrossentropy(ref.refTensor(t, [40]), ref.refTensor(pred, [40, 9]), { fromLogits })],
        kTol,
        `keras sparse ${fromLogits}`,
      );
      for (const labelSmoothing of [0, 0.1]) {
        const y = Float32Array.from({ length: 40 * 9 }, () => Math.round(random()));
        const probs = Float32Array.from(pred);
        if (!fromLogits) probs.set([0, 1]);
        const bce = await xent.keras
          .binaryCrossentropy(xent.tensor(y, [40, 9]), xent.tensor(probs, [40, 9]), { fromLogits, labelSmoothing })
          .read();
        expectClose(
          bce,
          [ref.keras.binaryCrossentropy(ref.refTensor(y, [40, 9]), ref.refTensor(probs, [40, 9]), { fromLogits, labelSmoothing })],
          kTol,
          `keras BCE ${fromLogits} ${labelSmoothing}`,
        );
      }
      countGpuCase(3);
    }
  });

  it("logLoss: number labels, explicit labels, three classes", async () => {
    const xent = await gpu();
    const yPred = [
      [0.2, 0.7, 0.1],
      [0.6, 0.2, 0.2],
      [0.6, 0.1, 0.3],
      [0, 0, 1],
    ];
    const yTrue = [10, 2, 7, 7];
    const got = await xent.logLoss(yTrue, xent.tensor(new Float32Array(yPred.flat()), [4, 3])).read();
    expectClose(got, [ref.logLoss(yTrue, yPred, { eps: 2 ** -23 })], kTol, "logLoss 3 classes");
    const withLabels = await xent
      .logLoss(["b", "b"], xent.tensor(new Float32Array([0.3, 0.7, 0.4, 0.6]), [2, 2]), { labels: ["a", "b"] })
      .read();
    expect(withLabels[0]).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6)) / 2, 6);
    countGpuCase(2);
  });
});
