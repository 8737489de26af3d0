/** Float64 reference of binaryCrossEntropy (PyTorch's binary_cross_entropy) and its gradient. */
import type { RefReduction } from "./cross-entropy.js";
import { broadcastAt, pointwise, pointwiseGrad, type RefWeight } from "./elementwise-loss.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

/** PyTorch's EPSILON in binary_cross_entropy_backward, as float32 holds 1e−12. */
const kEpsilon = Math.fround(1e-12);

export interface RefBinaryCrossEntropyOptions {
  weight?: RefWeight;
  reduction?: RefReduction;
}

/** ℓ = −w·(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)); NaN for p outside [0, 1]. */
export function binaryCrossEntropy(p: RefTensor, y: RefTensor, options: RefBinaryCrossEntropyOptions = {}): RefResult {
  return pointwise(
    p,
    (i) => {
      const v = p.data[i] as number;
      const t = y.data[i] as number;
      if (!(v >= 0 && v <= 1)) return NaN;
      return -broadcastAt(options.weight, i, p.shape) * (t * Math.max(Math.log(v), -100) + (1 - t) * Math.max(Math.log(1 - v), -100));
    },
    options.reduction ?? "mean",
  );
}

/**
 * PyTorch's binary_cross_entropy_backward: w·(p − y) / max(p·(1 − p), ε), ε = 1e−12 as float32
 * holds it (PyTorch's EPSILON); NaN for p outside [0, 1].
 */
export function binaryCrossEntropyGrad(p: RefTensor, y: RefTensor, options: RefBinaryCrossEntropyOptions = {}): RefResult {
  return pointwiseGrad(
    p,
    (i) => {
      const v = p.data[i] as number;
      const t = y.data[i] as number;
      if (!(v >= 0 && v <= 1)) return NaN;
      return (broadcastAt(options.weight, i, p.shape) * (v - t)) / Math.max(v * (1 - v), kEpsilon);
    },
    options.reduction ?? "mean",
  );
}
