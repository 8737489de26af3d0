/** Shannon entropy per row, from probabilities or logits, in nats or bits. */
import { checkEncoder, checkKnownOptions, checkOptions, checkTensor, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypeCode, kLogitDTypes } from "../dtype.js";
import { bindSlice, planBindingSlices } from "../binding-slices.js";
import { kEntropyKernel } from "../kernels.js";
import { planRows } from "../row-plan.js";
import { normalizeDim, rowView } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { checkBoolean, checkLogBase, checkReduction, runLoss, type Reduction } from "./loss-common.js";

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

/** H(p) = −Σ_c p_c·log_b p_c along `dim` (0·log 0 = 0); with fromLogits, p = softmax(x) computed in one pass. */
export function entropy(ctx: XentContext, x: unknown, options?: EntropyOptions): Tensor<"f32"> {
  const op = "entropy";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, ["dim", "fromLogits", "base", "reduction", "encoder"], op);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(opts.dim ?? -1, input.shape.length, `${op}: dim`);
  const fromLogits = checkBoolean(opts.fromLogits, op, "fromLogits", false);
  const base = checkLogBase(opts.base, op);
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
    encoder: checkEncoder(opts.encoder, op),
    reduction: checkReduction(opts.reduction, op, undefined, "none"),
    shape: input.shape.filter((_, d) => d !== dim),
    count: view.rows,
    mean: "mean-by-count",
    inputs: [input],
    record: (rec, out) => {
      for (const slice of slices) {
        rec.dispatch({
          kernel: kEntropyKernel,
          constants: {
            WG: plan.workgroupSize,
            ROW_THREADS: plan.rowThreads,
            FROM_LOGITS: fromLogits,
            DTYPE: kLogitDTypeCode[input.dtype] as number,
          },
          uniforms: [
            ["u32", slice.rows],
            ["u32", view.classes],
            ["u32", view.inner],
            ["f32", 1 / Math.log(base)],
            ["u32", slice.elementOffset],
            ["u32", slice.firstRow],
          ],
          buffers: [bindSlice(input.buffer, slices.length > 1 ? slice : undefined), out],
          workgroups: Math.ceil(slice.rows / (plan.workgroupSize / plan.rowThreads)),
        });
      }
    },
  });
}
