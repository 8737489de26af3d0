/**
 * linearCrossEntropy and linearCrossEntropyWithGrad: the cross-entropy of the logits
 * hidden · classifierᵀ + bias without ever allocating them ([N, V] floats: 131 MB for 256 tokens
 * of a 128k vocabulary). The forward pass makes the logits one 64 × 64 tile at a time and folds
 * each tile into per-row softmax states (Cut Cross-Entropy's design, merged in a fixed order
 * instead of under a lock); the backward makes them again, one V slab of the gradient G at a time,
 * and turns each slab into its share of the hidden and classifier gradients with the same tiled
 * product. Large classifiers are processed in binding-sized V slices, large batches in row chunks.
 */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, recordOp, type XentContext } from "../context.js";
import type { Recording } from "../recording.js";
import { defineKernel, type Bindable } from "../kernel-descriptor.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { LabelCheck } from "../label-check.js";
import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import {
  checkNonNegative,
  checkOpOptions,
  optionalTensor,
  type CheckedOptions,
  type OptionChecksFor,
  type Reduction,
} from "../option-checks.js";
import { kCrossEntropyOptionChecks, type CrossEntropyOptions } from "./cross-entropy.js";
import { recordLabelStatus, recordReduce } from "./loss-reduction.js";
import { kOperandBindings, kOperandDTypes, kOperandUniforms, kTile, recordColumnSum, recordProduct, type Operand } from "./matmul.js";
import forwardWgsl from "../../shaders/linear-cross-entropy.wgsl?raw";
import mergeWgsl from "../../shaders/linear-cross-entropy-merge.wgsl?raw";
import gradWgsl from "../../shaders/linear-cross-entropy-grad.wgsl?raw";

export interface LinearCrossEntropyOptions extends Omit<CrossEntropyOptions, "dim"> {
  /** The classifier's bias, an f32 tensor of shape [V]: logits = hidden · classifierᵀ + bias. */
  bias?: Tensor;
}

export interface LinearCrossEntropyWithGradOptions extends LinearCrossEntropyOptions {
  /**
   * Cut Cross-Entropy's gradient filtering (default 0: off): a 64 × 64 tile of d(loss)/d(logits)
   * whose every entry is below this in magnitude counts as zero, and its share of the products is
   * skipped (2 ** -28 ≈ CCE's "auto" for f32: float32 eps / 32). Speeds up peaked softmaxes.
   */
  gradFilter?: number;
}

/** linearCrossEntropyWithGrad's result: the loss and the gradients of its inputs, as PyTorch autograd scales them. */
export interface LinearCrossEntropyGrads {
  loss: Tensor<"f32">;
  /** d(loss)/d(hidden), [N, H] f32. */
  gradHidden: Tensor<"f32">;
  /** d(loss)/d(classifier), [V, H] f32. */
  gradClassifier: Tensor<"f32">;
  /** d(loss)/d(bias), [V] f32, when a bias was given. */
  gradBias?: Tensor<"f32">;
}

const { dim: _dim, ...ceChecks } = kCrossEntropyOptionChecks;
export const kLinearCrossEntropyOptionChecks = {
  ...ceChecks,
  bias: optionalTensor,
} satisfies OptionChecksFor<LinearCrossEntropyOptions>;

export const kLinearCrossEntropyWithGradOptionChecks = {
  ...kLinearCrossEntropyOptionChecks,
  gradFilter: checkNonNegative,
} satisfies OptionChecksFor<LinearCrossEntropyWithGradOptions>;

type Checked = CheckedOptions<typeof kLinearCrossEntropyOptionChecks> & { gradFilter?: number };

