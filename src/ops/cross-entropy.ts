/**
 * crossEntropy, nllLoss and crossEntropyWithGrad: PyTorch's cross_entropy / nll_loss on the GPU,
 * one pass over each row; for training, the gradient in the same pass (after a pre-pass over the
 * labels for the mean's divisor), or in an elementwise pass after the row pass and the reduction.
 */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, recordOp, subgroupMerges, type RecordOptions, type XentContext } from "../context.js";
import type { Recording } from "../recording.js";
import { defineKernel, type Bindable, type UniformValues } from "../kernel-descriptor.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { bindRange, checkRowArrays } from "../binding-slices.js";
import { LabelCheck } from "../label-check.js";
import { readsVec4View, reduceWorkgroupSize, type RowOpPlan, type RowPlan, type SplitPlan } from "../row-plan.js";
import { planCrossEntropyGrad, planCrossEntropyRows, type CrossEntropyShape, type PlanDevice } from "./cross-entropy-plan.js";
import { formatShape, normalizeDim, rowView, sameShape, type RowView } from "../shape.js";
import type { Tensor } from "../tensor.js";
import {
  checkEncoder,
  checkInt32,
  checkLogBase,
  checkNonNegative,
  checkOpOptions,
  checkSoftcap,
  optionalDim,
  optionalFlag,
  optionalTensor,
  reductionOption,
  checkUnitInterval,
  type CheckedOptions,
  type OptionChecksFor,
  type Reduction,
} from "../option-checks.js";
import { recordLabelStatus, recordReduce, runLoss, type LossAndGrad } from "./loss-reduction.js";

export type { LossAndGrad } from "./loss-reduction.js";
import crossEntropyWgsl from "../../shaders/cross-entropy.wgsl?raw";
import crossEntropyGradWgsl from "../../shaders/cross-entropy-grad.wgsl?raw";
import crossEntropyWithGradWgsl from "../../shaders/cross-entropy-with-grad.wgsl?raw";
import crossEntropyLabelsWgsl from "../../shaders/cross-entropy-labels.wgsl?raw";

export interface CrossEntropyOptions extends RecordOptions {
  /** The class dimension (default 1 for rank ≥ 2, else 0), as PyTorch; any dim is accepted. */
  dim?: number;
  /** Per-class rescaling weights, an f32 tensor of shape [C]. */
  weight?: Tensor;
  /** Class-index targets equal to this contribute 0 and leave the mean's denominator (default −100). */
  ignoreIndex?: number;
  /** 'mean' (default), 'sum' or 'none' (one loss per position). */
  reduction?: Reduction;
  /** ε in [0, 1]: the target becomes (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
  /** Logarithm base of the loss: Math.E (nats, default, as PyTorch) or 2 (bits). */
  base?: number;
  /** PaLM's auxiliary z-loss: adds zLoss·logsumexp(z)² per position (weighted by w_t like the rest) (default 0). */
  zLoss?: number;
  /** Gemma 2's logit soft-capping: logits become softcap·tanh(x / softcap) before the loss (> 0; default none). */
  softcap?: number;
}

export type NllLossOptions = Omit<CrossEntropyOptions, "labelSmoothing" | "zLoss" | "softcap">;

export interface CrossEntropyWithGradOptions extends CrossEntropyOptions {
  /** Write the gradient over the logits buffer (halves memory for large vocabularies); the logits are consumed. */
  inPlace?: boolean;
}

export const kCrossEntropyOptionChecks = {
  dim: optionalDim,
  weight: optionalTensor,
  ignoreIndex: (value: unknown, op: string, name: string) => checkInt32(value, op, name, -100),
  reduction: reductionOption,
  labelSmoothing: checkUnitInterval,
  base: checkLogBase,
  zLoss: checkNonNegative,
  softcap: checkSoftcap,
  encoder: checkEncoder,
} satisfies OptionChecksFor<CrossEntropyOptions>;

const { labelSmoothing: _s, zLoss: _z, softcap: _c, ...nllChecks } = kCrossEntropyOptionChecks;
export const kNllLossOptionChecks = nllChecks satisfies OptionChecksFor<NllLossOptions>;

