/** Float64 reference of binaryCrossEntropy (PyTorch's binary_cross_entropy). */
import type { RefReduction } from "./cross-entropy.js";
import { broadcastAt, pointwise } from "./elementwise-loss.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

/** ℓ = −w·(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)); NaN for p outside [0, 1]. */
export function binaryCrossEntropy(
  p: RefTensor,
  y: RefTensor,
  options: { weight?: ArrayLike<number>; reduction?: RefReduction } = {},
): RefResult {
  return pointwise(
    p,
    (i) => {
      const v = p.data[i] as number;
      const t = y.data[i] as number;
      if (!(v >= 0 && v <= 1)) return NaN;
      return -broadcastAt(options.weight, i) * (t * Math.max(Math.log(v), -100) + (1 - t) * Math.max(Math.log(1 - v), -100));
    },
    options.reduction ?? "mean",
  );
}