/** Sizes of the bound row chunk and V slab, the options, and the operands' offsets (kernel conventions in linear-logits.wgsl). */
const kTileUniforms = {
  rows: "u32",
  row_offset: "u32",
  total_rows: "u32",
  classes: "u32",
  slab_classes: "u32",
  class_offset: "u32",
  hidden: "u32",
  row_tiles: "u32",
  class_tiles: "u32",
  tiles_per_group: "u32",
  group_offset: "u32",
  ...kOperandUniforms,
  out_offset: "u32",
  out_stride: "u32",
  // Gradient filtering: where the tile flags follow the G slab, and the threshold.
  flag_offset: "u32",
  grad_filter: "f32",
  ignore_index: "i32",
  smoothing: "f32",
  scale: "f32",
  softcap: "f32",
  z_loss: "f32",
} as const;

const kRowOptions = {
  ...sharedOverrides("HAS_WEIGHT", "TARGET_UNSIGNED", "IGNORE_INDEX"),
  HAS_BIAS: { kind: "bool" },
  SMOOTHING: { kind: "bool" },
  SOFTCAP: { kind: "bool" },
  Z_LOSS: { kind: "bool" },
} as const;

/** The logits' operands: hidden [rows][H] and the classifier slab [V][H] (B read as [N][K]). */
const kTileOverrides = {
  ...kOperandDTypes,
  ...kRowOptions,
  A_KMAJOR: { kind: "derived", type: "bool", expression: "false" },
  B_KMAJOR: { kind: "derived", type: "bool", expression: "false" },
  GAPS: { kind: "derived", type: "bool", expression: "SMOOTHING" },
} as const;

const kTargets = { type: "array<u32>", access: "read", doc: "Class indices (i32, or u32 with TARGET_UNSIGNED)." } as const;
const kWeight = { type: "array<f32>", access: "read", optional: true, doc: "Class weights [V]." } as const;
const kBias = { type: "array<f32>", access: "read", optional: true, doc: "The classifier's bias [V]." } as const;

/** What both tile kernels read: the operands (hidden, classifier), the bias, targets and class weights. */
const kTileInputs = { ...kOperandBindings, bias: kBias, targets: kTargets, weight: kWeight } as const;

export const kLinearCrossEntropyKernel = defineKernel({
  name: "linear-cross-entropy",
  body: forwardWgsl,
  uniforms: kTileUniforms,
  bindings: {
    ...kTileInputs,
    partials: { type: "array<vec4<f32>>", access: "read_write", doc: "One (m, s, W, D) state per (group, row)." },
    target_logit: { type: "array<f32>", access: "read_write", doc: "Each row's target logit (softcapped)." },
  },
  overrides: kTileOverrides,
});

export const kLinearCrossEntropyMergeKernel = defineKernel({
  name: "linear-cross-entropy-merge",
  body: mergeWgsl,
  uniforms: { rows: "u32", classes: "u32", groups_total: "u32", ignore_index: "i32", smoothing: "f32", scale: "f32", z_loss: "f32" },
  bindings: {
    targets: kTargets,
    weight: kWeight,
    partials: { type: "array<vec4<f32>>", access: "read", doc: "The tile pass's states, [group][row]." },
    target_logit: { type: "array<f32>", access: "read" },
    row_loss: { type: "array<f32>", access: "read_write" },
    row_denom: { type: "array<f32>", access: "read_write", doc: "Each row's share of the mean's denominator (w_t)." },
    row_stats: { type: "array<vec4<f32>>", access: "read_write", doc: "(m, log s, W, 0) per row, for the gradient pass." },
    status: { type: "array<atomic<u32>>", access: "read_write", doc: "First bad label position." },
  },
  overrides: { ...kRowOptions, GAPS: { kind: "derived", type: "bool", expression: "SMOOTHING" } },
});

export const kLinearCrossEntropyGradKernel = defineKernel({
  name: "linear-cross-entropy-grad",
  body: gradWgsl,
  uniforms: kTileUniforms,
  bindings: {
    ...kTileInputs,
    row_stats: { type: "array<vec4<f32>>", access: "read", doc: "(m, log s, W, 0) per row from the merge pass." },
    divisor: { type: "array<f32>", access: "read", doc: "The mean's divisor from the reduction." },
    out: { type: "array<f32>", access: "read_write", doc: "The gradient slab G[row][class], row stride out_stride." },
  },
  overrides: { ...kTileOverrides, MEAN: { kind: "bool" } },
  entryPoints: ["main", "main_filtered"],
});