export const kCrossEntropyWithGradOptionChecks = {
  ...kCrossEntropyOptionChecks,
  inPlace: optionalFlag,
} satisfies OptionChecksFor<CrossEntropyWithGradOptions>;

type CheckedCrossEntropyOptions = CheckedOptions<typeof kCrossEntropyOptionChecks>;

/**
 * The uniforms both cross-entropy passes share: sizes, options, split chunks, then the slice's
 * logits offset, first row, and the offset of the f32 arrays laid out like the logits
 * (probability targets; the gradient) within their bound ranges.
 */
const kPassUniforms = {
  rows: "u32",
  classes: "u32",
  inner: "u32",
  ignore_index: "i32",
  smoothing: "f32",
  // 1 / ln(base): 1 for nats, 1 / ln 2 for bits.
  scale: "f32",
  softcap: "f32",
  z_loss: "f32",
  chunks: "u32",
  chunk_len: "u32",
  x_offset: "u32",
  row_offset: "u32",
  f32_offset: "u32",
} as const;

/** The flags both passes are specialised on. */
const kPassOverrides = {
  ...sharedOverrides("WG", "ROW_THREADS", "HAS_WEIGHT", "VEC4", "DTYPE", "TARGET_UNSIGNED", "IGNORE_INDEX"),
  PROB_TARGET: { kind: "bool", doc: "f32 class-probability targets instead of class indices." },
  SMOOTHING: { kind: "bool" },
  SOFTCAP: { kind: "bool" },
  Z_LOSS: { kind: "bool" },
} as const;

/** The flags of both gradient kernels (ce-grad-row.wgsl). */
const kGradOverrides = {
  ...sharedOverrides("SPAN4_STORE"),
  MEAN: { kind: "bool" },
} as const;
const kRowPassOverrides = {
  ...sharedOverrides("SPAN4", "TWO_PASS", "SUBGROUPS"),
  GAPS: { kind: "derived", type: "bool", expression: "PROB_TARGET || SMOOTHING" },
} as const;

const kLogitsBinding = { type: "array<u32>", access: "read", doc: "The logits' words: f32, or two packed 16-bit values (DTYPE)." } as const;
const kTargetsBinding = { type: "array<u32>", access: "read", doc: "Class indices (i32/u32), or f32 probabilities as bits." } as const;
const kWeightBinding = { type: "array<f32>", access: "read", optional: true } as const;
const kLogits4Binding = { type: "array<vec4<f32>>", access: "read", optional: true } as const;
const kGradBinding = {
  type: "array<f32>",
  access: "read_write",
  optional: true,
  doc: "The gradient (scalar rows, not in place).",
} as const;
const kGrad4Binding = {
  type: "array<vec4<f32>>",
  access: "read_write",
  optional: true,
  doc: "VEC4 and SPAN4_STORE rows: the gradient as vec4s (IN_PLACE: the logits', read and overwritten).",
} as const;

/** What both gradient kernels (ce-grad-row.wgsl) bind beside the logits. */
const kGradBindings = {
  targets: kTargetsBinding,
  weight: kWeightBinding,
  divisor: { type: "array<f32>", access: "read", doc: "The mean's divisor (the reduction, or cross-entropy-labels.wgsl)." },
  grad: kGradBinding,
  out4: kGrad4Binding,
} as const;

export const kCrossEntropyKernel = defineKernel({
  name: "cross-entropy",
  body: crossEntropyWgsl,
  uniforms: kPassUniforms,
  bindings: {
    xw: kLogitsBinding,
    targets: kTargetsBinding,
    weight: kWeightBinding,
    row_loss: { type: "array<f32>", access: "read_write", doc: "Per-position losses (split_partial: chunk states)." },
    row_denom: { type: "array<f32>", access: "read_write", optional: true, doc: "Per-position shares of the mean's denominator." },
    status: { type: "array<atomic<u32>>", access: "read_write", optional: true, doc: "First bad label position (class indices)." },
    row_stats: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "(m, log s, W, 0) per row, for the gradient pass." },
    x4: { ...kLogits4Binding, doc: "The logits as vec4s (VEC4 rows), or split_merge's chunk states." },
  },
  overrides: {
    ...kPassOverrides,
    ...kRowPassOverrides,
    LOG_PROBS: { kind: "bool", doc: "The input holds log-probabilities (nll_loss)." },
    WRITE_ROW_STATS: { kind: "bool" },
  },
  entryPoints: ["main", "split_partial", "split_merge"],
});

