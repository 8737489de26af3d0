// f16 and bf16 logits: packed 16-bit bit patterns unpacked in the shader (no shader-f16 feature),
// math in f32. The reference sees the same values, decoded.
import { describe, expect, it } from "vitest";
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu, gpuWithPlan, kPlans } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

const kTol = { atol: 2e-6, rtol: 2e-5 };

describe("16-bit bit patterns", () => {
  it("f16: rounding to nearest even, subnormals, overflow, NaN", () => {
    expect(Array.from(toFloat16Bits([1, -2, 65504, 65520, 1e-8, 6e-8, 0.1, Infinity, -0]))).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x7c00, 0, 1, 0x2e66, 0x7c00, 0x8000,
    ]);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits([NaN]))[0])).toBe(true);
    const values = [0.5, -3.25, 1024, 2 ** -24, 2 ** -14];
    expect(Array.from(fromFloat16Bits(toFloat16Bits(values)))).toEqual(values);
  });

  it("f16 and bf16 ties round to the even mantissa, both ways", () => {
    // f16 around 1: spacing 2^-10. 1 + 2^-11 is halfway between 1 (even) and 1 + 2^-10 (odd): down;
    // 1 + 3·2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): up.
    expect(Array.from(toFloat16Bits([1 + 2 ** -11, 1 + 3 * 2 ** -11]))).toEqual([0x3c00, 0x3c02]);
    // bf16 around 1: spacing 2^-7.
    expect(Array.from(toBfloat16Bits([1 + 2 ** -8, 1 + 3 * 2 ** -8]))).toEqual([0x3f80, 0x3f82]);
    // Just past the tie rounds up in both.
    expect(Array.from(toFloat16Bits([1 + 2 ** -11 + 2 ** -20]))).toEqual([0x3c01]);
    expect(Array.from(toBfloat16Bits([1 + 2 ** -8 + 2 ** -20]))).toEqual([0x3f81]);
  });

  it("bf16: the high half of an f32, rounded to nearest even", () => {
    expect(Array.from(toBfloat16Bits([1, -2, 3.140625, 1 + 2 ** -8]))).toEqual([0x3f80, 0xc000, 0x4049, 0x3f80]);
    expect(Array.from(fromBfloat16Bits(toBfloat16Bits([1.5, 2 ** -130, -Infinity])))).toEqual([1.5, 2 ** -130, -Infinity]);
    // 8 significant bits: within half an ulp (2^-9 relative).
    const big = fromBfloat16Bits(toBfloat16Bits([-1e30]))[0] as number;
    expect(Math.abs(big / -1e30 - 1)).toBeLessThan(2 ** -9);
  });
});

describe.each(["f16", "bf16"] as const)("%s logits on the GPU", (dtype) => {
  const encode = dtype === "f16" ? toFloat16Bits : toBfloat16Bits;
  const decode = dtype === "f16" ? fromFloat16Bits : fromBfloat16Bits;

  it.each(kPlans)(
    "softmax, logSoftmax, entropy, crossEntropy and its gradient match the reference on the decoded values, %s",
    async (plan) => {
      const xent = await gpuWithPlan(plan);
      const random = rng(dtype === "f16" ? 50 : 51);
      for (const [shape, dim] of [
        [[3, 5], 1],
        [[7, 1000], 1],
        [[2, 6, 3], 1],
        [[4, 9], 0],
      ] as [number[], number][]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const bits = encode(randomFloats(n, random, 8));
        if (n > 4) bits[2] = encode([-Infinity])[0] as number;
        const values = decode(bits);
        const x = xent.tensor(bits, shape, dtype);
        expect(x.dtype).toBe(dtype);
        expect(Array.from(await x.read())).toEqual(Array.from(bits));
        const input = ref.refTensor(values, shape);
        expectClose(await xent.softmax(x, { dim }).read(), ref.softmax(input, { dim }).data, kTol, `${dtype} softmax ${shape}`);
        expectClose(await xent.logSoftmax(x, { dim }).read(), ref.logSoftmax(input, { dim }).data, kTol, `${dtype} logSoftmax ${shape}`);
        expectClose(
          await xent.entropy(x, { dim, fromLogits: true }).read(),
          ref.entropy(input, { dim, fromLogits: true }).data,
          kTol,
          `${dtype} entropy ${shape}`,
        );
        const rowShape = shape.filter((_, d) => d !== dim);
        const labels = randomInts(
          rowShape.reduce((a, b) => a * b, 1),
          random,
          shape[dim] as number,
        );
        labels.forEach((l, i) => {
          if (l === 2 && dim === shape.length - 1 && i === 0) labels[i] = 1; // the masked class is never a target
        });
        const t = xent.tensor(labels, rowShape);
        const refT = ref.refTensor(labels, rowShape);
        for (const labelSmoothing of [0, 0.1]) {
          const o = { dim, labelSmoothing, reduction: "none" as const };
          expectClose(
            await xent.crossEntropy(x, t, o).read(),
            ref.crossEntropy(input, refT, o).data,
            kTol,
            `${dtype} CE ${shape} ${labelSmoothing}`,
          );
          const { loss, grad } = xent.crossEntropyWithGrad(x, t, { ...o, reduction: "mean" });
          expectClose(
            await loss.read(),
            ref.crossEntropy(input, refT, { ...o, reduction: "mean" }).data,
            kTol,
            `${dtype} CE mean ${shape}`,
          );
          expectClose(
            await grad.read(),
            ref.crossEntropyGrad(input, refT, { ...o, reduction: "mean" }).data,
            kTol,
            `${dtype} grad ${shape}`,
          );
        }
      }
    },
  );

  it("bad labels still reject; inPlace needs f32; a Uint16Array with the wrong dtype is refused", async () => {
    const xent = await gpu();
    const x = xent.tensor(encode([1, 2, 3, 4]), [2, 2], dtype);
    await expect(xent.crossEntropy(x, xent.tensor(new Int32Array([0, 2]), [2])).read()).rejects.toThrow(RangeError);
    expect(() => xent.crossEntropyWithGrad(x, xent.tensor(new Int32Array([0, 1]), [2]), { inPlace: true })).toThrow(TypeError);
    expect(() => xent.tensor(encode([1]), [1], "f32")).toThrow(/dtype: f32 does not match the data/);
    expect(() => xent.sigmoid(x)).toThrow("sigmoid: x: expected dtype f32, got " + dtype);
  });
});
