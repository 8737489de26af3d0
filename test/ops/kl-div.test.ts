// klDiv on real WebGPU vs the float64 reference.
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, rng, shapeSize } from "../helpers/random.js";

const kTol: Tolerance = { atol: 1e-6, rtol: 1e-5 };

describe("klDiv", () => {
  it("matches PyTorch's kl_div for every reduction, with and without logTarget", async () => {
    const xent = await gpu();
    const random = rng(22);
    for (const shape of [
      [6, 10],
      [3, 2, 7],
      [1, 5000],
    ]) {
      const logits = randomFloats(shapeSize(shape), random, 5);
      const logq = Float32Array.from(ref.logSoftmax(ref.refTensor(logits, shape)).data);
      const p = Float32Array.from(ref.softmax(ref.refTensor(randomFloats(shapeSize(shape), random, 3), shape)).data);
      p[0] = 0; // xlogy(0, 0) = 0
      for (const logTarget of [false, true]) {
        const target = logTarget ? p.map((v) => Math.log(v)) : p;
        for (const reduction of ["none", "mean", "sum", "batchmean"] as const) {
          const got = await xent.klDiv(xent.tensor(logq, shape), xent.tensor(target, shape), { reduction, logTarget }).read();
          const want = ref.klDiv(ref.refTensor(logq, shape), ref.refTensor(target, shape), { reduction, logTarget });
          expectClose(got, want.data, kTol, `klDiv ${shape} ${reduction} logTarget ${logTarget}`);
        }
      }
    }
    // A zero target where the input is −inf is NaN in PyTorch too.
    const edge = await xent.klDiv(xent.tensor([-Infinity, -1, -1]), xent.tensor([0, 0, 1]), { reduction: "none" }).read();
    expect(edge[0]).toBeNaN();
    expect(Array.from(edge.slice(1))).toEqual([0, 1]);
  });
});
