// binaryCrossEntropy and binaryCrossEntropyWithLogits on real WebGPU vs the float64 reference.
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { probabilities, randomFloats, rng, shapeSize } from "../helpers/random.js";

const kTol: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const reductions = ["none", "mean", "sum"] as const;

describe("binaryCrossEntropy and binaryCrossEntropyWithLogits", () => {
  it("BCE on probabilities with weights (full and trailing-dim broadcast), every reduction", async () => {
    const xent = await gpu();
    const random = rng(20);
    for (const shape of [[7, 5], [3, 4, 6], [1], [1000]]) {
      const p = probabilities(shapeSize(shape), random);
      const y = Float32Array.from({ length: shapeSize(shape) }, () => (random() < 0.5 ? 0 : random() < 0.5 ? 1 : random()));
      const last = shape[shape.length - 1] as number;
      for (const weightShape of [undefined, [last], shape])
        for (const reduction of reductions) {
          const w = weightShape ? Float32Array.from({ length: shapeSize(weightShape) }, () => random() * 2) : undefined;
          const opts = { reduction, ...(w && weightShape ? { weight: xent.tensor(w, weightShape) } : {}) };
          const got = await xent.binaryCrossEntropy(xent.tensor(p, shape), xent.tensor(y, shape), opts).read();
          const want = ref.binaryCrossEntropy(ref.refTensor(p, shape), ref.refTensor(y, shape), { reduction, weight: w });
          expectClose(got, want.data, kTol, `BCE ${shape} w${weightShape} ${reduction}`);
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
  });

  it("an infinite element loss (a target of −inf) keeps the mean and sum −inf, not NaN, wherever it sits", async () => {
    // A compensated sum once turned it into NaN at the next add ((t − sum) − y = inf − inf).
    const xent = await gpu();
    const random = rng(21);
    for (const [n, at] of [
      [1000, 0],
      [1000, 517],
      [7, 6],
      [4096 * 3 + 1, 4096],
    ] as const) {
      const x = randomFloats(n, random, 3);
      const y = probabilities(n, random);
      y[at] = -Infinity;
      x[at] = -2; // (1 − y)·x = −inf
      const xt = xent.tensor(x);
      const yt = xent.tensor(y);
      for (const reduction of ["mean", "sum"] as const) {
        const want = ref.binaryCrossEntropyWithLogits(ref.refTensor(x, [n]), ref.refTensor(y, [n]), { reduction }).data[0];
        expect(want).toBe(-Infinity);
        const got = (await xent.binaryCrossEntropyWithLogits(xt, yt, { reduction }).read())[0];
        expect(got, `n ${n}, −inf at ${at}, ${reduction}`).toBe(-Infinity);
      }
    }
  });

  it("BCE with logits: stable at ±1e4, posWeight over the last dim, weights, every reduction", async () => {
    const xent = await gpu();
    const random = rng(21);
    for (const shape of [[9, 4], [2, 3, 5], [4099]]) {
      const x = randomFloats(shapeSize(shape), random, 30);
      x.set([1e4, -1e4, 20, -20, 0, 88.7, -104]);
      const y = Float32Array.from({ length: shapeSize(shape) }, () => (random() < 0.7 ? Math.round(random()) : random()));
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
          }
    }
  });
});