interface Args {
  hidden: Tensor;
  classifier: Tensor;
  target: Tensor;
  bias: Tensor | undefined;
  weight: Tensor | undefined;
  n: number;
  h: number;
  v: number;
  o: Checked;
}

function checkArgs(ctx: XentContext, op: string, hidden: unknown, classifier: unknown, target: unknown, o: Checked): Args {
  const x = checkTensor(ctx, hidden, `${op}: hidden`, kLogitDTypes);
  const w = checkTensor(ctx, classifier, `${op}: classifier`, kLogitDTypes);
  const t = checkTensor(ctx, target, `${op}: target`, ["i32", "u32"]);
  if (x.shape.length !== 2) throw new RangeError(`${op}: hidden: expected shape [N, H], got ${formatShape(x.shape)}`);
  const [n, h] = x.shape as [number, number];
  if (w.shape.length !== 2 || w.shape[1] !== h)
    throw new RangeError(`${op}: classifier: expected shape [V, ${h}] (one row of H = ${h} per class), got ${formatShape(w.shape)}`);
  const v = w.shape[0] as number;
  if (h === 0) throw new RangeError(`${op}: hidden: H is 0`);
  if (v === 0) throw new RangeError(`${op}: classifier: V is 0 (no classes)`);
  if (t.shape.length !== 1 || t.shape[0] !== n)
    throw new RangeError(`${op}: target: expected shape [${n}] (one class index per row), got ${formatShape(t.shape)}`);
  const perClass = (name: string, tensor: Tensor | undefined): Tensor | undefined => {
    if (!tensor) return undefined;
    const c = checkTensor(ctx, tensor, `${op}: ${name}`, ["f32"]);
    if (c.shape.length !== 1 || c.shape[0] !== v)
      throw new RangeError(`${op}: ${name}: expected shape [${v}] (one per class), got ${formatShape(c.shape)}`);
    return c;
  };
  return { hidden: x, classifier: w, target: t, bias: perClass("bias", o.bias), weight: perClass("weight", o.weight), n, h, v, o };
}

/** A run of `count` rows of `rowElements` elements from row `first`, bound from an aligned offset. */
interface RowRange {
  binding: GPUBufferBinding;
  /** Where row `first` starts in the bound range, in elements. */
  offset: number;
}

function rowRange(
  ctx: XentContext,
  buffer: GPUBuffer,
  first: number,
  count: number,
  rowElements: number,
  bytesPerElement: number,
): RowRange {
  const alignment = ctx.device.limits.minStorageBufferOffsetAlignment;
  const start = first * rowElements * bytesPerElement;
  const aligned = Math.floor(start / alignment) * alignment;
  const end = (first + count) * rowElements * bytesPerElement;
  const size = Math.min(buffer.size - aligned, Math.max(16, Math.ceil((end - aligned) / 16) * 16));
  return { binding: { buffer, offset: aligned, size }, offset: (start - aligned) / bytesPerElement };
}

/** How many rows of `rowBytes` (the largest of the tensors sliced alike) one binding holds, from any aligned start. */
function rowsPerBinding(ctx: XentContext, op: string, what: string, rowBytes: number): number {
  const rows = Math.floor((ctx.maxBindingBytes - ctx.device.limits.minStorageBufferOffsetAlignment - 16) / rowBytes);
  if (rows < 1)
    throw new RangeError(
      `${op}: ${what}: one row of ${rowBytes} bytes does not fit this device's maxStorageBufferBindingSize (${ctx.maxBindingBytes} bytes)`,
    );
  return rows;
}

