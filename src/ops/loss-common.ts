/** What every loss shares: option checks, the GPU reduction to a scalar, and label-status finishing. */
import { startRecording, finishRecording, type XentContext } from "../context.js";
import type { Recording } from "../kernel.js";
import { kLabelStatusKernel, kReduceLossKernel } from "../kernels.js";
import type { LabelCheck } from "../label-check.js";
import { describe, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";

export type Reduction = "mean" | "sum" | "none";

const kReductions: readonly Reduction[] = ["mean", "sum", "none"];

export function checkReduction<R extends string = Reduction>(value: unknown, op: string, allowed: readonly R[] = kReductions as unknown as readonly R[], fallback = "mean"): R {
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

export function checkInt32(value: unknown, op: string, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`${op}: ${name}: expected an integer, got ${describe(value)}`);
  if (value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`${op}: ${name}: expected a 32-bit integer, got ${value}`);
  return value;
}

/**
 * Records the scalar reduction of per-row losses: sum(loss) * scale, or for 'mean'
 * sum(loss) / sum(denom) (NaN when the denominator is 0, as PyTorch).
 */
export function recordReduce(rec: Recording, loss: GPUBuffer, denom: GPUBuffer | undefined, count: number, mean: boolean, out: Tensor, scale = 1): void {
  rec.dispatch({
    kernel: kReduceLossKernel,
    constants: { WG: 64 },
    uniforms: [
      ["u32", count],
      ["u32", mean ? 1 : 0],
      ["f32", scale],
    ],
    buffers: [loss, denom ?? loss, out.buffer],
    workgroups: 1,
  });
}

/** Records the copy of the first bad label into the status words (see label-status.wgsl). */
export function recordLabelStatus(rec: Recording, target: Tensor, check: LabelCheck): void {
  rec.dispatch({ kernel: kLabelStatusKernel, constants: {}, uniforms: [], buffers: [target.buffer, check.buffer], workgroups: 1 });
}

/**
 * The usual tail of a loss: per-row losses either become the output ('none') or are reduced
 * into a scalar. `perRow` records the row kernel into the given loss/denominator buffers.
 */
export function runRowLoss(
  ctx: XentContext,
  op: string,
  encoder: GPUCommandEncoder | undefined,
  reduction: Reduction,
  rowShape: Shape,
  rows: number,
  checks: LabelCheck[],
  inputs: readonly Tensor[],
  perRow: (rec: Recording, loss: GPUBuffer, denom: GPUBuffer) => void,
  scale = 1,
): Tensor<"f32"> {
  const rec = startRecording(ctx, op, encoder);
  const out = ctx.output(reduction === "none" ? rowShape : [], "f32", op, checks);
  const denom = rec.temporary(rows * 4, "row-denominator");
  const loss = reduction === "none" ? out.buffer : rec.temporary(rows * 4, "row-loss");
  perRow(rec, loss, denom);
  if (reduction !== "none") recordReduce(rec, loss, denom, rows, reduction === "mean", out, scale);
  finishRecording(rec, [out], inputs);
  return out;
}