export const kCrossEntropyGradKernel = defineKernel({
  name: "cross-entropy-grad",
  body: crossEntropyGradWgsl,
  uniforms: kPassUniforms,
  bindings: {
    xw: { ...kLogitsBinding, access: "read_write", optional: true, doc: "The logits' words; IN_PLACE (f32 only) overwrites them." },
    row_stats: { type: "array<vec4<f32>>", access: "read", doc: "(m, log s, W, 0) per row from the row pass." },
    ...kGradBindings,
    x4: { ...kLogits4Binding, doc: "VEC4 rows, f32, not in place: the logits as vec4s." },
  },
  overrides: {
    ...kPassOverrides,
    ...kGradOverrides,
    IN_PLACE: { kind: "bool" },
    LOG_PROBS: { kind: "bool", doc: "nll_loss's gradient: −w_t at the target, 0 elsewhere (the input is not read)." },
  },
  entryPoints: ["main", "split"],
});

/** crossEntropyWithGrad fused: each row's statistics, loss and gradient in one pass (cross-entropy-with-grad.wgsl). */
export const kCrossEntropyWithGradKernel = defineKernel({
  name: "cross-entropy-with-grad",
  body: crossEntropyWithGradWgsl,
  uniforms: kPassUniforms,
  bindings: {
    xw: { ...kLogitsBinding, optional: true, doc: "The logits' words (not bound in place)." },
    row_loss: { type: "array<f32>", access: "read_write", doc: "Per-position losses." },
    ...kGradBindings,
    x4: { ...kLogits4Binding, doc: "f32 VEC4 and SPAN4 rows, not in place: the logits as vec4s." },
  },
  overrides: {
    ...kPassOverrides,
    ...kRowPassOverrides,
    ...kGradOverrides,
    IN_PLACE: { kind: "bool", doc: "f32 VEC4 or SPAN4_STORE rows: the gradient over the logits." },
    LOG_PROBS: { kind: "derived", type: "bool", expression: "false", doc: "nll_loss keeps the three passes." },
  },
});

/** The fused gradient's pre-pass over the labels: the mean's divisor and the label check (cross-entropy-labels.wgsl). */
export const kCrossEntropyLabelsKernel = defineKernel({
  name: "cross-entropy-labels",
  body: crossEntropyLabelsWgsl,
  uniforms: { rows: "u32", classes: "u32", ignore_index: "i32" },
  bindings: {
    targets: kTargetsBinding,
    weight: kWeightBinding,
    status: { type: "array<u32>", access: "read_write", optional: true, doc: "[first bad position, its label] (label-check.ts)." },
    divisor: { type: "array<f32>", access: "read_write", doc: "Σ of the positions' shares of the mean's denominator." },
  },
  overrides: {
    ...sharedOverrides("WG", "HAS_WEIGHT", "CHECK_LABELS", "TARGET_UNSIGNED", "IGNORE_INDEX"),
    PROB_TARGET: kPassOverrides.PROB_TARGET,
  },
});

interface Checked {
  input: Tensor;
  target: Tensor;
  weight: Tensor | undefined;
  dim: number;
  view: RowView;
  rowShape: number[];
  probTarget: boolean;
  /** undefined: no target is ignored (Keras' sparse loss). */
  ignoreIndex: number | undefined;
  /** What the plans are made from (cross-entropy-plan.ts), before anything is allocated (a refused call leaves nothing behind). */
  shape: CrossEntropyShape;
  /** The forward row pass, planned (its slices: a refused call throws here, before any GPU work). */
  rowPlan: RowOpPlan<"x" | "t">;
  reduction: Reduction;
  smoothing: number;
  base: number;
  zLoss: number;
  softcap: number;
  encoder: GPUCommandEncoder | undefined;
}

