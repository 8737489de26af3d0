// src/half.ts on its own (no GPU): every f16 and bf16 bit pattern, and every rounding tie.
import { expect, it } from "vitest";
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from "../../src/half.js";

const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromF32Bits = (bits: number): number => {
  u32[0] = bits;
  return f32[0] as number;
};
const isF16NaN = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

it("decodes f16 bit patterns", () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3c00, 1],
    [0x3c01, 1 + 2 ** -10],
    [0x3555, 0.333251953125],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x8001, -(2 ** -24)],
  ];
  expect(Array.from(fromFloat16Bits(cases.map((c) => c[0])))).toEqual(cases.map((c) => c[1]));
  expect(Object.is(fromFloat16Bits([0x8000])[0], -0)).toBe(true);
  expect(Number.isNaN(fromFloat16Bits([0x7e00])[0])).toBe(true);
  expect(Number.isNaN(fromFloat16Bits([0xfc01])[0])).toBe(true);
  // Strictly increasing over the positive finite patterns.
  const values = fromFloat16Bits(all.subarray(0, 0x7c01));
  for (let h = 1; h <= 0x7c00; h++) expect(values[h]! > values[h - 1]!).toBe(true);
});

it("encodes every f16 value to its own bits (a NaN to a NaN: a JS number keeps no NaN sign)", () => {
  const back = toFloat16Bits(fromFloat16Bits(all));
  for (let h = 0; h < 65536; h++) {
    if (isF16NaN(h)) expect(isF16NaN(back[h]!)).toBe(true);
    else if (back[h] !== h) expect(back[h]).toBe(h);
  }
});

it("rounds f32 values to the nearest f16, ties to even, overflow to ±Inf, underflow to ±0", () => {
  const values = fromFloat16Bits(all);
  const inputs: number[] = [];
  const expected: number[] = [];
  for (let h = 0; h < 0x7c00; h++) {
    const lo = values[h]!;
    // Past 65504 the next step up is 65536, which is Infinity in f16.
    const hi = h === 0x7bff ? 65536 : values[h + 1]!;
    const mid = (lo + hi) / 2;
    f32[0] = mid;
    const midBits = u32[0]!;
    for (const sign of [1, -1]) {
      const s = sign < 0 ? 0x8000 : 0;
      inputs.push(sign * mid, sign * fromF32Bits(midBits - 1), sign * fromF32Bits(midBits + 1));
      expected.push(s | (h & 1 ? h + 1 : h), s | h, s | (h + 1));
    }
  }
  const got = toFloat16Bits(inputs);
  for (let i = 0; i < inputs.length; i++) if (got[i] !== expected[i]) expect([inputs[i], got[i]]).toEqual([inputs[i], expected[i]]);
  // From 65520 up (the midpoint to 2^16, which would need exponent 31): ±Inf, with exponent 31 itself too.
  expect(Array.from(toFloat16Bits([65520, 65536, 1e5, -131071, 1e6, -1e6, 3.4e38, Infinity, -Infinity]))).toEqual([
    0x7c00, 0x7c00, 0x7c00, 0xfc00, 0x7c00, 0xfc00, 0x7c00, 0x7c00, 0xfc00,
  ]);
  // Every f32 exponent below f16's subnormals (2^-25 and less, ties to even): ±0, whatever the mantissa.
  const tiny: number[] = [];
  for (let e = -25; e >= -149; e--) for (const m of [1, 1.25, 1.9999]) tiny.push(m * 2 ** e, -m * 2 ** e);
  const zeros = toFloat16Bits(tiny);
  for (let i = 0; i < tiny.length; i++) {
    const expected = Math.abs(tiny[i]!) === 2 ** -25 * 1.25 || Math.abs(tiny[i]!) === 2 ** -25 * 1.9999 ? 1 : 0;
    const bits = zeros[i]! & 0x7fff;
    if (bits !== expected) expect([tiny[i], bits]).toEqual([tiny[i], expected]);
  }
  // Far below the smallest subnormal (2^-24): signed zero; f32 subnormals too.
  expect(Array.from(toFloat16Bits([2 ** -26, -(2 ** -30), 1e-40, -1e-45, 0, -0]))).toEqual([0, 0x8000, 0, 0x8000, 0, 0x8000]);
});

it("reads only the indices below length", () => {
  const values = {
    length: 2,
    0: 1,
    1: 2,
    get 2(): number {
      throw new Error("read past the end");
    },
  };
  expect(Array.from(toFloat16Bits(values))).toEqual([0x3c00, 0x4000]);
  expect(Array.from(toBfloat16Bits(values))).toEqual([0x3f80, 0x4000]);
});

it("encodes NaN as NaN, keeping the sign", () => {
  const bits = toFloat16Bits([NaN, fromF32Bits(0xffc00000), fromF32Bits(0x7f800001)]);
  expect(Array.from(bits).map(isF16NaN)).toEqual([true, true, true]);
  expect((bits[1]! & 0x8000) !== 0).toBe(true);
});

it("decodes bf16 as the high half of an f32, and masks to 16 bits", () => {
  expect(Array.from(fromBfloat16Bits([0x3f80, 0xc000, 0x7f80, 0xff80, 0x0001, 0x13f80]))).toEqual([
    1,
    -2,
    Infinity,
    -Infinity,
    fromF32Bits(0x00010000),
    1,
  ]);
  expect(Array.from(fromFloat16Bits([0x13c00]))).toEqual([1]);
});

it("encodes every bf16 value to its own bits (NaN sign and all: the f32 keeps it); rounds to nearest even", () => {
  const back = toBfloat16Bits(fromBfloat16Bits(all));
  const isNaN16 = (h: number): boolean => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
  for (let h = 0; h < 65536; h++) {
    if (isNaN16(h)) expect([isNaN16(back[h]!), back[h]! & 0x8000]).toEqual([true, h & 0x8000]);
    else if (back[h] !== h) expect(back[h]).toBe(h);
  }
  const inputs: number[] = [];
  const expected: number[] = [];
  for (let h = 0; h < 0x7f80; h += 7) {
    for (const s of [0, 0x8000]) {
      const b = (h | s) << 16;
      inputs.push(fromF32Bits((b | 0x8000) >>> 0), fromF32Bits((b | 0x7fff) >>> 0), fromF32Bits((b | 0x8001) >>> 0));
      expected.push(s | (h & 1 ? h + 1 : h), s | h, s | (h + 1));
    }
  }
  const got = toBfloat16Bits(inputs);
  for (let i = 0; i < inputs.length; i++) if (got[i] !== expected[i]) expect([i, got[i]]).toEqual([i, expected[i]]);
  // The largest f32 rounds up to Infinity; a NaN stays a NaN of its sign (all-ones bits would carry into +0
  // under plain rounding). Which payload survives a JS number is the engine's business.
  expect(toBfloat16Bits([3.4028234663852886e38])[0]).toBe(0x7f80);
  const nans = toBfloat16Bits([fromF32Bits(0x7fffffff), fromF32Bits(0xffffffff), NaN]);
  expect(Array.from(nans).map((h) => [isNaN16(h), h & 0x8000])).toEqual([
    [true, 0],
    [true, 0x8000],
    [true, 0],
  ]);
});
