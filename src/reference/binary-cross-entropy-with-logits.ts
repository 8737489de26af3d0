/** Float64 reference of binaryCrossEntropyWithLogits (PyTorch's binary_cross_entropy_with_logits). */
import type { RefReduction } from "./cross-entropy.js";
import { broadcastAt, pointwise } from "./elementwise-loss.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

/** ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·log(1 + e^−x)), log(1 + e^−x) = max(−x, 0) + log1p(e^−|x|). */
export function binaryCrossEntropyWithLogits(
  x: RefTensor,
  y: RefTensor,
  options: { weight?: ArrayLike<number>; posWeight?: ArrayLike<number>; reduction?: RefReduction } = {},
): RefResult {
  return pointwise(
    x,
    (i) => {
      const v = x.data[i] as number;
      const t = y.data[i] as number;
      const lw = options.posWeight ? 1 + (broadcastAt(options.posWeight, i) - 1) * t : 1;
      return broadcastAt(options.weight, i) * ((1 - t) * v + lw * (Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v)))));
    },
    options.reduction ?? "mean",
  );
}
