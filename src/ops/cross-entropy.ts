/**
 * crossEntropy, nllLoss and crossEntropyWithGrad: PyTorch's cross_entropy / nll_loss on the GPU,
 * one pass over each row, plus an elementwise gradient pass for training.
 */
import {
  checkEncoder,
  checkKnownOptions,
  checkOptions,
  checkTensor,
  finishRecording,
  rowKernel,
  startRecording,
  type RecordOptions,
  type XentContext,
} from "../context.js";
import type { Recording, UniformField } from "../kernel.js";
import { kCrossEntropyGradKernel, kCrossEntropyKernels } from "../kernels.js";
import { kBytesPerElement, kLogitDTypeCode, kLogitDTypes } from "../dtype.js";
import { bindSlice, planBindingSlices, sliceIn, type BindingSlice } from "../binding-slices.js";
import { LabelCheck } from "../label-check.js";
import { planRows, planSplit, vec4Rows, type RowPlan, type SplitPlan } from "../row-plan.js";
import { describe, formatShape, normalizeDim, rowView, sameShape, type RowView } from "../shape.js";
import type { Tensor } from "../tensor.js";
import {
  checkBoolean,
  checkInt32,
  checkLogBase,
  checkReduction,
  checkUnitInterval,
  recordLabelStatus,
  recordReduce,
  runLoss,
  type Reduction,
} from "./loss-common.js";

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

/** The loss (as `crossEntropy` returns it) and d(loss)/d(logits), shaped like the logits. */
export interface LossAndGrad {
  loss: Tensor<"f32">;
  grad: Tensor<"f32">;
}

const kCrossEntropyOptions = [
  "dim",
  "weight",
  "ignoreIndex",
  "reduction",
  "labelSmoothing",
  "base",
  "zLoss",
  "softcap",
  "encoder",
] as const;
const kNllOptions = ["dim", "weight", "ignoreIndex", "reduction", "base", "encoder"] as const;

interface Checked {
  input: Tensor;
  target: Tensor;
  weight: Tensor | undefined;
  dim: number;
  view: RowView;
  rowShape: number[];
  probTarget: boolean;
  ignoreIndex: number;
  reduction: Reduction;
  smoothing: number;
  base: number;
  zLoss: number;
  softcap: number;
  encoder: GPUCommandEncoder | undefined;
}

function checkNonNegative(value: unknown, op: string, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: ${name}: expected a number >= 0, got ${describe(value)}`);
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${op}: ${name}: expected a finite number >= 0, got ${value}`);
  return value;
}

function checkSoftcap(value: unknown, op: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`${op}: softcap: expected a number > 0, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${op}: softcap: expected a finite number > 0, got ${value}`);
  return value;
}

function checkArgs(
  ctx: XentContext,
  op: string,
  inputName: string,
  logits: unknown,
  target: unknown,
  opts: Record<string, unknown>,
  nll: boolean,
): Checked {
  const input = checkTensor(ctx, logits, `${op}: ${inputName}`, kLogitDTypes);
  const rank = input.shape.length;
  if (rank === 0) throw new RangeError(`${op}: ${inputName}: expected rank >= 1 ([C] or [N, C, ...]), got a scalar`);
  const dim = normalizeDim(opts.dim ?? (rank >= 2 ? 1 : 0), rank, `${op}: dim`);
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
  if (opts.weight !== undefined) {
    weight = checkTensor(ctx, opts.weight, `${op}: weight`, ["f32"]);
    const classes = input.shape[dim] ?? 0;
    if (weight.shape.length !== 1 || weight.shape[0] !== classes) {
      throw new RangeError(`${op}: weight: expected shape [${classes}] (one weight per class), got ${formatShape(weight.shape)}`);
    }
  }
  const ignoreIndex = checkInt32(opts.ignoreIndex, op, "ignoreIndex", -100);
  if (probTarget && ignoreIndex >= 0) {
    throw new RangeError(`${op}: ignoreIndex: not supported with probability targets (got ${ignoreIndex}), as in PyTorch`);
  }
  return {
    input,
    target: tgt,
    weight,
    dim,
    view: rowView(input.shape, dim),
    rowShape,
    probTarget,
    ignoreIndex,
    reduction: checkReduction(opts.reduction, op),
    smoothing: checkUnitInterval(opts.labelSmoothing, op, "labelSmoothing"),
    base: checkLogBase(opts.base, op),
    zLoss: checkNonNegative(opts.zLoss, op, "zLoss"),
    softcap: checkSoftcap(opts.softcap, op),
    encoder: checkEncoder(opts.encoder, op),
  };
}

function inputsOf(a: Checked): Tensor[] {
  return a.weight ? [a.input, a.target, a.weight] : [a.input, a.target];
}