interface Plan {
  /** Rows per chunk (hidden and its gradient bound per chunk). */
  rowChunk: number;
  /** Classes per slab of the forward pass (the classifier bound per slab). */
  slab: number;
  /** Per slab: class tiles per workgroup of the forward pass. */
  tilesPerGroup: number;
  /** Classes per gradient slab, and rows per gradient chunk: G is never larger than gradRows × gradSlab. */
  gradSlab: number;
  gradRows: number;
}

/** The G slab's budget: 1/16 of the [N, V] gradient, between 1 MiB and 64 MiB (and one binding). */
function gradBudget(ctx: XentContext, n: number, v: number): number {
  return Math.min(ctx.maxBindingBytes - 256, Math.max(1 << 20, Math.min(64 << 20, (n * v * 4) / 16)));
}

function plan(ctx: XentContext, op: string, a: Args, withGrad: boolean): Plan {
  const xBytes = a.h * kBytesPerElement[a.hidden.dtype];
  const wBytes = a.h * kBytesPerElement[a.classifier.dtype];
  const rowChunk = Math.min(Math.max(a.n, 1), rowsPerBinding(ctx, op, "hidden", withGrad ? Math.max(xBytes, a.h * 4) : xBytes));
  const slab = Math.min(a.v, rowsPerBinding(ctx, op, "classifier", withGrad ? Math.max(wBytes, a.h * 4) : wBytes));
  const rowTiles = Math.ceil(rowChunk / kTile);
  // Enough workgroups to fill a GPU, few enough states to merge (about 2048 per row chunk's rows).
  const tilesPerGroup = Math.max(1, Math.ceil((rowTiles * Math.ceil(slab / kTile)) / 2048));
  const budget = gradBudget(ctx, a.n, a.v);
  const gradRows = Math.min(rowChunk, Math.max(1, Math.floor(budget / (kTile * 4))));
  const gradSlab = Math.min(slab, Math.max(kTile, Math.floor(budget / (gradRows * 4) / kTile) * kTile));
  return { rowChunk, slab, tilesPerGroup, gradSlab, gradRows };
}

function rowConstants(a: Args) {
  return {
    HAS_WEIGHT: a.weight !== undefined,
    HAS_BIAS: a.bias !== undefined,
    SMOOTHING: a.o.labelSmoothing > 0,
    TARGET_UNSIGNED: a.target.dtype === "u32",
    SOFTCAP: a.o.softcap > 0,
    Z_LOSS: a.o.zLoss > 0,
  };
}

function optionUniforms(a: Args) {
  return {
    ignore_index: a.o.ignoreIndex,
    smoothing: a.o.labelSmoothing,
    scale: 1 / Math.log(a.o.base),
    softcap: a.o.softcap,
    z_loss: a.o.zLoss,
  };
}

function inputsOf(a: Args): Tensor[] {
  return [a.hidden, a.classifier, a.target, ...(a.bias ? [a.bias] : []), ...(a.weight ? [a.weight] : [])];
}

function perClassBindings(a: Args): { bias?: Bindable; weight?: Bindable } {
  return { ...(a.bias ? { bias: a.bias.buffer } : {}), ...(a.weight ? { weight: a.weight.buffer } : {}) };
}

/** Each (row chunk, class slab) pair of `rows` × `classes` in chunks of `rowStep` and slabs of `classStep`, slab-major. */
function* blocks(rows: number, rowStep: number, classes: number, classStep: number) {
  for (let v0 = 0; v0 < classes; v0 += classStep)
    for (let n0 = 0; n0 < rows; n0 += rowStep)
      yield { n0, rows: Math.min(rowStep, rows - n0), v0, classes: Math.min(classStep, classes - v0) };
}