function checkArgs(
  ctx: XentContext,
  op: string,
  inputName: string,
  logits: unknown,
  target: unknown,
  o: CheckedCrossEntropyOptions,
  nll: boolean,
  ignoreNothing = false,
): Checked {
  const input = checkTensor(ctx, logits, `${op}: ${inputName}`, kLogitDTypes);
  const rank = input.shape.length;
  if (rank === 0) throw new RangeError(`${op}: ${inputName}: expected rank >= 1 ([C] or [N, C, ...]), got a scalar`);
  const dim = normalizeDim(o.dim ?? (rank >= 2 ? 1 : 0), rank, `${op}: dim`);
  if (input.shape[dim] === 0) throw new RangeError(`${op}: ${inputName}: the class dimension ${dim} has size 0`);
  const tgt = checkTensor(ctx, target, `${op}: target`, nll ? ["i32", "u32"] : ["i32", "u32", "f32"]);
  const probTarget = tgt.dtype === "f32";
  const rowShape = input.shape.filter((_, d) => d !== dim);
  if (probTarget) {
    if (!sameShape(tgt.shape, input.shape)) {
      throw new RangeError(
        `${op}: target: probability targets (f32) must have the ${inputName} shape ${formatShape(input.shape)}, got ${formatShape(tgt.shape)}`,
      );
    }
  } else if (!sameShape(tgt.shape, rowShape)) {
    throw new RangeError(
      `${op}: target: class indices must have the ${inputName} shape without dim ${dim}, ${formatShape(rowShape)}, got ${formatShape(tgt.shape)}`,
    );
  }
  let weight: Tensor | undefined;
  if (o.weight !== undefined) {
    weight = checkTensor(ctx, o.weight, `${op}: weight`, ["f32"]);
    const classes = input.shape[dim] ?? 0;
    if (weight.shape.length !== 1 || weight.shape[0] !== classes) {
      throw new RangeError(`${op}: weight: expected shape [${classes}] (one weight per class), got ${formatShape(weight.shape)}`);
    }
  }
  const ignoreIndex = ignoreNothing ? undefined : o.ignoreIndex;
  if (probTarget && ignoreIndex !== undefined && ignoreIndex >= 0) {
    throw new RangeError(`${op}: ignoreIndex: not supported with probability targets (got ${ignoreIndex}), as in PyTorch`);
  }
  const checked: Omit<Checked, "shape" | "rowPlan"> = {
    input,
    target: tgt,
    weight,
    dim,
    view: rowView(input.shape, dim),
    rowShape,
    probTarget,
    ignoreIndex,
    reduction: o.reduction,
    smoothing: o.labelSmoothing,
    base: o.base,
    zLoss: o.zLoss,
    softcap: o.softcap,
    encoder: o.encoder,
  };
  checkRowArrays(op, checked.view.rows, 4, "their per-row arrays (class indices, losses)", ctx.maxBindingBytes);
  const shape: CrossEntropyShape = {
    op,
    view: checked.view,
    logits: { bufferSize: input.buffer.size, bytesPerElement: kBytesPerElement[input.dtype] },
    logitsDType: input.dtype,
    probabilityTargets: probTarget ? tgt.buffer.size : undefined,
    smoothing: o.labelSmoothing > 0,
    logProbs: nll,
  };
  return { ...checked, shape, rowPlan: planCrossEntropyRows(shape, planDevice(ctx)) };
}

/** The device's side of the plans. */
function planDevice(ctx: XentContext): PlanDevice {
  return { limits: ctx.device.limits, adapter: ctx.adapterKind, maxBindingBytes: ctx.maxBindingBytes };
}

function inputsOf(a: Checked): Tensor[] {
  return a.weight ? [a.input, a.target, a.weight] : [a.input, a.target];
}

/** The flags both passes are specialised on. */
function variant(a: Checked) {
  return {
    PROB_TARGET: a.probTarget,
    HAS_WEIGHT: a.weight !== undefined,
    SMOOTHING: a.smoothing > 0,
    TARGET_UNSIGNED: a.target.dtype === "u32",
    IGNORE_INDEX: a.ignoreIndex !== undefined,
    SOFTCAP: a.softcap > 0,
    Z_LOSS: a.zLoss > 0,
    DTYPE: a.input.dtype as LogitDType,
  };
}