/** The flags both passes are specialised on. */
function variant(a: Checked): Record<string, boolean | number> {
  return {
    PROB_TARGET: a.probTarget,
    HAS_WEIGHT: a.weight !== undefined,
    SMOOTHING: a.smoothing > 0,
    TARGET_UNSIGNED: a.target.dtype === "u32",
    SOFTCAP: a.softcap > 0,
    Z_LOSS: a.zLoss > 0,
    DTYPE: kLogitDTypeCode[a.input.dtype] as number,
  };
}

/**
 * The Params both cross-entropy passes share (cross-entropy.wgsl, cross-entropy-grad.wgsl):
 * sizes, options, split chunks, then the slice's logits offset, first row, and the offset of the
 * f32 arrays laid out like the logits (probability targets; the gradient).
 */
function passUniforms(
  a: Checked,
  rows: number,
  split: SplitPlan | undefined,
  logitsOffset: number,
  firstRow: number,
  f32Offset: number,
): UniformField[] {
  return [
    ["u32", rows],
    ["u32", a.view.classes],
    ["u32", a.view.inner],
    ["i32", a.ignoreIndex],
    ["f32", a.smoothing],
    ["f32", 1 / Math.log(a.base)],
    ["f32", a.softcap],
    ["f32", a.zLoss],
    ["u32", split?.chunks ?? 1],
    ["u32", split?.chunkLength ?? a.view.classes],
    ["u32", logitsOffset],
    ["u32", firstRow],
    ["u32", f32Offset],
  ];
}

/** Records the row pass: per-position losses and mean denominators (and (lse, W) per row for the gradient). */
function recordRows(
  ctx: XentContext,
  rec: Recording,
  a: Checked,
  plan: RowPlan,
  logProbs: boolean,
  loss: GPUBuffer,
  denom: GPUBuffer,
  check: LabelCheck | undefined,
  rowStats?: GPUBuffer,
): void {
  const slices = logitSlices(ctx, a);
  const split = logProbs || slices.length > 1 ? undefined : planSplit(a.view, ctx.device.limits, ctx.adapterKind);
  // The vec4 path keeps only the online state (no gaps): class indices without smoothing.
  const vec4 = !logProbs && vec4Rows(a.view) && !a.probTarget && a.smoothing === 0;
  const uniforms = (rows: number, elementOffset: number, firstRow: number, targetOffset = elementOffset): UniformField[] =>
    passUniforms(a, rows, split, elementOffset, firstRow, targetOffset);
  const constants = { LOG_PROBS: logProbs, WRITE_ROW_STATS: !!rowStats, TWO_PASS: ctx.adapterKind === "cpu", ...variant(a) };
  // Bindings a variant never touches get a read-only alias (weight) or a scratch buffer.
  // `logits` and probability targets may be slices' byte ranges.
  const buffers = (
    rowLoss: GPUBuffer,
    logits: GPUBuffer | GPUBufferBinding,
    logits4: GPUBuffer | GPUBufferBinding,
    targets: GPUBuffer | GPUBufferBinding = a.target.buffer,
  ): (GPUBuffer | GPUBufferBinding)[] => [
    logits,
    targets,
    // (an absent weight gets a small placeholder: the logits may be too large to bind whole)
    a.weight?.buffer ?? ctx.scratch(0),
    rowLoss,
    denom,
    check?.buffer ?? ctx.scratch(1),
    rowStats ?? ctx.scratch(2),
    logits4,
  ];
  if (split) {
    // One workgroup per (row, chunk) writes chunk states; a thread per row merges and finishes.
    const partials = rec.temporary(a.view.rows * split.chunks * 16, "chunk-states");
    const chunkKernel = rowKernel(ctx, kCrossEntropyKernels, split.workgroupSize);
    rec.dispatch({
      kernel: chunkKernel.kernel,
      constants: {
        ...constants,
        WG: split.workgroupSize,
        ROW_THREADS: split.workgroupSize,
        SPLIT: 1,
        VEC4: vec4,
        SUBGROUPS: chunkKernel.subgroups,
      },
      uniforms: uniforms(a.view.rows, 0, 0),
      buffers: buffers(partials, a.input.buffer, a.input.buffer),
      workgroups: a.view.rows * split.chunks,
    });
    rec.dispatch({
      kernel: kCrossEntropyKernels.plain,
      constants: { ...constants, WG: 64, ROW_THREADS: 1, SPLIT: 2, VEC4: false },
      uniforms: uniforms(a.view.rows, 0, 0),
      buffers: buffers(loss, a.input.buffer, partials),
      workgroups: Math.ceil(a.view.rows / 64),
    });
    return;
  }
  const { kernel, subgroups } = rowKernel(ctx, kCrossEntropyKernels, plan.rowThreads);
  const rowsPerGroup = plan.workgroupSize / plan.rowThreads;
  for (const slice of slices) {
    const sliced = slices.length > 1;
    const range = bindSlice(a.input.buffer, sliced ? slice : undefined);
    // f32 probability targets of 16-bit logits sit at their own offset for the same rows.
    const tSlice = sliceIn(a.view, slice, 4, ctx.device.limits.minStorageBufferOffsetAlignment, a.target.buffer.size);
    const targets = bindSlice(a.target.buffer, sliced && a.probTarget ? tSlice : undefined);
    rec.dispatch({
      kernel,
      constants: { ...constants, WG: plan.workgroupSize, ROW_THREADS: plan.rowThreads, VEC4: vec4, SUBGROUPS: subgroups },
      uniforms: uniforms(
        slice.rows,
        slice.elementOffset,
        slice.firstRow,
        sliced && a.probTarget ? tSlice.elementOffset : slice.elementOffset,
      ),
      buffers: buffers(loss, range, range, targets),
      workgroups: Math.ceil(slice.rows / rowsPerGroup),
    });
  }
}