/** The forward pass: tile states, then the merge into per-row losses, denominators and statistics. */
function recordForward(
  ctx: XentContext,
  rec: Recording,
  a: Args,
  p: Plan,
  check: LabelCheck,
  rowLoss: GPUBuffer,
  denom: GPUBuffer,
  rowStats: GPUBuffer,
): void {
  const xDtype = a.hidden.dtype as LogitDType;
  const wDtype = a.classifier.dtype as LogitDType;
  const groupsOf = (classes: number) => Math.ceil(Math.ceil(classes / kTile) / p.tilesPerGroup);
  let groupsTotal = 0;
  for (let v0 = 0; v0 < a.v; v0 += p.slab) groupsTotal += groupsOf(Math.min(p.slab, a.v - v0));
  const partials = rec.temporary(groupsTotal * a.n * 16, "tile-states");
  const targetLogit = rec.temporary(a.n * 4, "target-logits");
  let groupOffset = 0;
  for (let v0 = 0; v0 < a.v; v0 += p.slab) {
    const classes = Math.min(p.slab, a.v - v0);
    const w = rowRange(ctx, a.classifier.buffer, v0, classes, a.h, kBytesPerElement[wDtype]);
    for (let n0 = 0; n0 < a.n; n0 += p.rowChunk) {
      const rows = Math.min(p.rowChunk, a.n - n0);
      const x = rowRange(ctx, a.hidden.buffer, n0, rows, a.h, kBytesPerElement[xDtype]);
      const rowTiles = Math.ceil(rows / kTile);
      rec.dispatch(kLinearCrossEntropyKernel, {
        constants: { A_DTYPE: xDtype, B_DTYPE: wDtype, ...rowConstants(a) },
        uniforms: {
          rows,
          row_offset: n0,
          total_rows: a.n,
          classes: a.v,
          slab_classes: classes,
          class_offset: v0,
          hidden: a.h,
          row_tiles: rowTiles,
          class_tiles: Math.ceil(classes / kTile),
          tiles_per_group: p.tilesPerGroup,
          group_offset: groupOffset,
          a_offset: x.offset,
          a_stride: a.h,
          b_offset: w.offset,
          b_stride: a.h,
          out_offset: 0,
          out_stride: 0,
          flag_offset: 0,
          grad_filter: 0,
          ...optionUniforms(a),
        },
        bindings: { a: x.binding, b: w.binding, targets: a.target.buffer, ...perClassBindings(a), partials, target_logit: targetLogit },
        workgroups: rowTiles * groupsOf(classes),
      });
    }
    groupOffset += groupsOf(classes);
  }
  const { softcap: _s, ...mergeOptions } = optionUniforms(a);
  rec.dispatch(kLinearCrossEntropyMergeKernel, {
    constants: rowConstants(a),
    uniforms: { rows: a.n, classes: a.v, groups_total: groupsTotal, ...mergeOptions },
    bindings: {
      targets: a.target.buffer,
      ...(a.weight ? { weight: a.weight.buffer } : {}),
      partials,
      target_logit: targetLogit,
      row_loss: rowLoss,
      row_denom: denom,
      row_stats: rowStats,
      status: check.buffer,
    },
    workgroups: Math.ceil(a.n / 64),
  });
}

