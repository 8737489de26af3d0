/** Float64 reference of klDiv (PyTorch's kl_div) and its gradient. */
import type { RefReduction } from "./cross-entropy.js";
import { pointwise, pointwiseGrad } from "./elementwise-loss.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

export interface RefKlDivOptions {
  reduction?: RefReduction | "batchmean";
  logTarget?: boolean;
}

/** kl_div(log q, p) = xlogy(p, p) − p·log q (logTarget: e^t·(t − log q)). */
export function klDiv(input: RefTensor, target: RefTensor, options: RefKlDivOptions = {}): RefResult {
  return pointwise(
    input,
    (i) => {
      const v = input.data[i] as number;
      const t = target.data[i] as number;
      if (options.logTarget) return Math.exp(t) * (t - v);
      if (t === 0) return v === -Infinity || Number.isNaN(v) ? NaN : 0;
      return t * Math.log(t) - t * v;
    },
    options.reduction ?? "mean",
  );
}

/** d/d(input) = −p (logTarget: −e^t), as autograd differentiates PyTorch's expression, whatever the input. */
export function klDivGrad(input: RefTensor, target: RefTensor, options: RefKlDivOptions = {}): RefResult {
  return pointwiseGrad(
    input,
    (i) => {
      const t = target.data[i] as number;
      return options.logTarget ? -Math.exp(t) : -t;
    },
    options.reduction ?? "mean",
  );
}
