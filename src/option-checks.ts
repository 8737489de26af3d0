/**
 * Option checks. Each op declares one check per option of its options interface (TypeScript
 * holds the two to the same keys), and `checkOpOptions` runs them: an unknown option, a wrong
 * kind or a value out of range throws synchronously, naming the op and the option.
 */
import { describe } from "./shape.js";
import { Tensor } from "./tensor.js";

/** Checks one option's value (undefined when absent) and returns it with its default applied. */
export type OptionCheck<T = unknown> = (value: unknown, op: string, name: string) => T;

/** One check for every option of the options interface O, and no other. */
export type OptionChecksFor<O> = { [K in keyof Required<O>]: OptionCheck };

/** What `checkOpOptions` returns: every option, checked. */
export type CheckedOptions<C> = { [K in keyof C]: C[K] extends OptionCheck<infer T> ? T : never };

export function checkOpOptions<C extends Record<string, OptionCheck>>(options: unknown, op: string, checks: C): CheckedOptions<C> {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
    throw new TypeError(`${op}: options: expected an object, got ${describe(options)}`);
  }
  const given = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    // Own keys only: `toString` or `constructor` is no option of any op.
    if (!Object.hasOwn(checks, key))
      throw new TypeError(`${op}: unknown option ${JSON.stringify(key)}; expected one of ${Object.keys(checks).join(", ")}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, check] of Object.entries(checks)) out[name] = check(given[name], op, name);
  return out as CheckedOptions<C>;
}

/** `encoder`: a GPUCommandEncoder to record into instead of submitting. */
export function checkEncoder(value: unknown, op: string, name = "encoder"): GPUCommandEncoder | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || typeof (value as GPUCommandEncoder).beginComputePass !== "function") {
    throw new TypeError(`${op}: ${name}: expected a GPUCommandEncoder, got ${describe(value)}`);
  }
  return value as GPUCommandEncoder;
}

/** A dimension, left as given (its range depends on the input's rank: see normalizeDim). */
export function optionalDim(value: unknown, op: string, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) throw new TypeError(`${op}: ${name}: expected an integer, got ${describe(value)}`);
  return value as number;
}

/** A tensor option (its device, dtype and shape are checked by the op). */
export function optionalTensor(value: unknown, op: string, name: string): Tensor | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Tensor))
    throw new TypeError(`${op}: ${name}: expected a Tensor (from xent.tensor() or xent.wrap()), got ${describe(value)}`);
  return value;
}

/** A boolean option, false when absent. */
export function optionalFlag(value: unknown, op: string, name: string): boolean {
  return checkBoolean(value, op, name, false);
}

/** 'mean' (default), 'sum' or 'none'. */
export function reductionOption(value: unknown, op: string): Reduction {
  return checkReduction(value, op);
}

export type Reduction = "mean" | "sum" | "none";

const kReductions: readonly Reduction[] = ["mean", "sum", "none"];

export function checkReduction<R extends string = Reduction>(
  value: unknown,
  op: string,
  allowed: readonly R[] = kReductions as unknown as readonly R[],
  fallback = "mean",
): R {
  // null is no reduction (as for every other option), not the default.
  const r = value === undefined ? fallback : value;
  if (!(allowed as readonly unknown[]).includes(r)) {
    throw new TypeError(`${op}: reduction: expected ${allowed.map((a) => `'${a}'`).join(", ")}, got ${describe(value)}`);
  }
  return r as R;
}

/** A number in [0, 1] (label smoothing). */
export function checkUnitInterval(value: unknown, op: string, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: ${name}: expected a number in [0, 1], got ${describe(value)}`);
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${op}: ${name}: expected a number in [0, 1], got ${value}`);
  return value;
}

function checkBoolean(value: unknown, op: string, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${op}: ${name}: expected true or false, got ${describe(value)}`);
  return value;
}

/** A logarithm base: Math.E (nats) by default, 2 for bits; any finite base > 0 and ≠ 1. */
export function checkLogBase(value: unknown, op: string): number {
  if (value === undefined) return Math.E;
  if (typeof value !== "number") throw new TypeError(`${op}: base: expected a number (Math.E or 2), got ${describe(value)}`);
  if (!(value > 0) || value === 1 || !Number.isFinite(value))
    throw new RangeError(`${op}: base: expected a finite number > 0 and ≠ 1, got ${value}`);
  return value;
}

export function checkInt32(value: unknown, op: string, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value)) throw new TypeError(`${op}: ${name}: expected an integer, got ${describe(value)}`);
  if ((value as number) < -0x80000000 || (value as number) > 0x7fffffff)
    throw new RangeError(`${op}: ${name}: expected a 32-bit integer, got ${describe(value)}`);
  return value as number;
}

/** The smallest temperature whose reciprocal, which the kernels multiply by, is finite in f32. */
export const kMinTemperature = 1 / 3.4028234663852886e38;

/** A softmax temperature: a finite number ≥ kMinTemperature (default 1). */
export function checkTemperature(value: unknown, op: string): number {
  if (value === undefined) return 1;
  if (typeof value !== "number") throw new TypeError(`${op}: temperature: expected a number, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${op}: temperature: expected a finite number > 0, got ${value}`);
  if (!Number.isFinite(Math.fround(1 / value)))
    throw new RangeError(`${op}: temperature: expected at least ${kMinTemperature} (1 / temperature must be finite in f32), got ${value}`);
  return value;
}

export function checkNonNegative(value: unknown, op: string, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: ${name}: expected a number >= 0, got ${describe(value)}`);
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${op}: ${name}: expected a finite number >= 0, got ${value}`);
  return value;
}

const kMinNormalF32 = 1.1754943508222875e-38;
const kMaxF32 = 3.4028234663852886e38;

export function checkSoftcap(value: unknown, op: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: softcap: expected a number > 0, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${op}: softcap: expected a finite number > 0, got ${value}`);
  // The GPU divides by the cap in f32: one that rounds to ±inf or below f32's normals (flushed to 0) would give NaN or 0.
  const f32 = Math.fround(value);
  if (!Number.isFinite(f32) || f32 < kMinNormalF32)
    throw new RangeError(`${op}: softcap: expected a number in [${kMinNormalF32}, ${kMaxF32}] (finite and normal in f32), got ${value}`);
  return value;
}
