// The sampler on real WebGPU vs the float64 reference: the same token for the same (seed, step)
// except where u·total falls within 1e-6 of a prefix boundary (counted), the same log-probabilities,
// the same tokens on every plan, a χ² test of the draws against the exact filtered distribution,
// and the GPU-detected failures.
import { beforeEach, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import type { SampleOptions, Tensor, Xent } from "../../src/index.js";
import { toFloat16Bits, fromFloat16Bits } from "../../src/half.js";
import { pipelineKeys } from "../../src/pipeline-cache.js";
import { expectClose } from "../helpers/compare.js";
import { countGpuCase, gpuWithPlan, kPlans, type Plan } from "../helpers/gpu.js";
import { randomFloats, rng } from "../helpers/random.js";

let plan: Plan = "detected plan";

/** Reference options and their GPU tensors. */
interface SampleCase {
  logits: Float32Array;
  shape: number[];
  options: ref.RefSampleOptions;
  history?: { data: Int32Array; shape: number[] };
  bias?: { data: Float32Array; shape: number[] };
  allowed?: { data: Uint32Array; shape: number[] };
}

function gpuOptions(xent: Xent, c: SampleCase): { options: SampleOptions; tensors: Tensor[] } {
  const { history: _h, logitBias: _b, allowed: _a, ...plain } = c.options;
  const options: SampleOptions = { ...plain };
  const tensors: Tensor[] = [];
  if (c.history) tensors.push((options.history = xent.tensor(c.history.data, c.history.shape)));
  if (c.bias) tensors.push((options.logitBias = xent.tensor(c.bias.data, c.bias.shape)));
  if (c.allowed) tensors.push((options.allowed = xent.tensor(c.allowed.data, c.allowed.shape)));
  return { options, tensors };
}

let nearBoundary = 0;
let compared = 0;

async function checkSample(c: SampleCase, what: string, dtype: "f32" | "f16" = "f32"): Promise<number[]> {
  const xent = await gpuWithPlan(plan);
  const { options, tensors } = gpuOptions(xent, c);
  const values = dtype === "f16" ? fromFloat16Bits(toFloat16Bits(c.logits)) : c.logits;
  const x = dtype === "f16" ? xent.tensor(toFloat16Bits(c.logits), c.shape, "f16") : xent.tensor(c.logits, c.shape);
  const got = xent.sample(x, options);
  const tokens = Array.from(await got.tokens.read());
  const want = ref.sample(ref.refTensor(values, c.shape), c.options);
  const label = `${what} ${JSON.stringify(c.options, (k, v: unknown) => (k === "data" ? undefined : v))}`;
  const close = Array.from(want.margin, (m) => m < 1e-6);
  nearBoundary += close.filter(Boolean).length;
  compared += close.length;
  expect(
    tokens.map((t, r) => (close[r] ? -2 : t)),
    label,
  ).toEqual(Array.from(want.tokens, (t, r) => (close[r] ? -2 : t)));
  // Every token is in its row's kept set, near a boundary or not.
  tokens.forEach((t, r) => expect((want.kept[r] as Float64Array)[t], `${label}: row ${r} token ${t} kept`).toBeGreaterThan(0));
  if (c.options.logprobs !== undefined) {
    const lp = await got.logprob!.read();
    const rowsOk = tokens.map((t, r) => t === want.tokens[r]);
    expectClose(
      Array.from(lp).filter((_, r) => rowsOk[r]),
      Array.from(want.logprob).filter((_, r) => rowsOk[r]),
      { atol: 2e-5, rtol: 2e-5 },
      `${label}: logprob`,
    );
    if (c.options.logprobs > 0) {
      expect(Array.from(await got.topLogprobs!.indices.read()), `${label}: top ids`).toEqual(Array.from(want.topLogprobs.indices));
      expectClose(await got.topLogprobs!.values.read(), want.topLogprobs.values, { atol: 2e-5, rtol: 2e-5 }, `${label}: top values`);
    }
  }
  countGpuCase(tokens.length);
  x.destroy();
  for (const t of tensors) t.destroy();
  return tokens;
}

function bitmask(rows: number, v: number, random: () => number, density: number): Uint32Array {
  const words = Math.ceil(v / 32);
  const out = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < v; c++) if (random() < density) out[r * words + (c >> 5)]! |= 1 << (c & 31);
    out[r * words]! |= 1; // at least one token a row
  }
  return out;
}