/** The uniforms both passes share for `rows` rows of a slice (see kPassUniforms). */
function passUniforms(
  a: Checked,
  rows: number,
  split: SplitPlan | undefined,
  logitsOffset: number,
  firstRow: number,
  f32Offset: number,
): UniformValues<typeof kPassUniforms> {
  return {
    rows,
    classes: a.view.classes,
    inner: a.view.inner,
    ignore_index: a.ignoreIndex ?? 0,
    smoothing: a.smoothing,
    scale: 1 / Math.log(a.base),
    softcap: a.softcap,
    z_loss: a.zLoss,
    chunks: split?.chunks ?? 1,
    chunk_len: split?.chunkLength ?? a.view.classes,
    x_offset: logitsOffset,
    row_offset: firstRow,
    f32_offset: f32Offset,
  };
}

/** Records the row pass (plan: planCrossEntropyRows): per-position losses and mean denominators (and (m, log s, W) per row for the gradient). */
function recordRows(
  ctx: XentContext,
  rec: Recording,
  a: Checked,
  plan: RowOpPlan<"x" | "t">,
  logProbs: boolean,
  loss: GPUBuffer,
  denom: GPUBuffer | undefined,
  check: LabelCheck | undefined,
  rowStats?: GPUBuffer,
): void {
  const { split, x4 } = plan;
  const constants = {
    LOG_PROBS: logProbs,
    WRITE_ROW_STATS: !!rowStats,
    TWO_PASS: ctx.adapterKind === "cpu",
    VEC4: plan.vec4,
    SPAN4: plan.span4,
    ...variant(a),
  };
  // `logits` and probability targets may be slices' byte ranges.
  const bindings = (logits: Bindable, targets: Bindable = a.target.buffer) => ({
    xw: logits,
    targets,
    ...(denom ? { row_denom: denom } : {}),
    ...(a.weight ? { weight: a.weight.buffer } : {}),
    ...(check ? { status: check.buffer } : {}),
    ...(rowStats ? { row_stats: rowStats } : {}),
  });
  if (split) {
    // One workgroup per (row, chunk) writes chunk states; a thread per row merges and finishes.
    const partials = rec.temporary(a.view.rows * split.chunks * 16, "chunk-states");
    const uniforms = passUniforms(a, a.view.rows, split, 0, 0, 0);
    rec.dispatch(kCrossEntropyKernel, {
      entryPoint: "split_partial",
      constants: { ...constants, WG: split.workgroupSize, ROW_THREADS: split.workgroupSize },
      uniforms,
      bindings: { ...bindings(a.input.buffer), row_loss: partials, ...(x4 ? { x4: a.input.buffer } : {}) },
      workgroups: a.view.rows * split.chunks,
      subgroups: subgroupMerges(ctx, split.workgroupSize),
    });
    rec.dispatch(kCrossEntropyKernel, {
      entryPoint: "split_merge",
      constants: { ...constants, WG: 64, ROW_THREADS: 1, VEC4: false, SPAN4: false },
      uniforms,
      bindings: { ...bindings(a.input.buffer), row_loss: loss, x4: partials },
      workgroups: Math.ceil(a.view.rows / 64),
    });
    return;
  }
  const subgroups = subgroupMerges(ctx, plan.rows.rowThreads);
  const rowsPerGroup = plan.rows.workgroupSize / plan.rows.rowThreads;
  for (const slice of plan.slices) {
    const range = bindRange(a.input.buffer, slice.ranges.x);
    // f32 probability targets of 16-bit logits sit at their own offset for the same rows.
    const targets = a.probTarget ? bindRange(a.target.buffer, slice.ranges.t) : a.target.buffer;
    rec.dispatch(kCrossEntropyKernel, {
      constants: { ...constants, WG: plan.rows.workgroupSize, ROW_THREADS: plan.rows.rowThreads },
      uniforms: passUniforms(a, slice.rows, undefined, slice.offsets.x, slice.firstRow, a.probTarget ? slice.offsets.t : slice.offsets.x),
      bindings: { ...bindings(range, targets), row_loss: loss, ...(x4 ? { x4: range } : {}) },
      workgroups: Math.ceil(slice.rows / rowsPerGroup),
      subgroups,
    });
  }
}

