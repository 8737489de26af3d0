// The decoding reference (src/reference/decode.ts): Philox4x32-10 against Random123's known-answer
// vectors, argmax / topK against torch's tie and NaN rules, and the sampler's filters and draw
// against hand-worked rows.
import { describe, expect, it } from "vitest";
import * as decode from "../../src/reference/decode.js";
import { refTensor } from "../../src/reference/index.js";

describe("Philox4x32-10", () => {
  it("reproduces Random123's known-answer vectors", () => {
    expect(decode.philox4x32([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(decode.philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
    expect(decode.philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  it("gives uniforms on the 2⁻²⁴ grid in [0, 1), distinct per (seed, step, row)", () => {
    const seen = new Set<number>();
    let sum = 0;
    for (let step = 0; step < 2000; step++) {
      const u = decode.sampleUniform(42, step, 3);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(Number.isInteger(u * 2 ** 24)).toBe(true);
      seen.add(u);
      sum += u;
    }
    expect(seen.size).toBeGreaterThan(1990);
    expect(Math.abs(sum / 2000 - 0.5)).toBeLessThan(0.03);
    expect(decode.sampleUniform(42, 0, 0)).not.toBe(decode.sampleUniform(43, 0, 0));
    expect(decode.sampleUniform(42, 0, 0)).not.toBe(decode.sampleUniform(42, 0, 1));
    expect(decode.sampleUniform(2 ** 40 + 1, 0, 0)).not.toBe(decode.sampleUniform(1, 0, 0));
  });
});

describe("argmax and topK", () => {
  it("take the first index among ties and count NaN as the maximum (torch.argmax)", () => {
    const x = refTensor([1, 3, 3, 0, NaN, 2, NaN, 9, -Infinity, -Infinity, -Infinity, -Infinity], [3, 4]);
    expect(Array.from(decode.argmax(x).data)).toEqual([1, 0, 0]);
    expect(Array.from(decode.argmax(x, { dim: 0 }).data)).toEqual([1, 0, 1, 1]);
  });

  it("orders ties by index, NaN first, and refuses k > V", () => {
    const x = refTensor([2, 5, 5, NaN, -Infinity, 5]);
    const top = decode.topK(x, 4);
    expect(Array.from(top.indices)).toEqual([3, 1, 2, 5]);
    expect(Array.from(decode.topK(x, 3, { largest: false }).indices)).toEqual([4, 0, 1]);
    expect(Array.from(decode.topK(x, 4, { sorted: false }).indices)).toEqual([1, 2, 3, 5]);
    expect(Array.from(decode.topK(x, 6).indices)).toEqual([3, 1, 2, 5, 0, 4]);
    expect(() => decode.topK(x, 7)).toThrow(RangeError);
    const cols = decode.topK(refTensor([1, 4, 3, 2], [2, 2]), 1, { dim: 0 });
    expect(cols.shape).toEqual([1, 2]);
    expect(Array.from(cols.indices)).toEqual([1, 0]);
  });
});

describe("sample", () => {
  const ln = Math.log;
  it("greedy (temperature 0) is the argmax of the processed logits", () => {
    const x = refTensor([1, 2, 3, 2.5], [1, 4]);
    expect(Array.from(decode.sample(x, { temperature: 0 }).tokens)).toEqual([2]);
    expect(Array.from(decode.sample(x, { temperature: 0, logitBias: [0, 0, -1, 0] }).tokens)).toEqual([3]);
    expect(Array.from(decode.sample(x, { temperature: 0, allowed: [0b0011] }).tokens)).toEqual([1]);
    // CTRL's rule: a positive logit divided by the penalty, a negative one multiplied.
    expect(Array.from(decode.sample(x, { temperature: 0, history: { data: [2, -1], length: 2 }, repetitionPenalty: 2 }).tokens)).toEqual([
      3,
    ]);
  });

  it("keeps ties at the top-k and top-p thresholds and renormalises after each filter", () => {
    // p = [.4, .2, .2, .1, .1]
    const x = refTensor([ln(4), ln(2), ln(2), ln(1), ln(1)], [1, 5]);
    const kept = (o: decode.RefSampleOptions) => Array.from(decode.sample(x, o).kept[0] as Float64Array, (p) => +p.toFixed(6));
    expect(kept({ topK: 2 })).toEqual([0.5, 0.25, 0.25, 0, 0]);
    expect(kept({ topP: 0.5 })).toEqual([0.5, 0.25, 0.25, 0, 0]);
    expect(kept({ topP: 0.4 })).toEqual([1, 0, 0, 0, 0]);
    expect(kept({ topP: 0.85 })).toEqual([0.4, 0.2, 0.2, 0.1, 0.1]);
    // top-k 4 keeps the tie at .1 (all five), then top-p .7 of that: .4 + .2 + .2 = .8 ≥ .7.
    expect(kept({ topK: 4, topP: 0.7 })).toEqual([0.5, 0.25, 0.25, 0, 0]);
    expect(kept({ minP: 0.5 })).toEqual([0.5, 0.25, 0.25, 0, 0]);
    expect(kept({ minP: 0.51 })).toEqual([1, 0, 0, 0, 0]);
  });

  it("draws the smallest index whose prefix exceeds u·total, a pure function of (seed, step)", () => {
    const x = refTensor([0, 0, 0, 0], [1, 4]);
    for (let step = 0; step < 50; step++) {
      const u = decode.sampleUniform(7, step, 0);
      expect(decode.sample(x, { seed: 7, step }).tokens[0]).toBe(Math.floor(u * 4));
    }
    const counts = [0, 0, 0, 0];
    const skewed = refTensor([ln(1), ln(2), ln(3), ln(4)], [1, 4]);
    for (let step = 0; step < 4000; step++) {
      const t = decode.sample(skewed, { seed: 1, step }).tokens[0] as number;
      counts[t] = (counts[t] ?? 0) + 1;
    }
    counts.forEach((n, c) => expect(Math.abs(n / 4000 - (c + 1) / 10)).toBeLessThan(0.03));
  });

  it("applies OpenAI's presence and frequency penalties and reports raw or processed log-probabilities", () => {
    const x = refTensor([3, 1, 0], [1, 3]);
    const o = { history: { data: [0, 0, 2], length: 3 }, presencePenalty: 0.5, frequencyPenalty: 1, temperature: 0, logprobs: 2 } as const;
    const raw = decode.sample(x, o);
    // y = [3 − .5 − 2, 1, 0 − .5 − 1] = [.5, 1, −1.5]: token 1.
    expect(raw.tokens[0]).toBe(1);
    const lse = Math.log(Math.exp(3) + Math.exp(1) + 1);
    expect(raw.logprob[0]).toBeCloseTo(1 - lse, 12);
    expect(Array.from(raw.topLogprobs.indices)).toEqual([0, 1]);
    const processed = decode.sample(x, { ...o, logprobsOf: "processed" });
    const lseY = Math.log(Math.exp(0.5) + Math.exp(1) + Math.exp(-1.5));
    expect(processed.logprob[0]).toBeCloseTo(1 - lseY, 12);
    expect(Array.from(processed.topLogprobs.indices)).toEqual([1, 0]);
  });

  it("refuses rows without an allowed token, NaN logits and history tokens out of range", () => {
    const x = refTensor([0, 1], [1, 2]);
    expect(() => decode.sample(x, { allowed: [0] })).toThrow(/no token is allowed/);
    expect(() => decode.sample(refTensor([NaN, 1], [1, 2]))).toThrow(/NaN/);
    expect(() => decode.sample(x, { history: { data: [2], length: 1 } })).toThrow(/history\[0, 0\]/);
  });
});

describe("the reference at an LLM's vocabulary", () => {
  it("samples a [1, 262144] row (no argument-spread limits)", () => {
    const v = 262144;
    const x = new Float32Array(v);
    for (let c = 0; c < v; c++) x[c] = Math.sin(c) * 4;
    const r = decode.sample(refTensor(x, [1, v]), { topK: 50, topP: 0.9, seed: 3, logprobs: 2 });
    expect(r.tokens[0]).toBeGreaterThanOrEqual(0);
    expect((r.kept[0] as Float64Array)[r.tokens[0] as number]).toBeGreaterThan(0);
    expect(decode.sample(refTensor(x, [1, v]), { temperature: 0 }).tokens[0]).toBe(decode.argmax(refTensor(x, [1, v])).data[0]);
  });
});
