/** binaryCrossEntropy on the GPU (kernel: shaders/binary-cross-entropy.wgsl; reference: src/reference/binary-cross-entropy.ts). */
import type { RecordOptions, XentContext } from "../context.js";
import { checkEncoder, checkOpOptions, optionalTensor, reductionOption, type OptionChecksFor, type Reduction } from "../option-checks.js";
import type { Tensor } from "../tensor.js";
import { checkPair, checkWeight, defineElementwiseLoss, runElementwiseLoss } from "./elementwise-loss.js";
import binaryCrossEntropyWgsl from "../../shaders/binary-cross-entropy.wgsl?raw";

export interface BinaryCrossEntropyOptions extends RecordOptions {
  /** Rescales each element; its shape must be a suffix of the input's (e.g. [C] or the full shape). */
  weight?: Tensor;
  reduction?: Reduction;
}

export const kBinaryCrossEntropyOptionChecks = {
  weight: optionalTensor,
  reduction: reductionOption,
  encoder: checkEncoder,
} satisfies OptionChecksFor<BinaryCrossEntropyOptions>;

export const kBinaryCrossEntropyKernel = defineElementwiseLoss("binary-cross-entropy", binaryCrossEntropyWgsl, {});

/** PyTorch's binary_cross_entropy: ℓ = −w·(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)). */
export function binaryCrossEntropy(ctx: XentContext, probs: unknown, target: unknown, options?: BinaryCrossEntropyOptions): Tensor<"f32"> {
  const op = "binaryCrossEntropy";
  const o = checkOpOptions(options, op, kBinaryCrossEntropyOptionChecks);
  const { x, y } = checkPair(ctx, op, "probs", probs, target);
  const weight = checkWeight(ctx, o.weight, x.shape, op);
  return runElementwiseLoss(ctx, {
    op,
    kernel: kBinaryCrossEntropyKernel,
    input: x,
    target: y,
    weight,
    reduction: o.reduction,
    encoder: o.encoder,
  });
}
