/** Float64 reference of binaryCrossEntropyWithLogits (PyTorch's binary_cross_entropy_with_logits) and its gradient. */
import type { RefReduction } from "./cross-entropy.js";
import { broadcastAt, pointwise, pointwiseGrad, type RefWeight } from "./elementwise-loss.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

export interface RefBinaryCrossEntropyWithLogitsOptions {
  weight?: RefWeight;
  posWeight?: RefWeight;
  reduction?: RefReduction;
}

const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·log(1 + e^−x)), log(1 + e^−x) = max(−x, 0) + log1p(e^−|x|). */
export function binaryCrossEntropyWithLogits(x: RefTensor, y: RefTensor, options: RefBinaryCrossEntropyWithLogitsOptions = {}): RefResult {
  return pointwise(
    x,
    (i) => {
      const v = x.data[i] as number;
      const t = y.data[i] as number;
      const lw = options.posWeight ? 1 + (broadcastAt(options.posWeight, i, x.shape) - 1) * t : 1;
      return broadcastAt(options.weight, i, x.shape) * ((1 - t) * v + lw * (Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v)))));
    },
    options.reduction ?? "mean",
  );
}

/** d/dx = w·((1 + (pw − 1)·y)·σ(x) − pw·y); without posWeight w·(σ(x) − y) (PyTorch's two forms: a y of ±inf is ∓inf there, not NaN). */
export function binaryCrossEntropyWithLogitsGrad(
  x: RefTensor,
  y: RefTensor,
  options: RefBinaryCrossEntropyWithLogitsOptions = {},
): RefResult {
  return pointwiseGrad(
    x,
    (i) => {
      const v = x.data[i] as number;
      const t = y.data[i] as number;
      const w = broadcastAt(options.weight, i, x.shape);
      if (!options.posWeight) return w * (sigmoid(v) - t);
      const pw = broadcastAt(options.posWeight, i, x.shape);
      return w * ((1 + (pw - 1) * t) * sigmoid(v) - pw * t);
    },
    options.reduction ?? "mean",
  );
}
