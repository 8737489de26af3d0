// sigmoid on real WebGPU vs the float64 reference.
import { describe, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, rng } from "../helpers/random.js";

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

  // Tensors bound whole run four elements a load (main4), the last vec4 reaching into the buffers'
  // padding; a wrapped buffer that ends mid-vec4 runs a scalar element each (main).
  it("sigmoid and sigmoidBackward: vec4 builds with a partial last vec4, and wrapped buffers that end mid-vec4", async () => {
    const xent = await gpu();
    const random = rng(5);
    const tol = { atol: 1e-7, rtol: 1e-5 };
    const wrapped = (data: Float32Array): ReturnType<typeof xent.tensor> => {
      const buffer = xent.device.createBuffer({ size: data.byteLength, usage: 0x80 | 0x8 }); // STORAGE | COPY_DST
      xent.device.queue.writeBuffer(buffer, 0, Float32Array.from(data));
      return xent.wrap(buffer, [data.length], "f32");
    };
    for (const n of [1, 3, 5, 6, 4099]) {
      const x = randomFloats(n, random, 12);
      x[0] = -1e4;
      const dy = randomFloats(n, random, 2);
      const want = ref.sigmoid(ref.refTensor(x)).data;
      const wantBack = ref.sigmoidBackward(ref.refTensor(Float32Array.from(want)), ref.refTensor(dy)).data;
      for (const [what, make] of [
        ["xent.tensor", (d: Float32Array) => xent.tensor(d, [n])],
        ["wrapped", wrapped],
      ] as const) {
        const y = xent.sigmoid(make(x));
        expectClose(await y.read(), want, tol, `sigmoid ${what} n=${n}`);
        const back = await xent.sigmoidBackward(make(Float32Array.from(want)), make(dy)).read();
        expectClose(back, wantBack, tol, `sigmoidBackward ${what} n=${n}`);
      }
    }
  });
});