describe.each(kPlans)("sample on the GPU, %s", (p) => {
  beforeEach(() => void (plan = p));

  it("plain, temperature, top-k, top-p, min-p and their composition match the reference draw for draw", async () => {
    const random = rng(91);
    const rows = 6;
    for (const v of [1, 7, 1000, 5003]) {
      const logits = randomFloats(rows * v, random, 5);
      const variants: ref.RefSampleOptions[] = [
        {},
        { temperature: 0.7 },
        { temperature: 0 },
        { topK: 1 },
        { topK: 40, temperature: 1.3 },
        { topP: 0.9 },
        { topP: 0.05 },
        { minP: 0.1 },
        { topK: 50, topP: 0.8, minP: 0.05, temperature: 0.8 },
        { topK: v + 3 },
      ];
      for (const o of variants) {
        for (let step = 0; step < 3; step++) {
          await checkSample({ logits, shape: [rows, v], options: { ...o, seed: 1234 + v, step } }, `V ${v}`);
        }
      }
    }
  });

  it("long rows (split across workgroups on the GPU plan): plain, greedy, tempered, with bias and masks, draw for draw", async () => {
    const random = rng(97);
    const [rows, v] = [3, 70000];
    const logits = randomFloats(rows * v, random, 4);
    const bias = randomFloats(v, random, 1);
    const allowed = bitmask(rows, v, random, 0.4);
    for (let step = 0; step < 3; step++) {
      for (const options of [{}, { temperature: 0 }, { temperature: 1.7 }] as ref.RefSampleOptions[])
        await checkSample({ logits, shape: [rows, v], options: { ...options, seed: 9, step } }, "long rows");
      await checkSample(
        {
          logits,
          shape: [rows, v],
          options: { logitBias: bias, allowed, seed: 10, step },
          bias: { data: bias, shape: [v] },
          allowed: { data: allowed, shape: [rows, Math.ceil(v / 32)] },
        },
        "long rows, bias and mask",
      );
    }
    const xent = await gpuWithPlan(plan);
    // The GPU plan split these rows (the CPU plan keeps a workgroup a row).
    if (xent.adapterKind === "gpu")
      expect(pipelineKeys(xent.device).some((k) => k.startsWith("sample") && k.includes(":split_draw{"))).toBe(true);
    // A NaN in a late chunk fails its row (only).
    const bad = logits.slice();
    bad[v + 65000] = NaN;
    await expect(xent.sample(xent.tensor(bad, [rows, v])).tokens.read()).rejects.toThrow(/row 1: the processed logits hold NaN/);
  });

  it("history penalties, bias ([V] and [N, V]), allowed masks, raw and processed logprobs", async () => {
    const random = rng(92);
    const rows = 4;
    const v = 300;
    const len = 9;
    const logits = randomFloats(rows * v, random, 3);
    const history = Int32Array.from({ length: rows * len }, (_, i) => (i % 5 === 4 ? -1 : Math.floor(random() * 20)));
    const shared = randomFloats(v, random, 1);
    const perRow = randomFloats(rows * v, random, 1);
    perRow[5] = -Infinity;
    const allowed = bitmask(rows, v, random, 0.3);
    const cases: SampleCase[] = [
      {
        logits,
        shape: [rows, v],
        options: { repetitionPenalty: 1.3, history: { data: history, length: len } },
        history: { data: history, shape: [rows, len] },
      },
      {
        logits,
        shape: [rows, v],
        options: {
          presencePenalty: 0.5,
          frequencyPenalty: 0.3,
          repetitionPenalty: 0.8,
          temperature: 0,
          history: { data: history, length: len },
        },
        history: { data: history, shape: [rows, len] },
      },
      { logits, shape: [rows, v], options: { logitBias: shared, topK: 10 }, bias: { data: shared, shape: [v] } },
      { logits, shape: [rows, v], options: { logitBias: perRow, topP: 0.7 }, bias: { data: perRow, shape: [rows, v] } },
      { logits, shape: [rows, v], options: { allowed, minP: 0.02 }, allowed: { data: allowed, shape: [rows, Math.ceil(v / 32)] } },
      { logits, shape: [rows, v], options: { allowed, temperature: 0 }, allowed: { data: allowed, shape: [rows, Math.ceil(v / 32)] } },
    ];
    for (const c of cases) {
      for (const logprobs of [undefined, 0, 5]) {
        for (const logprobsOf of ["raw", "processed"] as const) {
          await checkSample({ ...c, options: { ...c.options, logprobs, logprobsOf, seed: 7, step: 3 } }, "processors");
        }
      }
    }
  });

  it("ties at the top-k and top-p thresholds are kept; −Inf masked tokens never drawn; f16 logits; a [V] row", async () => {
    // Five-way tie at the top: top-k 2 keeps all five, top-p 0.1 too.
    const tie = Float32Array.from([0, 3, 3, 1, 3, 3, -Infinity, 3, 2, -Infinity]);
    for (let step = 0; step < 20; step++) {
      const tokens = await checkSample({ logits: tie, shape: [1, 10], options: { topK: 2, step } }, "top-k tie");
      expect([1, 2, 4, 5, 7]).toContain(tokens[0]);
      await checkSample({ logits: tie, shape: [1, 10], options: { topP: 0.1, step } }, "top-p tie");
      await checkSample({ logits: tie, shape: [10], options: { step, logprobs: 3 } }, "a [V] row");
    }
    await checkSample(
      { logits: randomFloats(3 * 999, rng(93), 4), shape: [3, 999], options: { topK: 20, step: 5, logprobs: 2 } },
      "f16",
      "f16",
    );
  });
});