function labelCheck(ctx: XentContext, op: string, a: Checked): LabelCheck | undefined {
  return a.probTarget ? undefined : new LabelCheck(ctx.device, op, a.target, a.view.classes, a.ignoreIndex, !a.encoder);
}

function run(ctx: XentContext, op: string, a: Checked, logProbs: boolean): Tensor<"f32"> {
  const plan = a.rowPlan;
  const check = labelCheck(ctx, op, a);
  return runLoss(ctx, {
    op,
    encoder: a.encoder,
    reduction: a.reduction,
    shape: a.rowShape,
    count: a.view.rows,
    mean: "mean-by-denominator",
    labels: check ? { target: a.target, check } : undefined,
    inputs: inputsOf(a),
    record: (rec, loss, denom) => recordRows(ctx, rec, a, plan, logProbs, loss, denom, check),
  });
}

/**
 * PyTorch's cross_entropy. Class indices t: ℓ = w_t·(logsumexp(x) − x_t) (label smoothing ε:
 * (1 − ε)·ℓ + ε/C·Σ_c w_c·(logsumexp(x) − x_c)); probability targets p: ℓ = −Σ_c w_c·p_c·log softmax(x)_c.
 * 'mean' divides by Σ w_t over non-ignored positions (class indices) or by the number of positions (probabilities).
 * @op
 */
export function crossEntropy(
  ctx: XentContext,
  logits: Tensor,
  target: Tensor,
  options?: CrossEntropyOptions,
  internal: { ignoreNothing?: boolean } = {},
): Tensor<"f32"> {
  const op = "crossEntropy";
  const o = checkOpOptions(options, op, kCrossEntropyOptionChecks);
  return run(ctx, op, checkArgs(ctx, op, "logits", logits, target, o, false, internal.ignoreNothing), false);
}

/**
 * PyTorch's nll_loss: ℓ = −w_t·logp_t; 'mean' divides by Σ w_t over non-ignored positions.
 * @op
 */
export function nllLoss(ctx: XentContext, logProbs: Tensor, target: Tensor, options?: NllLossOptions): Tensor<"f32"> {
  const op = "nllLoss";
  const o = checkOpOptions(options, op, kNllLossOptionChecks);
  return run(ctx, op, checkArgs(ctx, op, "logProbs", logProbs, target, { ...o, labelSmoothing: 0, zLoss: 0, softcap: 0 }, true), true);
}

/**
 * The cross-entropy loss and d(loss)/d(logits) in one fused GPU pass after the row statistics,
 * scaled as PyTorch autograd scales it for the reduction ('none': the gradient of Σ ℓ_i). Takes
 * every crossEntropy option, `zLoss`, `softcap`, and `inPlace` (the gradient overwrites the logits).
 * @op
 */
export function crossEntropyWithGrad(
  ctx: XentContext,
  logits: Tensor,
  target: Tensor,
  options?: CrossEntropyWithGradOptions,
  internal: { ignoreNothing?: boolean; op?: string } = {},
): LossAndGrad {
  const op = internal.op ?? "crossEntropyWithGrad";
  const { inPlace, ...o } = checkOpOptions(options, op, kCrossEntropyWithGradOptionChecks);
  return recordWithGrad(ctx, op, checkArgs(ctx, op, "logits", logits, target, o, false, internal.ignoreNothing), inPlace, false);
}

/**
 * nllLoss and d/d(logProbs): −w_t at each target class, 0 elsewhere, / Σ w_t for 'mean'.
 * @op
 */
export function nllLossWithGrad(ctx: XentContext, logProbs: Tensor, target: Tensor, options?: NllLossOptions): LossAndGrad {
  const op = "nllLossWithGrad";
  const o = checkOpOptions(options, op, kNllLossOptionChecks);
  const a = checkArgs(ctx, op, "logProbs", logProbs, target, { ...o, labelSmoothing: 0, zLoss: 0, softcap: 0 }, true);
  return recordWithGrad(ctx, op, a, false, true);
}

/**
 * The labels' pre-pass, the fused pass and the reduction; or, where a row's lanes cannot finish it
 * alone (split or sliced rows, nll_loss, scalar rows in place), the row pass (loss, statistics),
 * the reduction, then the gradient pass.
 */
