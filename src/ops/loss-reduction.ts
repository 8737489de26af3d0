/**
 * What every loss shares after its per-position kernel: the GPU reduction to a scalar
 * (shaders/reduce-loss.wgsl) and the label-status finish (shaders/label-status.wgsl).
 */
import { sharedOverrides } from "../kernel-overrides.js";
import { recordOp, type XentContext } from "../context.js";
import { defineKernel } from "../kernel-descriptor.js";
import { reduceWorkgroupSize } from "../row-plan.js";
import type { Recording } from "../recording.js";
import type { LabelCheck } from "../label-check.js";
import type { Reduction } from "../option-checks.js";
import type { Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import reduceLossWgsl from "../../shaders/reduce-loss.wgsl?raw";
import labelStatusWgsl from "../../shaders/label-status.wgsl?raw";

/** How per-position losses become a scalar (see reduce-loss.wgsl); "mean-by-divisor" reads `denom[0]`, summed before. */
export type ReduceMode = "sum" | "mean-by-denominator" | "mean-by-count" | "mean-by-divisor";

const kReduceModes = ["sum", "mean-by-denominator", "mean-by-count", "mean-by-divisor"] as const satisfies readonly ReduceMode[];

const kStatusBindings = {
  targets: { type: "array<u32>", access: "read", doc: "The class-index targets checked." },
  status: { type: "array<u32>", access: "read_write", doc: "[first bad position, its label] (see label-check.ts)." },
} as const;

export const kReduceLossKernel = defineKernel({
  name: "reduce-loss",
  body: reduceLossWgsl,
  uniforms: {
    // Elements bound (main, partial) or parts to combine (combine).
    count: "u32",
    scale: "f32",
    // All elements: the divisor of MODE_MEAN_BY_COUNT.
    total: "u32",
    // The part a `partial` dispatch sums.
    part: "u32",
  },
  bindings: {
    loss: { type: "array<f32>", access: "read" },
    denom: {
      type: "array<f32>",
      access: "read",
      optional: true,
      doc: "Per-position denominators (MODE_MEAN_BY_DENOMINATOR), or the divisor in [0] (MODE_MEAN_BY_DIVISOR).",
    },
    out: { type: "array<f32>", access: "read_write" },
    divisor_out: {
      type: "array<f32>",
      access: "read_write",
      optional: true,
      doc: "The divisor used (1 for sums), for a gradient pass that must scale the same way.",
    },
    targets: { ...kStatusBindings.targets, optional: true },
    status: { ...kStatusBindings.status, optional: true },
    partials: { type: "array<f32>", access: "read_write", optional: true, doc: "Per part: (sum of loss, sum of denom)." },
  },
  overrides: {
    ...sharedOverrides("WG", "CHECK_LABELS"),
    MODE: { kind: "enum", values: kReduceModes },
  },
  entryPoints: ["main", "partial", "combine"],
});

export const kLabelStatusKernel = defineKernel({
  name: "label-status",
  body: labelStatusWgsl,
  uniforms: {},
  bindings: kStatusBindings,
  overrides: {},
});

/** Class-index targets checked on the GPU, whose status is finished after the row kernel. */
export interface LabelStatus {
  target: Tensor;
  check: LabelCheck;
}

export interface ReduceArgs {
  loss: GPUBuffer;
  /** Per-position denominators, for mode "mean-by-denominator"; the divisor (one f32) for "mean-by-divisor". */
  denom?: GPUBuffer | undefined;
  /** Values in `loss` to sum. */
  count: number;
  /** The divisor of "mean-by-count" when `loss` holds partial sums (default: count). */
  total?: number;
  mode: ReduceMode;
  out: Tensor;
  /** Receives the divisor used (1 for sums), for a gradient that must scale the same way. */
  divisorOut?: GPUBuffer | undefined;
  scale?: number;
  /** Finish this label status in the same dispatch. */
  labels?: LabelStatus | undefined;
}

/**
 * Records the scalar reduction of per-position losses: scale·Σ loss, divided for a mean by Σ denom
 * or by the count (IEEE: NaN for 0 / 0, as PyTorch). Losses larger than one binding (a real
 * 128 MiB limit holds 33.5M f32 values) are summed in binding-sized parts, then combined in order.
 */
export function recordReduce(ctx: XentContext, rec: Recording, r: ReduceArgs): void {
  const common = { constants: { WG: reduceWorkgroupSize(ctx.adapterKind), MODE: r.mode, CHECK_LABELS: !!r.labels } };
  const finishing = {
    out: r.out.buffer,
    ...(r.divisorOut ? { divisor_out: r.divisorOut } : {}),
    ...(r.labels ? { targets: r.labels.target.buffer, status: r.labels.check.buffer } : {}),
  };
  const scale = r.scale ?? 1;
  const total = r.total ?? r.count;
  // Parts of a multiple of 64 elements start 256-byte aligned (minStorageBufferOffsetAlignment ≤ 256).
  const partElements = Math.floor((ctx.maxBindingBytes - 256) / 4 / 64) * 64;
  // Bound by their data's size: pooled buffers are larger (a power of two), which may not fit a binding.
  const range = (buffer: GPUBuffer, first: number, n: number): GPUBufferBinding => ({
    buffer,
    offset: first * 4,
    size: Math.max(4, n * 4),
  });
  const byDivisor = r.mode === "mean-by-divisor";
  // The denominators of a part, or the one divisor (read only where the reduction finishes).
  const denomOf = (first: number, n: number) => (r.denom ? { denom: byDivisor ? range(r.denom, 0, 1) : range(r.denom, first, n) } : {});
  if (r.count <= partElements) {
    rec.dispatch(kReduceLossKernel, {
      constants: common.constants,
      uniforms: { count: r.count, scale, total, part: 0 },
      bindings: { loss: range(r.loss, 0, r.count), ...denomOf(0, r.count), ...finishing },
      workgroups: 1,
    });
    return;
  }
  const parts = Math.ceil(r.count / partElements);
  const partials = rec.temporary(parts * 8, "reduction-parts");
  for (let k = 0; k < parts; k++) {
    const first = k * partElements;
    const n = Math.min(partElements, r.count - first);
    rec.dispatch(kReduceLossKernel, {
      entryPoint: "partial",
      constants: { ...common.constants, CHECK_LABELS: false },
      uniforms: { count: n, scale, total, part: k },
      bindings: { loss: range(r.loss, first, n), ...denomOf(first, n), out: r.out.buffer, partials },
      workgroups: 1,
    });
  }
  rec.dispatch(kReduceLossKernel, {
    entryPoint: "combine",
    constants: common.constants,
    uniforms: { count: parts, scale, total, part: 0 },
    // loss is not read by `combine`; a small range of it satisfies the layout.
    bindings: { loss: range(r.loss, 0, 1), partials, ...(byDivisor ? denomOf(0, 1) : {}), ...finishing },
    workgroups: 1,
  });
}

/** Records the copy of the first bad label into the status words (see label-status.wgsl). */
export function recordLabelStatus(rec: Recording, labels: LabelStatus): void {
  rec.dispatch(kLabelStatusKernel, {
    uniforms: {},
    bindings: { targets: labels.target.buffer, status: labels.check.buffer },
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
  /**
   * For 'mean' / 'sum': the kernel writes this many partial sums into `loss` instead of one loss per
   * position (the mean still divides by `count`).
   */
  partials?: number;
  /** How 'mean' divides: by the per-position denominators the kernel writes, or by the count. */
  mean: "mean-by-denominator" | "mean-by-count";
  /** Multiplies the reduced value ('batchmean': 1 / batch size; bits: 1 / ln 2). */
  scale?: number;
  /** Class-index targets the kernel checks: the output's read() rejects on a bad one. */
  labels?: LabelStatus | undefined;
  inputs: readonly Tensor[];
  /** Also make an f32 gradient output of this shape, written by `record`. */
  gradShape?: Shape | undefined;
  /**
   * Records the per-position kernel into `loss` (and `denom` for mean-by-denominator, else
   * undefined; `grad` when gradShape is set).
   */
  record: (rec: Recording, loss: GPUBuffer, denom: GPUBuffer | undefined, grad: Tensor<"f32"> | undefined) => void;
}

/** The loss (as the loss op returns it) and d(loss)/d(input), shaped like the input. */
export interface LossAndGrad {
  loss: Tensor<"f32">;
  grad: Tensor<"f32">;
}

export interface LossAndMaybeGrad {
  loss: Tensor<"f32">;
  grad: Tensor<"f32"> | undefined;
}

/**
 * The usual tail of a loss: per-position losses become the output ('none') or a GPU-reduced
 * scalar; a gradient output (gradShape), if any, is made in the same recording.
 */
export function recordLoss(ctx: XentContext, run: LossRun): LossAndMaybeGrad {
  const none = run.reduction === "none";
  const checks = run.labels ? [run.labels.check] : [];
  const [loss, grad] = recordOp(ctx, run.op, run.encoder, run.inputs, (rec) => {
    const result = ctx.output(none ? run.shape : [], "f32", run.op, checks);
    const grad = run.gradShape ? ctx.output(run.gradShape, "f32", `${run.op}:grad`, checks) : undefined;
    const denom = run.mean === "mean-by-denominator" ? rec.temporary(run.count * 4, "denominator") : undefined;
    const stored = !none && run.partials !== undefined ? run.partials : run.count;
    const loss = none ? result.buffer : rec.temporary(stored * 4, run.partials !== undefined ? "partial-sums" : "loss");
    run.record(rec, loss, denom, grad);
    if (none) {
      if (run.labels) recordLabelStatus(rec, run.labels);
    } else {
      recordReduce(ctx, rec, {
        loss,
        denom,
        count: stored,
        total: run.count,
        mode: run.reduction === "mean" ? run.mean : "sum",
        out: result,
        scale: run.scale ?? 1,
        labels: run.labels,
      });
    }
    return grad ? [result, grad] : [result];
  });
  return { loss: loss, grad };
}

/** The usual tail of a loss, without a gradient (see recordLoss). */
export function runLoss(ctx: XentContext, run: LossRun): Tensor<"f32"> {
  return recordLoss(ctx, run).loss;
}
