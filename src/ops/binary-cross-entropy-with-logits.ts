/**
 * binaryCrossEntropyWithLogits on the GPU (kernel: shaders/binary-cross-entropy-with-logits.wgsl;
 * reference: src/reference/binary-cross-entropy-with-logits.ts).
 */
import { checkTensor, type XentContext } from "../context.js";
import { checkOpOptions, optionalTensor, type OptionChecksFor } from "../option-checks.js";
import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { kBinaryCrossEntropyOptionChecks, type BinaryCrossEntropyOptions } from "./binary-cross-entropy.js";
import { checkPair, checkWeight, defineElementwiseLoss, runElementwiseLoss } from "./elementwise-loss.js";
import binaryCrossEntropyWithLogitsWgsl from "../../shaders/binary-cross-entropy-with-logits.wgsl?raw";

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples, broadcast over the last dim: shape [C] or [1]. */
  posWeight?: Tensor;
}

export const kBinaryCrossEntropyWithLogitsOptionChecks = {
  ...kBinaryCrossEntropyOptionChecks,
  posWeight: optionalTensor,
} satisfies OptionChecksFor<BinaryCrossEntropyWithLogitsOptions>;

export const kBinaryCrossEntropyWithLogitsKernel = defineElementwiseLoss(
  "binary-cross-entropy-with-logits",
  binaryCrossEntropyWithLogitsWgsl,
  {},
);

/** PyTorch's binary_cross_entropy_with_logits: ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)), stable for any x. */
export function binaryCrossEntropyWithLogits(
  ctx: XentContext,
  logits: unknown,
  target: unknown,
  options?: BinaryCrossEntropyWithLogitsOptions,
): Tensor<"f32"> {
  const op = "binaryCrossEntropyWithLogits";
  const o = checkOpOptions(options, op, kBinaryCrossEntropyWithLogitsOptionChecks);
  const { x, y } = checkPair(ctx, op, "logits", logits, target);
  let posWeight: Tensor | undefined;
  if (o.posWeight !== undefined) {
    posWeight = checkTensor(ctx, o.posWeight, `${op}: posWeight`, ["f32"]);
    const last = x.shape[x.shape.length - 1] ?? 1;
    if (posWeight.shape.length !== 1 || (posWeight.shape[0] !== last && posWeight.shape[0] !== 1)) {
      throw new RangeError(
        `${op}: posWeight: expected shape [${last}] or [1] (broadcast over the last dim), got ${formatShape(posWeight.shape)}`,
      );
    }
  }
  return runElementwiseLoss(ctx, {
    op,
    kernel: kBinaryCrossEntropyWithLogitsKernel,
    input: x,
    target: y,
    weight: checkWeight(ctx, o.weight, x.shape, op),
    posWeight,
    reduction: o.reduction,
    encoder: o.encoder,
  });
}