function recordWithGrad(ctx: XentContext, op: string, a: Checked, inPlace: boolean, logProbs: boolean): LossAndGrad {
  // A gradient pass may bind the logits writable (in place; the three passes' scalar rows), and
  // WebGPU refuses a buffer bound writable and read in one dispatch: no other input may share
  // their buffer, refused on every path so that whether a call works never depends on its shape.
  for (const [name, t] of [
    ["target", a.target],
    ["weight", a.weight],
  ] as const)
    if (t?.buffer === a.input.buffer)
      throw new RangeError(`${op}: ${name}: cannot share the logits' GPUBuffer (the gradient pass writes through the logits' binding)`);
  if (inPlace && a.input.dtype !== "f32")
    throw new TypeError(`${op}: inPlace: needs f32 logits (the gradient is f32), got ${a.input.dtype}`);
  checkRowArrays(op, a.view.rows, 16, "their statistics for the gradient", ctx.maxBindingBytes);
  const g = planCrossEntropyGrad({ ...a.shape, inPlace }, planDevice(ctx));
  const { rows: plan, vec4, span4Reads, split } = g;
  const span4 = g.span4Stores;
  const check = labelCheck(ctx, op, a);
  const rows = a.view.rows;
  const none = a.reduction === "none";
  const fused = g.path === "fused";
  const [loss, grad] = recordOp(ctx, op, a.encoder, inputsOf(a), (rec) => {
    const loss = ctx.output(none ? a.rowShape : [], "f32", op, check ? [check] : []);
    const rowLoss = none ? loss.buffer : rec.temporary(rows * 4, "row-loss");
    const divisor = rec.temporary(16, "divisor");
    const grad = inPlace
      ? ctx.alias(a.input.buffer, a.input.shape, "f32", check ? [check] : [])
      : ctx.output(a.input.shape, "f32", `${op}:grad`, check ? [check] : []);
    if (fused) {
      recordFused(ctx, rec, a, { plan, inPlace, vec4, span4Reads, span4, check, rowLoss, divisor, grad: grad.buffer });
      if (!none) {
        const mean = a.reduction === "mean";
        recordReduce(ctx, rec, {
          loss: rowLoss,
          denom: mean ? divisor : undefined,
          count: rows,
          mode: mean ? "mean-by-divisor" : "sum",
          out: loss,
        });
      }
      return [loss, grad] as const;
    }
    const denom = rec.temporary(rows * 4, "row-denominator");
    const rowStats = rec.temporary(rows * 16, "row-stats");
    recordRows(ctx, rec, a, g.rowPass, logProbs, rowLoss, denom, check, rowStats);
    const labels = check ? { target: a.target, check } : undefined;
    if (none) {
      if (labels) recordLabelStatus(rec, labels);
    } else {
      recordReduce(ctx, rec, {
        loss: rowLoss,
        denom,
        count: rows,
        mode: a.reduction === "sum" ? "sum" : "mean-by-denominator",
        out: loss,
        divisorOut: divisor,
        labels,
      });
    }
    const constants = {
      WG: split ? split.workgroupSize : plan.workgroupSize,
      ROW_THREADS: split ? split.workgroupSize : plan.rowThreads,
      MEAN: a.reduction === "mean",
      IN_PLACE: inPlace,
      LOG_PROBS: logProbs,
      VEC4: vec4,
      SPAN4_STORE: span4,
      ...variant(a),
    };
    const half = a.input.dtype !== "f32";
    for (const slice of g.slices) {
      // The logits' views take the logits' range; the gradient's and f32 probability targets' take
      // the gradient-layout range.
      const logits = bindRange(a.input.buffer, slice.ranges.x);
      const gradRange = bindRange(grad.buffer, slice.ranges.grad);
      rec.dispatch(kCrossEntropyGradKernel, {
        entryPoint: split ? "split" : "main",
        constants,
        uniforms: passUniforms(a, slice.rows, split, slice.offsets.x, slice.firstRow, slice.offsets.grad),
        bindings: {
          ...gradViews(vec4 || span4, half, inPlace, logits, gradRange),
          targets: a.probTarget ? bindRange(a.target.buffer, slice.ranges.t) : a.target.buffer,
          ...(a.weight ? { weight: a.weight.buffer } : {}),
          row_stats: rowStats,
          divisor,
        },
        workgroups: split ? rows * split.chunks : Math.ceil(slice.rows / (plan.workgroupSize / plan.rowThreads)),
      });
    }
    return [loss, grad] as const;
  });
  return { loss, grad };
}

