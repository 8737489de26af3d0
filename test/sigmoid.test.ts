// sigmoid on real WebGPU vs the float64 reference.
import { describe, it } from "vitest";
import * as ref from "../src/reference/index.js";
import { expectClose } from "./helpers/compare.js";
import { gpu } from "./helpers/gpu.js";
import { randomFloats, rng } from "./helpers/random.js";

describe("sigmoid on the GPU", () => {
  it("matches the reference, stable at ±large and NaN", async () => {
    const xent = await gpu();
    const random = rng(4);
    const data = randomFloats(10007, random, 30);
    data.set([0, 1e4, -1e4, 88.8, -88.8, 3.4e38, -3.4e38, Infinity, -Infinity, NaN]);
    const y = await xent.sigmoid(xent.tensor(data, [10007])).read();
    expectClose(y, ref.sigmoid(ref.refTensor(data)).data, { atol: 1e-7, rtol: 1e-5 }, "sigmoid");
    expectClose(
      await xent.sigmoid(xent.tensor(new Float32Array([0.5, -2]), [2, 1])).read(),
      [0.6224593312018546, 0.11920292202211755],
      { atol: 1e-7, rtol: 1e-6 },
      "sigmoid small",
    );
  });
});
