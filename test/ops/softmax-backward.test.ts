// softmaxBackward / logSoftmaxBackward on real WebGPU vs the float64 reference, in each row layout
// (scalar lanes, vec4 lanes, vec4 single rows) and dtype mix.
import { describe, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpuWithPlan, kPlans } from "../helpers/gpu.js";
import { randomFloats, rng } from "../helpers/random.js";

describe("softmaxBackward / logSoftmaxBackward row layouts", () => {
  it.each(kPlans)("scalar lanes, vec4 lanes, vec4 single rows; f32, f16 y, bf16 dy; %s", async (plan) => {
    const xent = await gpuWithPlan(plan);
    const random = rng(61);
    const tol = { atol: 1e-6, rtol: 1e-4 };
    for (const shape of [
      [5, 1001],
      [6, 1000],
      [9, 12],
    ]) {
      const n = (shape[0] as number) * (shape[1] as number);
      const x = ref.refTensor(randomFloats(n, random, 4), shape);
      const dy = randomFloats(n, random, 1);
      for (const [dtype, dyType] of [
        ["f32", "f32"],
        ["f16", "bf16"],
      ] as const) {
        const yOf = (v: ArrayLike<number>) =>
          dtype === "f16" ? ref.fromFloat16Bits(ref.toFloat16Bits(Float32Array.from(v))) : Float32Array.from(v);
        const dySeen = dyType === "bf16" ? ref.fromBfloat16Bits(ref.toBfloat16Bits(dy)) : dy;
        const upload = (v: Float32Array, t: "f32" | "f16" | "bf16") =>
          t === "f32" ? xent.tensor(v, shape) : xent.tensor(t === "f16" ? ref.toFloat16Bits(v) : ref.toBfloat16Bits(v), shape, t);
        for (const log of [false, true]) {
          const y = yOf((log ? ref.logSoftmax(x) : ref.softmax(x)).data);
          const [yT, dyT] = [upload(y, dtype), upload(dy, dyType)];
          const got = await (log ? xent.logSoftmaxBackward(yT, dyT) : xent.softmaxBackward(yT, dyT)).read();
          const want = (log ? ref.logSoftmaxBackward : ref.softmaxBackward)(ref.refTensor(y, shape), ref.refTensor(dySeen, shape)).data;
          expectClose(got, want, tol, `${log ? "log" : ""}softmaxBackward [${shape}] ${dtype}/${dyType} ${plan}`);
          yT.destroy();
          dyT.destroy();
        }
      }
    }
  });
});