/** The logits in binding-sized slices (one slice when they fit); see binding-slices.ts. */
function logitSlices(ctx: XentContext, a: Checked): BindingSlice[] {
  const alignment = ctx.device.limits.minStorageBufferOffsetAlignment;
  if (a.probTarget && a.input.dtype !== "f32") {
    // f32 probability targets are twice the size of 16-bit logits: plan on them, follow with the logits.
    const planned = planBindingSlices(a.view, 4, ctx.maxBindingBytes, alignment, a.target.buffer.size, "probability targets");
    return planned.length === 1
      ? planned
      : planned.map((sl) => sliceIn(a.view, sl, kBytesPerElement[a.input.dtype], alignment, a.input.buffer.size));
  }
  return planBindingSlices(a.view, kBytesPerElement[a.input.dtype], ctx.maxBindingBytes, alignment, a.input.buffer.size, "logits");
}

function labelCheck(ctx: XentContext, op: string, a: Checked): LabelCheck | undefined {
  return a.probTarget ? undefined : new LabelCheck(ctx.device, op, a.target.shape, a.view.classes, a.ignoreIndex, !a.encoder);
}

function run(ctx: XentContext, op: string, a: Checked, logProbs: boolean): Tensor<"f32"> {
  const plan = logProbs
    ? { workgroupSize: 64, rowThreads: 1, workgroups: Math.ceil(a.view.rows / 64) }
    : planRows(a.view, ctx.device.limits, ctx.adapterKind);
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
 * PyTorch's cross_entropy. Class indices t: ℓ = w_t·(logsumexp(x) − x_t), smoothed as
 * (1 − ε)·ℓ + ε/C·Σ_c w_c·(logsumexp(x) − x_c); 'mean' divides by Σ w_t over non-ignored positions.
 * Probability targets p: ℓ = −Σ_c w_c·p_c·log softmax(x)_c; 'mean' divides by the number of positions.
 */
export function crossEntropy(ctx: XentContext, logits: unknown, target: unknown, options?: CrossEntropyOptions): Tensor<"f32"> {
  const op = "crossEntropy";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, kCrossEntropyOptions, op);
  return run(ctx, op, checkArgs(ctx, op, "logits", logits, target, opts, false), false);
}

/** PyTorch's nll_loss on log-probabilities: ℓ = −w_t·logp_t; 'mean' divides by Σ w_t over non-ignored positions. */
export function nllLoss(ctx: XentContext, logProbs: unknown, target: unknown, options?: NllLossOptions): Tensor<"f32"> {
  const op = "nllLoss";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, kNllOptions, op);
  return run(ctx, op, checkArgs(ctx, op, "logProbs", logProbs, target, opts, true), true);
}

/**
 * The cross-entropy loss and its gradient d(loss)/d(logits), scaled as PyTorch autograd scales
 * it for the reduction ('mean': divided by the same denominator; 'none': the gradient of Σ ℓ_i).
 * One row pass (statistics and loss), then one elementwise pass that reads the logits again and
 * writes the gradient: g = (1 − ε)·w_t·(p − onehot) + ε/C·(W·p − w) + 2·zLoss·w_t·lse·p, through
 * the softcap's tanh. Ignored positions get a zero gradient.
 */