/** The gradient: per (V slab, row chunk), the G slab, then its shares of d/d(classifier), d/d(hidden) and d/d(bias). */
function recordBackward(
  ctx: XentContext,
  rec: Recording,
  a: Args,
  p: Plan,
  rowStats: GPUBuffer,
  divisor: GPUBuffer,
  out: { gradHidden: Tensor; gradClassifier: Tensor; gradBias: Tensor | undefined },
): void {
  const xDtype = a.hidden.dtype as LogitDType;
  const wDtype = a.classifier.dtype as LogitDType;
  const filter = a.o.gradFilter ?? 0;
  // The slab, then (filtering) one flag per 64 × 64 tile of it.
  const slabElements = p.gradRows * p.gradSlab;
  const flags = filter > 0 ? Math.ceil(p.gradRows / kTile) * Math.ceil(p.gradSlab / kTile) : 0;
  const g = rec.temporary((slabElements + flags) * 4, "gradient-slab");
  for (const b of blocks(a.n, p.gradRows, a.v, p.gradSlab)) {
    const x = rowRange(ctx, a.hidden.buffer, b.n0, b.rows, a.h, kBytesPerElement[xDtype]);
    const w = rowRange(ctx, a.classifier.buffer, b.v0, b.classes, a.h, kBytesPerElement[wDtype]);
    const rowTiles = Math.ceil(b.rows / kTile);
    rec.dispatch(kLinearCrossEntropyGradKernel, {
      entryPoint: filter > 0 ? "main_filtered" : "main",
      constants: { A_DTYPE: xDtype, B_DTYPE: wDtype, ...rowConstants(a), MEAN: a.o.reduction === "mean" },
      uniforms: {
        rows: b.rows,
        row_offset: b.n0,
        total_rows: a.n,
        classes: a.v,
        slab_classes: b.classes,
        class_offset: b.v0,
        hidden: a.h,
        row_tiles: rowTiles,
        class_tiles: Math.ceil(b.classes / kTile),
        tiles_per_group: 1,
        group_offset: 0,
        a_offset: x.offset,
        a_stride: a.h,
        b_offset: w.offset,
        b_stride: a.h,
        out_offset: 0,
        out_stride: b.classes,
        flag_offset: slabElements,
        grad_filter: filter,
        ...optionUniforms(a),
      },
      bindings: { a: x.binding, b: w.binding, targets: a.target.buffer, ...perClassBindings(a), row_stats: rowStats, divisor, out: g },
      workgroups: rowTiles * Math.ceil(b.classes / kTile),
    });
    const slab: Operand = { binding: g, dtype: "f32", offset: 0, stride: b.classes, kMajor: false };
    const filtered = (transposed: boolean) => (filter > 0 ? { filter: { flagOffset: slabElements, flagRows: rowTiles, transposed } } : {});
    const firstChunk = b.n0 === 0;
    // d/d(classifier)[slab] (+)= Gᵀ · hidden[chunk]
    const gw = rowRange(ctx, out.gradClassifier.buffer, b.v0, b.classes, a.h, 4);
    recordProduct(rec, {
      m: b.classes,
      n: a.h,
      depth: b.rows,
      a: { ...slab, kMajor: true },
      b: { binding: x.binding, dtype: xDtype, offset: x.offset, stride: a.h, kMajor: true },
      out: gw.binding,
      outOffset: gw.offset,
      outStride: a.h,
      accumulate: !firstChunk,
      ...filtered(true),
    });
    // d/d(hidden)[chunk] (+)= G · classifier[slab]
    const gx = rowRange(ctx, out.gradHidden.buffer, b.n0, b.rows, a.h, 4);
    recordProduct(rec, {
      m: b.rows,
      n: a.h,
      depth: b.classes,
      a: slab,
      b: { binding: w.binding, dtype: wDtype, offset: w.offset, stride: a.h, kMajor: true },
      out: gx.binding,
      outOffset: gx.offset,
      outStride: a.h,
      accumulate: b.v0 > 0,
      ...filtered(false),
    });
    if (out.gradBias) recordColumnSum(rec, slab, b.rows, b.classes, out.gradBias.buffer, b.v0, !firstChunk);
  }
}

function checkBufferSizes(ctx: XentContext, op: string, a: Args, withGrad: boolean): void {
  const max = ctx.device.limits.maxBufferSize;
  const sizes: [string, number][] = [["the row statistics", a.n * 16]];
  if (withGrad) sizes.push(["gradClassifier", a.v * a.h * 4], ["gradHidden", a.n * a.h * 4]);
  for (const [what, bytes] of sizes)
    if (bytes > max) throw new RangeError(`${op}: ${what} would take ${bytes} bytes, past this device's maxBufferSize (${max} bytes)`);
  if (a.n * 16 > ctx.maxBindingBytes)
    throw new RangeError(
      `${op}: ${a.n} rows: their statistics (16 bytes each) do not fit one storage binding (${ctx.maxBindingBytes} bytes)`,
    );
}

