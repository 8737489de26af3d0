// argmax on real WebGPU vs the float64 reference (torch.argmax: first index among ties, NaN the max).
import { beforeEach, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from "../../src/half.js";
import { countGpuCase, gpuWithPlan, kPlans, type Plan } from "../helpers/gpu.js";
import { randomFloats, randomInt, rng } from "../helpers/random.js";

let plan: Plan = "detected plan";

async function checkArgmax(data: Float32Array, shape: number[], dim: number, what: string): Promise<void> {
  const xent = await gpuWithPlan(plan);
  const x = xent.tensor(data, shape);
  const got = await xent.argmax(x, { dim }).read();
  x.destroy();
  const want = ref.argmax(ref.refTensor(data, shape), { dim });
  expect(Array.from(got), `${what} [${shape}] dim ${dim}`).toEqual(Array.from(want.data));
  countGpuCase();
}

describe.each(kPlans)("argmax on the GPU, %s", (p) => {
  beforeEach(() => void (plan = p));

  it("random rows, every dim, long and short rows", async () => {
    const random = rng(71);
    const cases: [number[], number][] = [
      [[1, 1], -1],
      [[4099, 3], -1],
      [[3, 70000], -1],
      [[33, 1001], 1],
      [[5, 7, 9], 1],
      [[5, 7, 9], 0],
      [[2, 300, 3], 1],
      [[6], 0],
    ];
    for (const [shape, dim] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      await checkArgmax(randomFloats(n, random), shape, dim, "random");
    }
    // Few distinct values: ties everywhere, the first index must win.
    for (let k = 0; k < 4; k++) {
      const classes = randomInt(random, 2, 3000);
      const rows = randomInt(random, 1, 40);
      const data = Float32Array.from({ length: rows * classes }, () => Math.floor(random() * 3));
      await checkArgmax(data, [rows, classes], -1, "ties");
    }
  });

  it("NaN is the max (the first NaN), ±Inf, −0 ties +0, all −Inf gives 0", async () => {
    const rows = [
      [1, NaN, 3, NaN],
      [Infinity, 2, Infinity, NaN],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [-0, 0, -1, -0],
      [0, -0, -5, -7],
      [-3, -2, -2, -1e-45],
      [3.4028234663852886e38, Infinity, -Infinity, 1],
      [-1, -1, -1, NaN],
    ];
    const data = Float32Array.from(rows.flat());
    await checkArgmax(data, [rows.length, 4], -1, "special values");
    // The same values along a dim that is not last, and in a long row (lanes merge them).
    await checkArgmax(data, [2, 4, 4], 1, "special values, dim 1");
    const long = new Float32Array(5000).fill(-Infinity);
    long[4321] = NaN;
    long[17] = Infinity;
    long[4999] = NaN;
    await checkArgmax(long, [1, 5000], -1, "a long row's NaN");
    // NaNs of every bit pattern are the max (a negative NaN, a signalling one), as torch's isnan.
    const patterns = new Float32Array(new Uint32Array([0x3f800000, 0xffc00000, 0x7f800000, 0x7f800001, 0xff800000, 0x40000000]).buffer);
    await checkArgmax(patterns, [1, 6], -1, "NaN bit patterns");
    await checkArgmax(patterns.slice(0, 3).reverse(), [1, 3], -1, "a negative NaN after +Inf");
    // Rows long enough to split across workgroups on the GPU plan (chunks of 8192): a tie across a
    // chunk boundary (the earlier index wins), then NaNs in two later chunks (the first).
    const split = new Float32Array(2 * 70000).fill(-Infinity);
    split[8191] = 5;
    split[8192] = 5;
    split[70000 + 40000] = NaN;
    split[70000 + 60000] = NaN;
    split[70000 + 3] = Infinity;
    await checkArgmax(split, [2, 70000], -1, "split rows");
    const tied = new Float32Array(5000).fill(2);
    await checkArgmax(tied, [1, 5000], -1, "a long tied row");
  });

  it.each(["f16", "bf16"] as const)("%s input", async (dtype) => {
    const xent = await gpuWithPlan(plan);
    const random = rng(72);
    const bits = (dtype === "f16" ? toFloat16Bits : toBfloat16Bits)(randomFloats(7 * 1001, random));
    const values = (dtype === "f16" ? fromFloat16Bits : fromBfloat16Bits)(bits);
    const x = xent.tensor(bits, [7, 1001], dtype);
    expect(Array.from(await xent.argmax(x).read())).toEqual(Array.from(ref.argmax(ref.refTensor(values, [7, 1001])).data));
    countGpuCase();
  });
});

describe("argmax: arguments", () => {
  it("refuses scalars, empty dims, bad dims and options", async () => {
    const xent = await gpuWithPlan("detected plan");
    expect(() => xent.argmax(xent.tensor(new Float32Array([1]), []))).toThrow(RangeError);
    expect(() => xent.argmax(xent.tensor(new Float32Array(0), [3, 0]))).toThrow(/size 0/);
    expect(() => xent.argmax(xent.tensor(new Float32Array(4), [2, 2]), { dim: 2 })).toThrow(RangeError);
    expect(() => xent.argmax(xent.tensor(new Float32Array(4), [2, 2]), { dim: 0.5 })).toThrow(TypeError);
    expect(() => xent.argmax(xent.tensor(new Float32Array(4), [2, 2]), { keepdim: true } as never)).toThrow(/unknown option/);
    expect(() => xent.argmax(xent.tensor(new Int32Array(4), [2, 2]))).toThrow(/dtype/);
    // No rows: an empty result, not an error.
    const empty = xent.argmax(xent.tensor(new Float32Array(0), [0, 5]));
    expect(empty.shape).toEqual([0]);
    expect(empty.dtype).toBe("i32");
    expect(Array.from(await empty.read())).toEqual([]);
  });
});
