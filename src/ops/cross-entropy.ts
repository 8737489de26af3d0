/** crossEntropy and nllLoss: PyTorch's cross_entropy / nll_loss on the GPU, one pass per row. */
import { checkEncoder, checkKnownOptions, checkOptions, checkTensor, type RecordOptions, type XentContext } from "../context.js";
import { kCrossEntropyKernel } from "../kernels.js";
import { LabelCheck } from "../label-check.js";
import { planRows } from "../row-plan.js";
import { formatShape, normalizeDim, rowView, sameShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { checkInt32, checkLogBase, checkReduction, checkUnitInterval, recordLabelStatus, runLoss, type Reduction } from "./loss-common.js";

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
}

export type NllLossOptions = Omit<CrossEntropyOptions, "labelSmoothing">;

const kCrossEntropyOptions = ["dim", "weight", "ignoreIndex", "reduction", "labelSmoothing", "base", "encoder"] as const;

interface Checked {
  input: Tensor;
  target: Tensor;
  weight: Tensor | undefined;
  dim: number;
  probTarget: boolean;
  ignoreIndex: number;
  reduction: Reduction;
  smoothing: number;
  base: number;
  encoder: GPUCommandEncoder | undefined;
}

function checkArgs(
  ctx: XentContext,
  op: string,
  inputName: string,
  logits: unknown,
  target: unknown,
  options: unknown,
  allowProbTarget: boolean,
): Checked {
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, allowProbTarget ? kCrossEntropyOptions : kCrossEntropyOptions.filter((k) => k !== "labelSmoothing"), op);
  const input = checkTensor(ctx, logits, `${op}: ${inputName}`, ["f32"]);
  const rank = input.shape.length;
  if (rank === 0) throw new RangeError(`${op}: ${inputName}: expected rank >= 1 ([C] or [N, C, ...]), got a scalar`);
  const dim = normalizeDim(opts.dim ?? (rank >= 2 ? 1 : 0), rank, `${op}: dim`);
  if (input.shape[dim] === 0) throw new RangeError(`${op}: ${inputName}: the class dimension ${dim} has size 0`);
  const tgt = checkTensor(ctx, target, `${op}: target`, allowProbTarget ? ["i32", "u32", "f32"] : ["i32", "u32"]);
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
    probTarget,
    ignoreIndex,
    reduction: checkReduction(opts.reduction, op),
    smoothing: allowProbTarget ? checkUnitInterval(opts.labelSmoothing, op, "labelSmoothing") : 0,
    base: checkLogBase(opts.base, op),
    encoder: checkEncoder(opts.encoder, op),
  };
}

function run(ctx: XentContext, op: string, a: Checked, logProbs: boolean): Tensor<"f32"> {
  const view = rowView(a.input.shape, a.dim);
  const plan = logProbs ? { workgroupSize: 64, rowThreads: 1, workgroups: Math.ceil(view.rows / 64) } : planRows(view, ctx.device.limits);
  const rowShape = a.input.shape.filter((_, d) => d !== a.dim);
  const check = a.probTarget ? undefined : new LabelCheck(ctx.device, op, a.target.shape, view.classes, a.ignoreIndex);
  return runLoss(ctx, {
    op,
    encoder: a.encoder,
    reduction: a.reduction,
    shape: rowShape,
    count: view.rows,
    mean: "mean-by-denominator",
    checks: check ? [check] : [],
    inputs: a.weight ? [a.input, a.target, a.weight] : [a.input, a.target],
    record: (rec, loss, denom) => {
      rec.dispatch({
        kernel: kCrossEntropyKernel,
        constants: {
          WG: plan.workgroupSize,
          ROW_THREADS: plan.rowThreads,
          PROB_TARGET: a.probTarget,
          HAS_WEIGHT: a.weight !== undefined,
          SMOOTHING: a.smoothing > 0,
          TARGET_UNSIGNED: a.target.dtype === "u32",
          LOG_PROBS: logProbs,
        },
        uniforms: [
          ["u32", view.rows],
          ["u32", view.classes],
          ["u32", view.inner],
          ["i32", a.ignoreIndex],
          ["f32", a.smoothing],
          ["f32", 1 / Math.log(a.base)],
        ],
        // Bindings a variant never touches get a read-only alias (weight) or the scratch buffer (status).
        buffers: [a.input.buffer, a.target.buffer, a.weight?.buffer ?? a.input.buffer, loss, denom, check?.buffer ?? ctx.scratch],
        workgroups: plan.workgroups,
      });
      if (check) recordLabelStatus(rec, a.target, check);
    },
  });
}

/**
 * PyTorch's cross_entropy. Class indices t: ℓ = w_t·(logsumexp(x) − x_t), smoothed as
 * (1 − ε)·ℓ + ε/C·Σ_c w_c·(logsumexp(x) − x_c); 'mean' divides by Σ w_t over non-ignored positions.
 * Probability targets p: ℓ = −Σ_c w_c·p_c·log softmax(x)_c; 'mean' divides by the number of positions.
 */
export function crossEntropy(ctx: XentContext, logits: unknown, target: unknown, options?: CrossEntropyOptions): Tensor<"f32"> {
  return run(ctx, "crossEntropy", checkArgs(ctx, "crossEntropy", "logits", logits, target, options, true), false);
}

/** PyTorch's nll_loss on log-probabilities: ℓ = −w_t·logp_t; 'mean' divides by Σ w_t over non-ignored positions. */
export function nllLoss(ctx: XentContext, logProbs: unknown, target: unknown, options?: NllLossOptions): Tensor<"f32"> {
  return run(ctx, "nllLoss", checkArgs(ctx, "nllLoss", "logProbs", logProbs, target, options, false), true);
}