function record(ctx: XentContext, op: string, a: Args, withGrad: boolean): Tensor<"f32">[] {
  checkBufferSizes(ctx, op, a, withGrad);
  const p = plan(ctx, op, a, withGrad);
  const check = new LabelCheck(ctx.device, op, a.target, a.v, a.o.ignoreIndex, !a.o.encoder);
  const reduction: Reduction = a.o.reduction;
  return recordOp(ctx, op, a.o.encoder, inputsOf(a), (rec) => {
    const none = reduction === "none";
    const loss = ctx.output(none ? [a.n] : [], "f32", op, [check]);
    const rowLoss = none ? loss.buffer : rec.temporary(a.n * 4, "row-loss");
    const denom = rec.temporary(a.n * 4, "row-denominator");
    const rowStats = rec.temporary(a.n * 16, "row-stats");
    const divisor = rec.temporary(16, "divisor");
    recordForward(ctx, rec, a, p, check, rowLoss, denom, rowStats);
    const labels = { target: a.target, check };
    if (none) recordLabelStatus(rec, labels);
    else
      recordReduce(ctx, rec, {
        loss: rowLoss,
        denom,
        count: a.n,
        mode: reduction === "sum" ? "sum" : "mean-by-denominator",
        out: loss,
        divisorOut: divisor,
        labels,
      });
    if (!withGrad) return [loss];
    const gradHidden = ctx.output([a.n, a.h], "f32", `${op}:gradHidden`, [check]);
    const gradClassifier = ctx.output([a.v, a.h], "f32", `${op}:gradClassifier`, [check]);
    const gradBias = a.bias ? ctx.output([a.v], "f32", `${op}:gradBias`, [check]) : undefined;
    if (a.n === 0) {
      // No rows: zero gradients (d/d(hidden) is empty).
      rec.clear(gradClassifier.buffer);
      if (gradBias) rec.clear(gradBias.buffer);
    } else recordBackward(ctx, rec, a, p, rowStats, divisor, { gradHidden, gradClassifier, gradBias });
    return gradBias ? [loss, gradHidden, gradClassifier, gradBias] : [loss, gradHidden, gradClassifier];
  });
}

/**
 * crossEntropy(hidden · classifierᵀ + bias, target) for hidden [N, H], classifier [V, H],
 * target [N], without allocating the [N, V] logits: ℓ_n = w_t·(logsumexp(z_n) − z_{n,t}) with
 * z = softcap(hidden·classifierᵀ + bias), smoothed and z-lossed as crossEntropy.
 * @op
 */
export function linearCrossEntropy(
  ctx: XentContext,
  hidden: Tensor,
  classifier: Tensor,
  target: Tensor,
  options?: LinearCrossEntropyOptions,
): Tensor<"f32"> {
  const op = "linearCrossEntropy";
  const o = checkOpOptions(options, op, kLinearCrossEntropyOptionChecks);
  const [loss] = record(ctx, op, checkArgs(ctx, op, hidden, classifier, target, o), false) as [Tensor<"f32">];
  return loss;
}

/**
 * linearCrossEntropy and its gradients, as PyTorch autograd scales them: with G = d(loss)/d(logits),
 * gradHidden = G·classifier, gradClassifier = Gᵀ·hidden, gradBias = Σ_n G (no [N, V] either).
 * `gradFilter` (off by default) skips the tiles of G whose entries are all below it (Cut Cross-Entropy's filtering).
 * @op
 */
export function linearCrossEntropyWithGrad(
  ctx: XentContext,
  hidden: Tensor,
  classifier: Tensor,
  target: Tensor,
  options?: LinearCrossEntropyWithGradOptions,
): LinearCrossEntropyGrads {
  const op = "linearCrossEntropyWithGrad";
  const o = checkOpOptions(options, op, kLinearCrossEntropyWithGradOptionChecks);
  const [loss, gradHidden, gradClassifier, gradBias] = record(ctx, op, checkArgs(ctx, op, hidden, classifier, target, o), true);
  return { loss: loss!, gradHidden: gradHidden!, gradClassifier: gradClassifier!, ...(gradBias ? { gradBias } : {}) };
}
