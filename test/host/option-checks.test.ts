// src/option-checks.ts on its own (no GPU): every check's accepted range, default and message.
import { expect, it } from "vitest";
import {
  checkEncoder,
  checkInt32,
  checkLogBase,
  checkNonNegative,
  checkOpOptions,
  checkReduction,
  checkSoftcap,
  checkTemperature,
  checkUnitInterval,
  kMinTemperature,
  optionalDim,
  optionalFlag,
  optionalTensor,
  reductionOption,
} from "../../src/option-checks.js";
import { Tensor } from "../../src/tensor.js";

const checks = { reduction: (v: unknown, op: string) => reductionOption(v, op), dim: optionalDim };

it("checkOpOptions: every declared option checked with its default; an unknown one or a non-object refused", () => {
  expect(checkOpOptions(undefined, "op", checks)).toEqual({ reduction: "mean", dim: undefined });
  expect(checkOpOptions({ dim: -1, reduction: "sum" }, "op", checks)).toEqual({ reduction: "sum", dim: -1 });
  expect(() => checkOpOptions({ dims: 1 }, "softmax", checks)).toThrow(
    new TypeError('softmax: unknown option "dims"; expected one of reduction, dim'),
  );
  expect(() => checkOpOptions(null, "op", checks)).toThrow(new TypeError("op: options: expected an object, got null"));
  expect(() => checkOpOptions([], "op", checks)).toThrow(new TypeError("op: options: expected an object, got an array of length 0"));
  expect(() => checkOpOptions(3, "op", checks)).toThrow(new TypeError("op: options: expected an object, got 3"));
  expect(() => checkOpOptions("sum", "op", checks)).toThrow(TypeError);
  expect(() => checkOpOptions({ dim: 0.5 }, "nll", checks)).toThrow(new TypeError("nll: dim: expected an integer, got 0.5"));
  // An inherited name is not an option.
  expect(() => checkOpOptions({ toString: 1 }, "op", {})).toThrow(/unknown option "toString"/);
});

it("checkEncoder: undefined or something with beginComputePass", () => {
  expect(checkEncoder(undefined, "op")).toBeUndefined();
  const encoder = { beginComputePass: () => undefined } as unknown as GPUCommandEncoder;
  expect(checkEncoder(encoder, "op")).toBe(encoder);
  expect(() => checkEncoder({}, "op")).toThrow(new TypeError("op: encoder: expected a GPUCommandEncoder, got an Object"));
  expect(() => checkEncoder(null, "op", "enc")).toThrow(new TypeError("op: enc: expected a GPUCommandEncoder, got null"));
  expect(() => checkEncoder(5, "op")).toThrow(TypeError);
  expect(() => checkEncoder({ beginComputePass: 1 }, "op")).toThrow(TypeError);
  expect(() =>
    checkEncoder(
      Object.assign(() => 0, { beginComputePass: () => 0 }),
      "op",
    ),
  ).toThrow(new TypeError("op: encoder: expected a GPUCommandEncoder, got a Function"));
});

it("optionalDim, optionalTensor, optionalFlag", () => {
  expect(optionalDim(undefined, "op", "dim")).toBeUndefined();
  expect(optionalDim(-2, "op", "dim")).toBe(-2);
  expect(() => optionalDim("1", "op", "dim")).toThrow(new TypeError('op: dim: expected an integer, got "1"'));
  const t = Object.create(Tensor.prototype) as Tensor;
  expect(optionalTensor(undefined, "op", "weight")).toBeUndefined();
  expect(optionalTensor(t, "op", "weight")).toBe(t);
  expect(() => optionalTensor(new Float32Array(2), "op", "weight")).toThrow(
    new TypeError("op: weight: expected a Tensor (from xent.tensor() or xent.wrap()), got a Float32Array of length 2"),
  );
  expect(optionalFlag(undefined, "op", "logInput")).toBe(false);
  expect(optionalFlag(true, "op", "logInput")).toBe(true);
  expect(optionalFlag(false, "op", "logInput")).toBe(false);
  expect(() => optionalFlag(1, "op", "logInput")).toThrow(new TypeError("op: logInput: expected true or false, got 1"));
});

it("reductions: 'mean' by default; the allowed list and fallback are the caller's", () => {
  expect(reductionOption(undefined, "op")).toBe("mean");
  for (const r of ["mean", "sum", "none"]) expect(reductionOption(r, "op")).toBe(r);
  expect(() => reductionOption("avg", "ce")).toThrow(new TypeError(`ce: reduction: expected 'mean', 'sum', 'none', got "avg"`));
  expect(() => reductionOption(null, "ce")).toThrow(new TypeError(`ce: reduction: expected 'mean', 'sum', 'none', got null`));
  expect(() => reductionOption(1, "ce")).toThrow(TypeError);
  expect(checkReduction(undefined, "k", ["sum", "sum_over_batch_size"], "sum_over_batch_size")).toBe("sum_over_batch_size");
  expect(() => checkReduction("mean", "k", ["sum", "none"])).toThrow(new TypeError(`k: reduction: expected 'sum', 'none', got "mean"`));
});