describe("sample: the draw", () => {
  it("is the same on every plan and from run to run", async () => {
    const random = rng(94);
    const logits = randomFloats(8 * 4000, random, 4);
    const results: number[][] = [];
    for (const p of kPlans) {
      const xent = await gpuWithPlan(p);
      const x = xent.tensor(logits, [8, 4000]);
      for (let run = 0; run < 2; run++)
        results.push(Array.from(await xent.sample(x, { topP: 0.95, topK: 100, seed: 99, step: 17 }).tokens.read()));
    }
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it("a 262144-token vocabulary draws as the reference (plain, top-k, top-p, min-p)", async () => {
    const logits = randomFloats(3 * 262144, rng(96), 6);
    for (const o of [{}, { topK: 1000, temperature: 0.8 }, { topP: 0.5 }, { minP: 0.2, logprobs: 3 }] as ref.RefSampleOptions[])
      for (const step of [0, 1]) await checkSample({ logits, shape: [3, 262144], options: { ...o, seed: 2 ** 40 + 17, step } }, "262144");
  }, 60_000);

  it("follows the exact filtered distribution: χ² over 10⁵ draws (peaked, flat, threshold ties, −Inf masks, a 262144 vocabulary)", async () => {
    const xent = await gpuWithPlan("detected plan");
    const rowsPerCall = 1000;
    const calls = 100;
    const dists: { name: string; logits: Float32Array; options: SampleOptions }[] = [];
    const peaked = Float32Array.from({ length: 50 }, (_, c) => -0.4 * c);
    dists.push({ name: "peaked", logits: peaked, options: {} });
    dists.push({ name: "flat", logits: new Float32Array(37), options: {} });
    dists.push({ name: "top-k tie", logits: Float32Array.from([0, 3, 3, 1, 3, 2, 2, 2, -1]), options: { topK: 5 } });
    dists.push({ name: "top-p tie", logits: Float32Array.from([2, 1, 1, 1, 0, -1, 0]), options: { topP: 0.6, temperature: 0.9 } });
    dists.push({ name: "masks", logits: Float32Array.from([1, -Infinity, 0.5, -Infinity, 0, 0.2, -Infinity]), options: { minP: 0.3 } });
    const big = new Float32Array(262144).fill(-Infinity);
    for (let k = 0; k < 16; k++) big[k * 16381 + 7] = k % 4;
    dists.push({ name: "262144", logits: big, options: {} });
    for (const d of dists) {
      const v = d.logits.length;
      const want = ref.sample(ref.refTensor(d.logits, [1, v]), d.options as ref.RefSampleOptions).kept[0] as Float64Array;
      // The same row in every row of a call, each row its own Philox counter: 10⁵ independent draws.
      const rows = v > 100000 ? 8 : rowsPerCall;
      const reps = v > 100000 ? 50 : calls;
      const x = xent.tensor(
        new Float32Array(rows * v).map((_, i) => d.logits[i % v] as number),
        [rows, v],
      );
      const counts = new Float64Array(v);
      for (let step = 0; step < reps; step++) {
        for (const t of await xent.sample(x, { ...d.options, seed: 5, step }).tokens.read()) counts[t]!++;
      }
      x.destroy();
      const draws = rows * reps;
      let chi2 = 0;
      let dof = -1;
      for (let c = 0; c < v; c++) {
        const p = want[c] as number;
        if (p === 0) {
          expect(counts[c], `${d.name}: class ${c} has probability 0`).toBe(0);
          continue;
        }
        const expected = p * draws;
        chi2 += ((counts[c] as number) - expected) ** 2 / expected;
        dof++;
      }
      // p < 1e-4 under the χ² distribution: mean dof, sd √(2 dof); 4.75 sd + slack for small dof.
      const limit = dof + 4.75 * Math.sqrt(2 * Math.max(dof, 1)) + 10;
      expect(chi2, `${d.name}: χ² ${chi2.toFixed(1)} with ${dof} degrees of freedom over ${draws} draws`).toBeLessThan(limit);
      countGpuCase(1);
    }
  }, 120_000);

  it("compared nearly every draw: few fell within 1e-6 of a prefix boundary", () => {
    // The draw-for-draw tests above skip those rows; a bug that widened the margins would hide there.
    console.log(`sample: ${nearBoundary} of ${compared} rows within 1e-6 of a boundary (not compared)`);
    expect(compared).toBeGreaterThan(1000);
    expect(nearBoundary / compared).toBeLessThan(0.005);
  });
});

describe("sample in binding slices", () => {
  it("a 4 KiB binding limit: logits, history, per-row bias, mask, tokens and log-probabilities in slices; errors name the global row", async () => {
    const base = await gpuWithPlan("detected plan");
    const { Xent } = await import("../../src/index.js");
    const xent = Xent.fromDevice(base.device, { maxBindingBytes: 4096 });
    const random = rng(95);
    const rows = 40;
    const v = 100;
    const len = 6;
    const logits = randomFloats(rows * v, random, 3);
    const history = Int32Array.from({ length: rows * len }, () => Math.floor(random() * 30) - 1);
    const bias = randomFloats(rows * v, random, 1);
    const allowed = bitmask(rows, v, random, 0.5);
    const options: ref.RefSampleOptions = {
      history: { data: history, length: len },
      repetitionPenalty: 1.2,
      frequencyPenalty: 0.2,
      logitBias: bias,
      allowed,
      topK: 30,
      topP: 0.9,
      seed: 3,
      step: 8,
      logprobs: 4,
      logprobsOf: "processed",
    };
    const got = xent.sample(xent.tensor(logits, [rows, v]), {
      ...options,
      history: xent.tensor(history, [rows, len]),
      logitBias: xent.tensor(bias, [rows, v]),
      allowed: xent.tensor(allowed, [rows, Math.ceil(v / 32)]),
    });
    const want = ref.sample(ref.refTensor(logits, [rows, v]), options);
    const tokens = Array.from(await got.tokens.read());
    const sure = Array.from(want.margin, (m) => m >= 1e-6);
    expect(tokens.filter((_, r) => sure[r])).toEqual(Array.from(want.tokens).filter((_, r) => sure[r]));
    expect(Array.from(await got.topLogprobs!.indices.read())).toEqual(Array.from(want.topLogprobs.indices));
    expectClose(await got.topLogprobs!.values.read(), want.topLogprobs.values, { atol: 2e-5, rtol: 2e-5 }, "sliced top values");
    expectClose(await got.logprob!.read(), want.logprob, { atol: 2e-5, rtol: 2e-5 }, "sliced logprob");
    countGpuCase(rows);
    const bad = logits.slice();
    bad[37 * v + 5] = NaN;
    await expect(xent.sample(xent.tensor(bad, [rows, v])).tokens.read()).rejects.toThrow(/row 37:/);
  });
});

describe("sample: failures", () => {
  it("a NaN row, a row with nothing allowed and a bad history token reject read() naming the row", async () => {
    const xent = await gpuWithPlan("detected plan");
    const nan = xent.tensor(Float32Array.from([0, 1, 2, 3, NaN, 5]), [2, 3]);
    await expect(xent.sample(nan).tokens.read()).rejects.toThrow(/row 1: the processed logits hold NaN/);
    const masked = xent.tensor(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3]);
    const allowed = xent.tensor(Uint32Array.from([0b101, 0]), [2, 1]);
    await expect(xent.sample(masked, { allowed }).tokens.read()).rejects.toThrow(/row 1: no token is allowed/);
    // A disallowed NaN is no failure (the mask replaces it).
    const nanMasked = xent.tensor(Float32Array.from([NaN, 1, 2]), [1, 3]);
    expect(
      Array.from(await xent.sample(nanMasked, { allowed: xent.tensor(Uint32Array.from([0b110]), [1, 1]), temperature: 0 }).tokens.read()),
    ).toEqual([2]);
    const history = xent.tensor(Int32Array.from([0, -1, 2, 1, 3, -1]), [2, 3]);
    await expect(xent.sample(masked, { history, repetitionPenalty: 1.2 }).tokens.read()).rejects.toThrow(
      /history\[1, 1\] holds a token outside \[0, 3\)/,
    );
  });

  it("refuses bad options synchronously", async () => {
    const xent = await gpuWithPlan("detected plan");
    const x = xent.tensor(new Float32Array(6), [2, 3]);
    expect(() => xent.sample(x, { topP: 0 })).toThrow(RangeError);
    expect(() => xent.sample(x, { topP: 1.5 })).toThrow(RangeError);
    expect(() => xent.sample(x, { minP: -0.1 })).toThrow(RangeError);
    expect(() => xent.sample(x, { temperature: -1 })).toThrow(RangeError);
    expect(() => xent.sample(x, { topK: 2.5 })).toThrow(TypeError);
    expect(() => xent.sample(x, { seed: -1 })).toThrow(RangeError);
    expect(() => xent.sample(x, { step: 2 ** 32 })).toThrow(RangeError);
    expect(() => xent.sample(x, { logprobs: 21 })).toThrow(RangeError);
    expect(() => xent.sample(x, { logprobs: 4 })).toThrow(/at most the vocabulary size 3/);
    expect(() => xent.sample(x, { logprobsOf: "log" } as never)).toThrow(TypeError);
    expect(() => xent.sample(x, { logitBias: xent.tensor(new Float32Array(4), [4]) })).toThrow(/logitBias: expected shape \[3\]/);
    expect(() => xent.sample(x, { allowed: xent.tensor(new Uint32Array(1), [1]) })).toThrow(/allowed: expected shape \[2, 1\]/);
    expect(() => xent.sample(x, { history: xent.tensor(new Float32Array(2), [2, 1]) })).toThrow(/history: expected dtype i32/);
    expect(() => xent.sample(xent.tensor(new Float32Array(8), [2, 2, 2]))).toThrow(/\[N, V\] or \[V\]/);
    expect(() => xent.sample(x, { topKs: 3 } as never)).toThrow(/unknown option/);
    const none = xent.sample(xent.tensor(new Float32Array(0), [0, 5]), { logprobs: 2 });
    expect(Array.from(await none.tokens.read())).toEqual([]);
  });
});
