// topK on real WebGPU vs the float64 reference (torch.topk: ties by index, NaN the largest).
import { beforeEach, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { fromFloat16Bits, toFloat16Bits } from "../../src/half.js";
import { countGpuCase, gpuWithPlan, kPlans, type Plan } from "../helpers/gpu.js";
import { randomFloats, randomInt, rng } from "../helpers/random.js";

let plan: Plan = "detected plan";

interface Case {
  data: Float32Array;
  shape: number[];
  k: number;
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

async function checkTopK(c: Case, what: string): Promise<void> {
  const xent = await gpuWithPlan(plan);
  const x = xent.tensor(c.data, c.shape);
  const options = { dim: c.dim ?? -1, largest: c.largest ?? true, sorted: c.sorted ?? true };
  const got = xent.topK(x, c.k, options);
  const [values, indices] = await Promise.all([got.values.read(), got.indices.read()]);
  x.destroy();
  const want = ref.topK(ref.refTensor(c.data, c.shape), c.k, options);
  const label = `${what} [${c.shape}] k ${c.k} ${JSON.stringify(options)}`;
  expect(got.values.shape, label).toEqual(want.shape);
  expect(Array.from(indices), label).toEqual(Array.from(want.indices));
  // Values are copies: equal bit for bit (NaN as NaN).
  expect(Array.from(values), label).toEqual(Array.from(want.values, Math.fround));
  countGpuCase(2);
}

describe.each(kPlans)("topK on the GPU, %s", (p) => {
  beforeEach(() => void (plan = p));

  it("random rows: k from 0 to V, largest and smallest, sorted and index order, any dim", async () => {
    const random = rng(81);
    const shapes: [number[], number][] = [
      [[1, 1], -1],
      [[5, 7], -1],
      [[3, 1000], -1],
      [[2, 70000], -1],
      [[4, 9, 3], 1],
      [[6, 5], 0],
    ];
    for (const [shape, dim] of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = randomFloats(n, random);
      const v = shape.at(dim) as number;
      for (const k of new Set([0, 1, Math.min(v, 5), Math.floor(v / 2), v])) {
        for (const largest of [true, false]) {
          for (const sorted of [true, false]) {
            if (v > 10000 && k > 50) continue;
            await checkTopK({ data, shape, k, dim, largest, sorted }, "random");
          }
        }
      }
    }
  });

  it("ties at the threshold taken lowest index first, NaN the largest, ±Inf, −0 = +0", async () => {
    const random = rng(82);
    // Three distinct values: every threshold a tie.
    for (let t = 0; t < 6; t++) {
      const classes = randomInt(random, 2, 3000);
      const rows = randomInt(random, 1, 5);
      const data = Float32Array.from({ length: rows * classes }, () => Math.floor(random() * 3) - 1);
      const k = randomInt(random, 1, classes);
      await checkTopK({ data, shape: [rows, classes], k, largest: t % 2 === 0, sorted: t % 3 !== 0 }, "ties");
    }
    const special = Float32Array.from([1, NaN, -Infinity, Infinity, -0, 0, NaN, -1, 3.4e38, -Infinity, 2, 2]);
    for (let k = 0; k <= special.length; k++) {
      for (const largest of [true, false]) await checkTopK({ data: special, shape: [1, special.length], k, largest }, "special");
    }
    // Every NaN bit pattern is NaN: the largest (negative and signalling NaNs too).
    const patterns = new Float32Array(
      new Uint32Array([0x3f800000, 0xffc00000, 0x7f800000, 0x7f800001, 0xff800000, 0x40000000, 0x7fc00000]).buffer,
    );
    for (const largest of [true, false]) await checkTopK({ data: patterns, shape: [1, 7], k: 4, largest }, "NaN bit patterns");
    const allNegInf = new Float32Array(300).fill(-Infinity);
    await checkTopK({ data: allNegInf, shape: [1, 300], k: 7 }, "all −Inf");
  });

  it("f16 input", async () => {
    const xent = await gpuWithPlan(plan);
    const bits = toFloat16Bits(randomFloats(3 * 777, rng(83)));
    const values = fromFloat16Bits(bits);
    const got = xent.topK(xent.tensor(bits, [3, 777], "f16"), 10);
    const want = ref.topK(ref.refTensor(values, [3, 777]), 10);
    expect(Array.from(await got.indices.read())).toEqual(Array.from(want.indices));
    expect(Array.from(await got.values.read())).toEqual(Array.from(want.values));
    countGpuCase(2);
  });
});

describe("topK in binding slices", () => {
  it("a 4 KiB binding limit: rows, results and pairs bound in slices, every dim", async () => {
    const base = await gpuWithPlan("detected plan");
    const { Xent } = await import("../../src/index.js");
    const xent = Xent.fromDevice(base.device, { maxBindingBytes: 4096 });
    const random = rng(84);
    for (const [shape, dim, k] of [
      [[64, 40], -1, 7],
      [[64, 40], -1, 40],
      [[8, 30, 5], 1, 12],
      [[3, 900], -1, 3],
    ] as [number[], number, number][]) {
      const data = randomFloats(
        shape.reduce((a, b) => a * b, 1),
        random,
      );
      for (const sorted of [true, false]) {
        const got = xent.topK(xent.tensor(data, shape), k, { dim, sorted });
        const want = ref.topK(ref.refTensor(data, shape), k, { dim, sorted });
        expect(Array.from(await got.indices.read()), `[${shape}] k ${k}`).toEqual(Array.from(want.indices));
        expect(Array.from(await got.values.read())).toEqual(Array.from(want.values, Math.fround));
        countGpuCase(2);
      }
    }
  });
});

describe("topK: arguments", () => {
  it("refuses k outside [0, V], non-integer k, bad options", async () => {
    const xent = await gpuWithPlan("detected plan");
    const x = xent.tensor(new Float32Array(6), [2, 3]);
    expect(() => xent.topK(x, 4)).toThrow(RangeError);
    expect(() => xent.topK(x, 4)).toThrow(/\[0, 3\]/);
    expect(() => xent.topK(x, -1)).toThrow(RangeError);
    expect(() => xent.topK(x, 1.5)).toThrow(TypeError);
    expect(() => xent.topK(x, 2, { dim: 0 })).not.toThrow();
    expect(() => xent.topK(x, 3, { dim: 0 })).toThrow(RangeError);
    expect(() => xent.topK(x, 1, { largest: 1 } as never)).toThrow(TypeError);
    expect(() => xent.topK(x, 1, { k: 2 } as never)).toThrow(/unknown option/);
    const none = xent.topK(x, 0);
    expect(none.values.shape).toEqual([2, 0]);
    expect(Array.from(await none.indices.read())).toEqual([]);
  });
});
