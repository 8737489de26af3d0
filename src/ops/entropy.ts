/** entropy on the GPU (kernel: shaders/entropy.wgsl; reference: src/reference/entropy.ts). */
import { checkTensor, subgroupMerges, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, kLogitDTypeValues, type LogitDType } from "../dtype.js";
import { bindSlice, planBindingSlices } from "../binding-slices.js";
import { defineKernel } from "../kernel-descriptor.js";
import { planRows } from "../row-plan.js";
import { normalizeDim, rowView } from "../shape.js";
import type { Tensor } from "../tensor.js";
import {
  checkEncoder,
  checkLogBase,
  checkOpOptions,
  checkReduction,
  optionalDim,
  optionalFlag,
  type OptionChecksFor,
  type Reduction,
} from "../option-checks.js";
import { runLoss } from "./loss-reduction.js";
import entropyWgsl from "../../shaders/entropy.wgsl?raw";

export interface EntropyOptions extends RecordOptions {
  /** The dimension holding each distribution (default −1). */
  dim?: number;
  /** The input holds logits (entropy of softmax(x)) instead of probabilities (default false). */
  fromLogits?: boolean;
  /** Logarithm base: Math.E (nats, default) or 2 (bits); any base > 0, ≠ 1. */
  base?: number;
  /** 'none' (default: one entropy per row), 'mean' or 'sum' over rows. */
  reduction?: Reduction;
}

export const kEntropyOptionChecks = {
  dim: optionalDim,
  fromLogits: optionalFlag,
  base: checkLogBase,
  reduction: (value: unknown, op: string) => checkReduction<Reduction>(value, op, undefined, "none"),
  encoder: checkEncoder,
} satisfies OptionChecksFor<EntropyOptions>;

export const kEntropyKernel = defineKernel({
  name: "entropy",
  body: entropyWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    // 1 / ln(base).
    scale: "f32",
    // A tensor bound in slices: the slice's first element within the bound range, its first row.
    x_offset: "u32",
    row_offset: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The input's words: f32, or two packed 16-bit values (DTYPE)." },
    out: { type: "array<f32>", access: "read_write" },
  },
  overrides: {
    WG: { kind: "u32", default: 64 },
    ROW_THREADS: { kind: "u32", default: 1 },
    FROM_LOGITS: { kind: "bool" },
    DTYPE: { kind: "enum", values: kLogitDTypeValues },
    SUBGROUPS: { kind: "bool" },
  },
});

/** H(p) = −Σ_c p_c·log_b p_c along `dim` (0·log 0 = 0); with fromLogits, p = softmax(x) computed in one pass. */
export function entropy(ctx: XentContext, x: unknown, options?: EntropyOptions): Tensor<"f32"> {
  const op = "entropy";
  const { dim: dimOption, fromLogits, base, reduction, encoder } = checkOpOptions(options, op, kEntropyOptionChecks);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(dimOption ?? -1, input.shape.length, `${op}: dim`);
  const view = rowView(input.shape, dim);
  if (view.classes === 0 && view.rows > 0) throw new RangeError(`${op}: x: the distribution dim ${dim} has size 0`);
  const plan = planRows(view, ctx.device.limits, ctx.adapterKind);
  // Larger than one binding: slices of whole row blocks (see binding-slices.ts).
  const slices = planBindingSlices(
    view,
    kBytesPerElement[input.dtype],
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    input.buffer.size,
    `${op}: x`,
  );
  return runLoss(ctx, {
    op,
    encoder,
    reduction,
    shape: input.shape.filter((_, d) => d !== dim),
    count: view.rows,
    mean: "mean-by-count",
    inputs: [input],
    record: (rec, out) => {
      for (const slice of slices) {
        rec.dispatch(kEntropyKernel, {
          constants: {
            WG: plan.workgroupSize,
            ROW_THREADS: plan.rowThreads,
            FROM_LOGITS: fromLogits,
            DTYPE: input.dtype as LogitDType,
          },
          uniforms: {
            rows: slice.rows,
            classes: view.classes,
            inner: view.inner,
            scale: 1 / Math.log(base),
            x_offset: slice.elementOffset,
            row_offset: slice.firstRow,
          },
          bindings: { xw: bindSlice(input.buffer, slices.length > 1 ? slice : undefined), out },
          workgroups: Math.ceil(slice.rows / (plan.workgroupSize / plan.rowThreads)),
          subgroups: subgroupMerges(ctx, plan.rowThreads),
        });
      }
    },
  });
}
