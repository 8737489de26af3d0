/** Float64 reference of softmax and logSoftmax (torch semantics, including NaN/-inf rows). */
import { forEachRow, gatherRow, logSumExp, viewOf, type RefResult, type RefTensor } from "./ref-tensor.js";

export interface RefSoftmaxOptions {
  dim?: number;
  temperature?: number;
}

function rowwise(x: RefTensor, options: RefSoftmaxOptions, log: boolean): RefResult {
  const { view } = viewOf(x, options.dim ?? -1);
  const t = options.temperature ?? 1;
  const out = new Float64Array(x.data.length);
  forEachRow(view, (_row, base, stride) => {
    const z = gatherRow(x.data, base, stride, view.classes).map((v) => v / t);
    const { max, lse } = logSumExp(z);
    for (let c = 0; c < view.classes; c++) {
      const zc = z[c] as number;
      // Shift by the max first: the same rounding path as the GPU, and exact for ±1e4 logits.
      const shifted = zc - max;
      const logp = shifted - (lse - max);
      out[base + c * stride] = log ? logp : Math.exp(logp);
    }
  });
  return { data: out, shape: [...x.shape] };
}

/** softmax(x)_c = exp(x_c / T) / Σ_k exp(x_k / T) along `dim`. */
export function softmax(x: RefTensor, options: RefSoftmaxOptions = {}): RefResult {
  return rowwise(x, options, false);
}

/** logSoftmax(x)_c = x_c / T − log Σ_k exp(x_k / T) along `dim`. */
export function logSoftmax(x: RefTensor, options: RefSoftmaxOptions = {}): RefResult {
  return rowwise(x, options, true);
}
