/**
 * How crossEntropy, nllLoss and their gradients run, decided on the host from sizes alone (pure:
 * tested on the CPU in test/host/cross-entropy-plan.test.ts and mutated by StrykerJS); the
 * recording in cross-entropy.ts only follows the plan.
 */
import type { SliceBinding, SlicedTensor } from "../binding-slices.js";
import { planRowOp, type AdapterKind, type PlanLimits, type RowOpPlan, type RowPlan, type SplitPlan } from "../row-plan.js";
import type { RowView } from "../shape.js";
import { outputBufferSize } from "../tensor.js";

/** What the plans are made from: the row view, the tensors' sizes, the options that change the kernels. */
export interface CrossEntropyShape {
  /** The op's name, for the RangeError of a row block larger than a binding. */
  op: string;
  view: RowView;
  logits: SlicedTensor;
  logitsDType: string;
  /** Probability targets (f32, laid out like the logits): their buffer's size; class indices: undefined. */
  probabilityTargets: number | undefined;
  smoothing: boolean;
  /** nll_loss: the input holds log-probabilities (a thread a row, no split rows). */
  logProbs: boolean;
}

export interface PlanDevice {
  limits: PlanLimits & { minStorageBufferOffsetAlignment: number };
  adapter: AdapterKind;
  maxBindingBytes: number;
}

/** nll_loss reads one value per row: a thread per row. */
export function nllRowPlan(rows: number): RowPlan {
  return { workgroupSize: 64, rowThreads: 1, workgroups: Math.ceil(rows / 64) };
}

/**
 * The forward row pass: the logits `x` (and probability targets `t`) in binding-sized slices;
 * vec4 or SPAN4 reads only where a row keeps the online state alone (class indices, no
 * smoothing); rows split across workgroups on a GPU where few and long (not for nll_loss).
 */
export function planCrossEntropyRows(s: CrossEntropyShape, d: PlanDevice): RowOpPlan<"x" | "t"> {
  const tensors = {
    x: s.logits,
    ...(s.probabilityTargets !== undefined ? { t: { bufferSize: s.probabilityTargets, bytesPerElement: 4 } } : {}),
  } as Record<"x" | "t", SlicedTensor>;
  const plan = planRowOp({
    view: s.view,
    tensors,
    input: "x",
    inputDType: s.logitsDType,
    vectorReads: !s.logProbs && s.probabilityTargets === undefined && !s.smoothing,
    splits: !s.logProbs,
    limits: d.limits,
    adapter: d.adapter,
    maxBindingBytes: d.maxBindingBytes,
    // The widest tensor decides the slices: it is the one the error names.
    what: `${s.op}: ${s.probabilityTargets !== undefined && s.logits.bytesPerElement < 4 ? "probability targets" : "logits"}`,
  });
  return s.logProbs ? { ...plan, rows: nllRowPlan(s.view.rows) } : plan;
}

/** crossEntropyWithGrad / nllLossWithGrad: one fused pass, or the row pass, the reduction and a gradient pass. */
export interface CrossEntropyGradPlan {
  path: "fused" | "three-pass";
  /** The fused pass's and the gradient pass's workgroups. */
  rows: RowPlan;
  /** The three-pass path's row pass (nll_loss: a thread a row). */
  rowPass: RowOpPlan<"x" | "t">;
  /** The gradient pass's slices: planned on the f32 gradient; the logits and probability targets follow. */
  slices: SliceBinding<"x" | "grad" | "t">[];
  vec4: boolean;
  /** SPAN4 reads (the fused pass). */
  span4Reads: boolean;
  /** SPAN4 stores of the gradient. */
  span4Stores: boolean;
  /** Rows split across workgroups (three passes). */
  split: SplitPlan | undefined;
}

/**
 * The gradient's plan. Fused where a row's lanes can finish it alone: not split across
 * workgroups, one binding for the logits and one for the gradient, and in place only through the
 * vec4 view (scalar rows write in place through the logits' words, which the fused pass reads
 * through a read-only binding); nll_loss keeps the three passes.
 */
export function planCrossEntropyGrad(s: CrossEntropyShape & { inPlace: boolean }, d: PlanDevice): CrossEntropyGradPlan {
  const rowPass = planCrossEntropyRows(s, d);
  const gradTensors = {
    x: s.logits,
    grad: { bufferSize: s.inPlace ? s.logits.bufferSize : outputBufferSize(s.view.rows * s.view.classes * 4), bytesPerElement: 4 },
    ...(s.probabilityTargets !== undefined ? { t: { bufferSize: s.probabilityTargets, bytesPerElement: 4 } } : {}),
  } as Record<"x" | "grad" | "t", SlicedTensor>;
  const grad = planRowOp({
    view: s.view,
    tensors: gradTensors,
    input: "x",
    inputDType: s.logitsDType,
    vectorReads: s.probabilityTargets === undefined && !s.smoothing,
    splits: true,
    limits: d.limits,
    adapter: d.adapter,
    maxBindingBytes: d.maxBindingBytes,
    what: `${s.op}: gradient`,
  });
  const span4 = grad.span4Stores;
  const split = grad.split;
  const fused = !s.logProbs && !split && !rowPass.sliced && !grad.sliced && (!s.inPlace || grad.vec4 || span4);
  return {
    path: fused ? "fused" : "three-pass",
    rows: grad.rows,
    rowPass,
    slices: grad.slices,
    vec4: grad.vec4,
    span4Reads: grad.span4,
    span4Stores: span4,
    split,
  };
}