/**
 * Which views a gradient kernel reads and writes (one buffer may be bound writable once per
 * dispatch): VEC4 and SPAN4 stores go through out4 (the gradient, or in place the logits) and read
 * f32 logits through x4, 16-bit ones through the word view xw; scalar rows use xw and grad (in
 * place: xw alone, cross-entropy-grad.wgsl only).
 */
function gradViews(
  vec4Stores: boolean,
  half: boolean,
  inPlace: boolean,
  logits: Bindable,
  grad: Bindable,
): { xw?: Bindable; grad?: Bindable; out4?: Bindable; x4?: Bindable } {
  if (vec4Stores) return half ? { xw: logits, out4: grad } : inPlace ? { out4: logits } : { out4: grad, x4: logits };
  return inPlace ? { xw: logits } : { xw: logits, grad };
}

interface FusedGrad {
  plan: RowPlan;
  inPlace: boolean;
  vec4: boolean;
  span4Reads: boolean;
  /** SPAN4 stores (span4Stores). */
  span4: boolean;
  check: LabelCheck | undefined;
  rowLoss: GPUBuffer;
  divisor: GPUBuffer;
  grad: GPUBuffer;
}

/**
 * crossEntropyWithGrad's fused recording: the labels' pre-pass (the mean's divisor, the label
 * check) where there is one to do, then one pass writing each row's loss and gradient.
 */
function recordFused(ctx: XentContext, rec: Recording, a: Checked, f: FusedGrad): void {
  const mean = a.reduction === "mean";
  const v = variant(a);
  if (mean || f.check) {
    rec.dispatch(kCrossEntropyLabelsKernel, {
      constants: {
        WG: reduceWorkgroupSize(ctx.adapterKind),
        PROB_TARGET: v.PROB_TARGET,
        HAS_WEIGHT: v.HAS_WEIGHT,
        TARGET_UNSIGNED: v.TARGET_UNSIGNED,
        IGNORE_INDEX: v.IGNORE_INDEX,
        CHECK_LABELS: !!f.check,
      },
      uniforms: { rows: a.view.rows, classes: a.view.classes, ignore_index: a.ignoreIndex ?? 0 },
      bindings: {
        targets: a.target.buffer,
        ...(a.weight ? { weight: a.weight.buffer } : {}),
        ...(f.check ? { status: f.check.buffer } : {}),
        divisor: f.divisor,
      },
      workgroups: 1,
    });
  }
  // Not in place, the logits are read through xw as well (scalar reads, the target's logit).
  const views = gradViews(f.vec4 || f.span4, a.input.dtype !== "f32", f.inPlace, a.input.buffer, f.grad);
  const x4 = !f.inPlace && readsVec4View(f.vec4, f.span4Reads, a.input.dtype);
  rec.dispatch(kCrossEntropyWithGradKernel, {
    constants: {
      ...v,
      WG: f.plan.workgroupSize,
      ROW_THREADS: f.plan.rowThreads,
      TWO_PASS: ctx.adapterKind === "cpu",
      VEC4: f.vec4,
      SPAN4: f.span4Reads,
      SPAN4_STORE: f.span4,
      MEAN: mean,
      IN_PLACE: f.inPlace,
    },
    uniforms: passUniforms(a, a.view.rows, undefined, 0, 0, 0),
    bindings: {
      ...views,
      ...(f.inPlace ? {} : { xw: a.input.buffer }),
      ...(x4 ? { x4: a.input.buffer } : {}),
      targets: a.target.buffer,
      ...(a.weight ? { weight: a.weight.buffer } : {}),
      row_loss: f.rowLoss,
      divisor: f.divisor,
    },
    workgroups: Math.ceil(a.view.rows / (f.plan.workgroupSize / f.plan.rowThreads)),
    subgroups: subgroupMerges(ctx, f.plan.rowThreads),
  });
}