export function crossEntropyWithGrad(
  ctx: XentContext,
  logits: unknown,
  target: unknown,
  options?: CrossEntropyWithGradOptions,
): LossAndGrad {
  const op = "crossEntropyWithGrad";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, [...kCrossEntropyOptions, "inPlace"], op);
  const a = checkArgs(ctx, op, "logits", logits, target, opts, false);
  const inPlace = checkBoolean(opts.inPlace, op, "inPlace", false);
  if (inPlace && a.input === a.target) throw new RangeError(`${op}: inPlace: the target cannot be the logits tensor`);
  if (inPlace && a.input.dtype !== "f32")
    throw new TypeError(`${op}: inPlace: needs f32 logits (the gradient is f32), got ${a.input.dtype}`);
  const plan = planRows(a.view, ctx.device.limits, ctx.adapterKind);
  const check = labelCheck(ctx, op, a);
  const rows = a.view.rows;
  const rec = startRecording(ctx, op, a.encoder);
  const none = a.reduction === "none";
  const loss = ctx.output(none ? a.rowShape : [], "f32", op, check ? [check] : []);
  const rowLoss = none ? loss.buffer : rec.temporary(rows * 4, "row-loss");
  const denom = rec.temporary(rows * 4, "row-denominator");
  const rowStats = rec.temporary(rows * 8, "row-stats");
  const divisor = rec.temporary(16, "divisor");
  recordRows(ctx, rec, a, plan, false, rowLoss, denom, check, rowStats);
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
  const grad = inPlace
    ? ctx.alias(a.input.buffer, a.input.shape, "f32", check ? [check] : [])
    : ctx.output(a.input.shape, "f32", `${op}:grad`, check ? [check] : []);
  const vec4 = vec4Rows(a.view) && !a.probTarget && a.smoothing === 0;
  const logitsBuffer = a.input.buffer;
  const out = grad.buffer;
  // Each view the variant does not touch gets its own scratch buffer (see cross-entropy-grad.wgsl).
  // VEC4 rows read f32 logits through x4 (in place: io4) and 16-bit ones through the word view.
  const half = a.input.dtype !== "f32";
  const [x, gradScalar, io4, x4] = vec4
    ? half
      ? [logitsBuffer, ctx.scratch(0), out, ctx.scratch(1)]
      : [ctx.scratch(0), ctx.scratch(1), inPlace ? logitsBuffer : out, inPlace ? ctx.scratch(2) : logitsBuffer]
    : [logitsBuffer, inPlace ? ctx.scratch(0) : out, ctx.scratch(1), ctx.scratch(2)];
  // Too large for one binding: slices planned on the f32 gradient (at least as large as the
  // logits); the logits' range for the same rows follows (16-bit logits sit at another offset).
  const alignment = ctx.device.limits.minStorageBufferOffsetAlignment;
  const slices = planBindingSlices(a.view, 4, ctx.maxBindingBytes, alignment, grad.buffer.size, `${op}: gradient`);
  const split = slices.length > 1 ? undefined : planSplit(a.view, ctx.device.limits, ctx.adapterKind);
  const constants = {
    WG: split ? split.workgroupSize : plan.workgroupSize,
    ROW_THREADS: split ? split.workgroupSize : plan.rowThreads,
    CHUNKED: !!split,
    MEAN: a.reduction === "mean",
    IN_PLACE: inPlace,
    VEC4: vec4,
    ...variant(a),
  };
  for (const slice of slices) {
    const sliced = slices.length > 1;
    const xSlice = sliceIn(a.view, slice, kBytesPerElement[a.input.dtype], alignment, logitsBuffer.size);
    // The logits' views take the logits' range; the gradient's and f32 probability targets' take
    // the gradient-layout range. Scratch placeholders stay whole.
    const scratch = [ctx.scratch(0), ctx.scratch(1), ctx.scratch(2)];
    const range = (buffer: GPUBuffer, r: BindingSlice): GPUBuffer | GPUBufferBinding =>
      bindSlice(buffer, sliced && !scratch.includes(buffer) ? r : undefined);
    rec.dispatch({
      kernel: kCrossEntropyGradKernel,
      constants,
      uniforms: passUniforms(a, slice.rows, split, sliced ? xSlice.elementOffset : 0, slice.firstRow, sliced ? slice.elementOffset : 0),
      buffers: [
        range(x, xSlice),
        a.probTarget ? range(a.target.buffer, slice) : a.target.buffer,
        a.weight?.buffer ?? rowStats,
        rowStats,
        divisor,
        range(gradScalar, slice),
        // io4 is the gradient's vec4 view, or the logits' when in place (f32: the same range).
        range(io4, slice),
        range(x4, xSlice),
      ],
      workgroups: split ? rows * split.chunks : Math.ceil(slice.rows / (plan.workgroupSize / plan.rowThreads)),
    });
  }
  finishRecording(rec, [loss, grad], inputsOf(a));
  return { loss, grad };
}
