/** binaryCrossEntropy on the GPU (kernel: shaders/binary-cross-entropy.wgsl; reference: src/reference/binary-cross-entropy.ts). */
import type { RecordOptions, XentContext } from "../context.js";
import { checkEncoder, checkOpOptions, optionalTensor, reductionOption, type OptionChecksFor, type Reduction } from "../option-checks.js";
import type { Tensor } from "../tensor.js";
import type { LossAndGrad } from "./loss-reduction.js";
import {
  checkPair,
  checkWeight,
  defineElementwiseLoss,
  runElementwiseLoss,
  runElementwiseLossWithGrad,
  type ElementwiseRun,
} from "./elementwise-loss.js";
import binaryCrossEntropyWgsl from "../../shaders/binary-cross-entropy.wgsl?raw";

export interface BinaryCrossEntropyOptions extends RecordOptions {
  /** Rescales each element; any shape that broadcasts to the input's as PyTorch's (scalar, [C], [N, 1], [1, C], the full shape, …). */
  weight?: Tensor;
  reduction?: Reduction;
}

export const kBinaryCrossEntropyOptionChecks = {
  weight: optionalTensor,
  reduction: reductionOption,
  encoder: checkEncoder,
} satisfies OptionChecksFor<BinaryCrossEntropyOptions>;

export const kBinaryCrossEntropyKernel = defineElementwiseLoss("binary-cross-entropy", binaryCrossEntropyWgsl);

function bceRun(ctx: XentContext, op: string, probs: unknown, target: unknown, options: unknown): ElementwiseRun<Record<never, never>> {
  const o = checkOpOptions(options, op, kBinaryCrossEntropyOptionChecks);
  const { x, y } = checkPair(ctx, op, "probs", probs, target);
  return {
    op,
    kernel: kBinaryCrossEntropyKernel,
    input: x,
    target: y,
    weight: checkWeight(ctx, o.weight, x.shape, op),
    reduction: o.reduction,
    encoder: o.encoder,
  };
}

/**
 * PyTorch's binary_cross_entropy: ℓ = −w·(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)).
 * @op
 */
export function binaryCrossEntropy(ctx: XentContext, probs: Tensor, target: Tensor, options?: BinaryCrossEntropyOptions): Tensor<"f32"> {
  return runElementwiseLoss(ctx, bceRun(ctx, "binaryCrossEntropy", probs, target, options));
}

/**
 * binaryCrossEntropy and d/d(probs) = w·(p − y) / max(p·(1 − p), 1e−12) (PyTorch's backward), one pass.
 * @op
 */
export function binaryCrossEntropyWithGrad(
  ctx: XentContext,
  probs: Tensor,
  target: Tensor,
  options?: BinaryCrossEntropyOptions,
): LossAndGrad {
  return runElementwiseLossWithGrad(ctx, bceRun(ctx, "binaryCrossEntropyWithGrad", probs, target, options));
}
