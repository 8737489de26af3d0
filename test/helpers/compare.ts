// Comparing f32 GPU output with the float64 reference, elementwise, with a stated tolerance. Every
// such comparison that passes is one "GPU case compared with the float64 reference" in the run's
// summary: the count is made here, where the comparing happens, not typed in by each test.
import { expect } from "vitest";
import { countGpuCase } from "./gpu.js";

export interface Tolerance {
  /** |gpu − ref| ≤ atol + rtol·|ref| */
  atol: number;
  rtol: number;
}

/**
 * Checks every element; NaN must match NaN and ±Inf must match exactly. The float64 reference is
 * first rounded to f32 (unless `precision` is "f64", for reference-vs-reference checks), so a value
 * beyond f32's range is ±Inf, as PyTorch computes it in float32.
 * Reports the worst element. With precision "f32" (GPU output against the reference) a pass counts
 * as one GPU case; "f64" (the reference against PyTorch's float64 fixtures) counts nothing.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  what: string,
  precision: "f32" | "f64" = "f32",
): void {
  const round = precision === "f32" ? Math.fround : (v: number): number => v;
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = round(expected[i] as number);
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) {
        throw new Error(`${what}: element ${i}: expected ${e}, got ${a}`);
      }
      continue;
    }
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    const a = actual[worst] as number;
    const e = round(expected[worst] as number);
    throw new Error(`${what}: element ${worst}: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)} > ${tol.atol} + ${tol.rtol}·|ref|)`);
  }
  if (precision === "f32") countGpuCase();
}
