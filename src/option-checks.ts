/** Checks of option values, shared by the ops: each throws a TypeError or RangeError naming the option. */
import { describe } from "./shape.js";

export type Reduction = "mean" | "sum" | "none";

const kReductions: readonly Reduction[] = ["mean", "sum", "none"];

export function checkReduction<R extends string = Reduction>(
  value: unknown,
  op: string,
  allowed: readonly R[] = kReductions as unknown as readonly R[],
  fallback = "mean",
): R {
  const r = value ?? fallback;
  if (typeof r !== "string" || !(allowed as readonly string[]).includes(r)) {
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

export function checkBoolean(value: unknown, op: string, name: string, fallback: boolean): boolean {
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
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new TypeError(`${op}: ${name}: expected an integer, got ${describe(value)}`);
  if (value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`${op}: ${name}: expected a 32-bit integer, got ${value}`);
  return value;
}

/** A softmax temperature: a finite number > 0 (default 1). */
export function checkTemperature(value: unknown, op: string): number {
  if (value === undefined) return 1;
  if (typeof value !== "number") throw new TypeError(`${op}: temperature: expected a number, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${op}: temperature: expected a finite number > 0, got ${value}`);
  return value;
}

export function checkNonNegative(value: unknown, op: string, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: ${name}: expected a number >= 0, got ${describe(value)}`);
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${op}: ${name}: expected a finite number >= 0, got ${value}`);
  return value;
}

export function checkSoftcap(value: unknown, op: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: softcap: expected a number > 0, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${op}: softcap: expected a finite number > 0, got ${value}`);
  return value;
}
