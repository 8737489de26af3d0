/** What every loss shares: option checks, the GPU reduction to a scalar, and label-status finishing. */
import { startRecording, finishRecording, type XentContext } from "../context.js";
import type { Recording } from "../kernel.js";
import { kLabelStatusKernel, kReduceLossKernel } from "../kernels.js";
import type { LabelCheck } from "../label-check.js";
import { describe, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";

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

/** How per-position losses become a scalar (see reduce-loss.wgsl). */
export type ReduceMode = "sum" | "mean-by-denominator" | "mean-by-count";

const kReduceModeCode: Record<ReduceMode, number> = { sum: 0, "mean-by-denominator": 1, "mean-by-count": 2 };

/** Class-index targets checked on the GPU, whose status is finished after the row kernel. */
export interface LabelStatus {
  target: Tensor;
  check: LabelCheck;
}

export interface ReduceArgs {
  loss: GPUBuffer;
  /** Per-position denominators, for mode "mean-by-denominator". */
  denom?: GPUBuffer | undefined;
  count: number;
  mode: ReduceMode;
  out: Tensor;
  /** Receives the divisor used (1 for sums), for a gradient that must scale the same way. */
  divisorOut: GPUBuffer;
  scale?: number;
  /** Finish this label status in the same dispatch. */
  labels?: LabelStatus | undefined;
}

/**
 * Records the scalar reduction of per-position losses: scale·Σ loss, divided for a mean by Σ denom
 * or by the count (NaN when that is 0, as PyTorch).
 */
export function recordReduce(ctx: XentContext, rec: Recording, r: ReduceArgs): void {
  rec.dispatch({
    kernel: kReduceLossKernel,
    constants: { WG: 64, CHECK_LABELS: !!r.labels },
    uniforms: [
      ["u32", r.count],
      ["u32", kReduceModeCode[r.mode]],
      ["f32", r.scale ?? 1],
    ],
    buffers: [
      r.loss,
      r.denom ?? r.loss,
      r.out.buffer,
      r.divisorOut,
      r.labels?.target.buffer ?? r.loss,
      r.labels?.check.buffer ?? ctx.scratch(1),
    ],
    workgroups: 1,
  });
}

/** Records the copy of the first bad label into the status words (see label-status.wgsl). */
export function recordLabelStatus(rec: Recording, labels: LabelStatus): void {
  rec.dispatch({
    kernel: kLabelStatusKernel,
    constants: {},
    uniforms: [],
    buffers: [labels.target.buffer, labels.check.buffer],
    workgroups: 1,
  });
}

export interface LossRun {
  op: string;
  encoder: GPUCommandEncoder | undefined;
  /** 'none' keeps one loss per position, shaped `shape`; otherwise a scalar. */
  reduction: Reduction | "batchmean";
  shape: Shape;
  /** Number of per-position losses. */
  count: number;
  /** How 'mean' divides: by the per-position denominators the kernel writes, or by the count. */
  mean: "mean-by-denominator" | "mean-by-count";
  /** Multiplies the reduced value ('batchmean': 1 / batch size; bits: 1 / ln 2). */
  scale?: number;
  /** Class-index targets the kernel checks: the output's read() rejects on a bad one. */
  labels?: LabelStatus | undefined;
  inputs: readonly Tensor[];
  /** Records the per-position kernel into `loss` (and `denom` for mean-by-denominator). */
  record: (rec: Recording, loss: GPUBuffer, denom: GPUBuffer) => void;
}

/** The usual tail of a loss: per-position losses become the output ('none') or a GPU-reduced scalar. */
export function runLoss(ctx: XentContext, run: LossRun): Tensor<"f32"> {
  const rec = startRecording(ctx, run.op, run.encoder);
  const none = run.reduction === "none";
  const out = ctx.output(none ? run.shape : [], "f32", run.op, run.labels ? [run.labels.check] : []);
  const denom = run.mean === "mean-by-denominator" ? rec.temporary(run.count * 4, "denominator") : ctx.scratch();
  const loss = none ? out.buffer : rec.temporary(run.count * 4, "loss");
  run.record(rec, loss, denom);
  if (none) {
    if (run.labels) recordLabelStatus(rec, run.labels);
  } else {
    recordReduce(ctx, rec, {
      loss,
      denom: run.mean === "mean-by-denominator" ? denom : undefined,
      count: run.count,
      mode: run.reduction === "mean" ? run.mean : "sum",
      out,
      divisorOut: ctx.scratch(),
      scale: run.scale ?? 1,
      labels: run.labels,
    });
  }
  finishRecording(rec, [out], run.inputs);
  return out;
}