it("checkUnitInterval: [0, 1], 0 when absent", () => {
  expect(checkUnitInterval(undefined, "op", "labelSmoothing")).toBe(0);
  for (const v of [0, 0.25, 1]) expect(checkUnitInterval(v, "op", "labelSmoothing")).toBe(v);
  for (const v of [-0.01, 1.01, NaN, Infinity])
    expect(() => checkUnitInterval(v, "op", "s")).toThrow(new RangeError(`op: s: expected a number in [0, 1], got ${v}`));
  expect(() => checkUnitInterval("0.1", "op", "s")).toThrow(new TypeError('op: s: expected a number in [0, 1], got "0.1"'));
});

it("checkLogBase: e by default, any finite positive base but 1", () => {
  expect(checkLogBase(undefined, "op")).toBe(Math.E);
  for (const v of [2, 10, 0.5, Number.MIN_VALUE]) expect(checkLogBase(v, "op")).toBe(v);
  for (const v of [1, 0, -2, NaN, Infinity])
    expect(() => checkLogBase(v, "op")).toThrow(new RangeError(`op: base: expected a finite number > 0 and ≠ 1, got ${v}`));
  expect(() => checkLogBase("2", "op")).toThrow(new TypeError('op: base: expected a number (Math.E or 2), got "2"'));
});

it("checkInt32: the fallback when absent, any 32-bit integer", () => {
  expect(checkInt32(undefined, "op", "ignoreIndex", -100)).toBe(-100);
  for (const v of [0, -0x80000000, 0x7fffffff]) expect(checkInt32(v, "op", "ignoreIndex", 0)).toBe(v);
  expect(() => checkInt32(0x80000000, "op", "i", 0)).toThrow(new RangeError("op: i: expected a 32-bit integer, got 2147483648"));
  expect(() => checkInt32(-0x80000001, "op", "i", 0)).toThrow(RangeError);
  expect(() => checkInt32(1.5, "op", "i", 0)).toThrow(new TypeError("op: i: expected an integer, got 1.5"));
  expect(() => checkInt32("1", "op", "i", 0)).toThrow(TypeError);
});

it("checkTemperature: 1 by default; finite, > 0, with a reciprocal finite in f32", () => {
  expect(checkTemperature(undefined, "op")).toBe(1);
  expect(checkTemperature(0.5, "op")).toBe(0.5);
  expect(checkTemperature(1e300, "op")).toBe(1e300);
  expect(checkTemperature(kMinTemperature, "op")).toBe(kMinTemperature);
  expect(Math.fround(1 / kMinTemperature)).toBe(3.4028234663852886e38);
  for (const v of [0, -1, NaN, Infinity])
    expect(() => checkTemperature(v, "op")).toThrow(new RangeError(`op: temperature: expected a finite number > 0, got ${v}`));
  expect(() => checkTemperature(1e-39, "op")).toThrow(
    new RangeError(`op: temperature: expected at least ${kMinTemperature} (1 / temperature must be finite in f32), got 1e-39`),
  );
  expect(() => checkTemperature("1", "op")).toThrow(new TypeError('op: temperature: expected a number, got "1"'));
});

it("checkNonNegative and checkSoftcap: 0 when absent", () => {
  expect(checkNonNegative(undefined, "op", "zLoss")).toBe(0);
  for (const v of [0, 1e-4, 1e30]) expect(checkNonNegative(v, "op", "zLoss")).toBe(v);
  for (const v of [-1e-9, NaN, Infinity])
    expect(() => checkNonNegative(v, "op", "z")).toThrow(new RangeError(`op: z: expected a finite number >= 0, got ${v}`));
  expect(() => checkNonNegative(true, "op", "z")).toThrow(new TypeError("op: z: expected a number >= 0, got true"));
  expect(checkSoftcap(undefined, "op")).toBe(0);
  expect(checkSoftcap(30, "op")).toBe(30);
  for (const v of [0, -5, NaN, Infinity])
    expect(() => checkSoftcap(v, "op")).toThrow(new RangeError(`op: softcap: expected a finite number > 0, got ${v}`));
  expect(() => checkSoftcap("30", "op")).toThrow(new TypeError('op: softcap: expected a number > 0, got "30"'));
  // Finite in float64 but not a normal f32: refused, not NaN or a uniform softmax on the GPU.
  for (const v of [3e38, 3.4028234663852886e38, 1.1754943508222875e-38]) expect(checkSoftcap(v, "op")).toBe(v);
  for (const v of [1e39, 3.5e38, 1e-39, 1e-45])
    expect(() => checkSoftcap(v, "op")).toThrow(
      new RangeError(
        `op: softcap: expected a number in [1.1754943508222875e-38, 3.4028234663852886e+38] (finite and normal in f32), got ${v}`,
      ),
    );
});
