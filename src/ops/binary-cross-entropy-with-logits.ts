/**
 * binaryCrossEntropyWithLogits on the GPU (kernel: shaders/binary-cross-entropy-with-logits.wgsl;
 * reference: src/reference/binary-cross-entropy-with-logits.ts).
 */
import type { XentContext } from "../context.js";
import { checkOpOptions, optionalTensor, type OptionChecksFor } from "../option-checks.js";
import type { Tensor } from "../tensor.js";
import { kBinaryCrossEntropyOptionChecks, type BinaryCrossEntropyOptions } from "./binary-cross-entropy.js";
import type { LossAndGrad } from "./loss-reduction.js";
import {
  checkPair,
  checkWeight,
  defineElementwiseLoss,
  runElementwiseLoss,
  runElementwiseLossWithGrad,
  type ElementwiseRun,
} from "./elementwise-loss.js";
import binaryCrossEntropyWithLogitsWgsl from "../../shaders/binary-cross-entropy-with-logits.wgsl?raw";

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples, any shape that broadcasts to the logits' (usually [C]). */
  posWeight?: Tensor;
}

export const kBinaryCrossEntropyWithLogitsOptionChecks = {
  ...kBinaryCrossEntropyOptionChecks,
  posWeight: optionalTensor,
} satisfies OptionChecksFor<BinaryCrossEntropyWithLogitsOptions>;

export const kBinaryCrossEntropyWithLogitsKernel = defineElementwiseLoss(
  "binary-cross-entropy-with-logits",
  binaryCrossEntropyWithLogitsWgsl,
);

function bceWithLogitsRun(
  ctx: XentContext,
  op: string,
  logits: unknown,
  target: unknown,
  options: unknown,
): ElementwiseRun<Record<never, never>> {
  const o = checkOpOptions(options, op, kBinaryCrossEntropyWithLogitsOptionChecks);
  const { x, y } = checkPair(ctx, op, "logits", logits, target);
  return {
    op,
    kernel: kBinaryCrossEntropyWithLogitsKernel,
    input: x,
    target: y,
    weight: checkWeight(ctx, o.weight, x.shape, op),
    posWeight: checkWeight(ctx, o.posWeight, x.shape, op, "posWeight"),
    reduction: o.reduction,
    encoder: o.encoder,
  };
}

/**
 * PyTorch's binary_cross_entropy_with_logits: ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)).
 * @op
 */
export function binaryCrossEntropyWithLogits(
  ctx: XentContext,
  logits: Tensor,
  target: Tensor,
  options?: BinaryCrossEntropyWithLogitsOptions,
): Tensor<"f32"> {
  return runElementwiseLoss(ctx, bceWithLogitsRun(ctx, "binaryCrossEntropyWithLogits", logits, target, options));
}

/**
 * binaryCrossEntropyWithLogits and d/d(logits) = w·((1 + (pw − 1)·y)·σ(x) − pw·y), one pass.
 * @op
 */
export function binaryCrossEntropyWithLogitsWithGrad(
  ctx: XentContext,
  logits: Tensor,
  target: Tensor,
  options?: BinaryCrossEntropyWithLogitsOptions,
): LossAndGrad {
  return runElementwiseLossWithGrad(ctx, bceWithLogitsRun(ctx, "binaryCrossEntropyWithLogitsWithGrad", logits, target, options));
}
