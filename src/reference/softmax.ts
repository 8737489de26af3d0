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
    const { max, logSum } = logSumExp(z);
    for (let c = 0; c < view.classes; c++) {
      const zc = z[c] as number;
      // Shift by the max first: the same rounding path as the GPU, and exact for ±1e4 logits.
      const shifted = zc - max;
      const logp = shifted - logSum;
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

/** softmax's backward from its output y: dx = y·(dy − Σ dy·y) along `dim`; with `log`, y = logSoftmax and dx = dy − e^y·Σ dy. */
function rowwiseBackward(y: RefTensor, dy: RefTensor, dim: number, log: boolean): RefResult {
  const { view } = viewOf(y, dim);
  const out = new Float64Array(y.data.length);
  forEachRow(view, (_row, base, stride) => {
    let s = 0;
    for (let c = 0; c < view.classes; c++) {
      const i = base + c * stride;
      s += log ? (dy.data[i] as number) : (dy.data[i] as number) * (y.data[i] as number);
    }
    for (let c = 0; c < view.classes; c++) {
      const i = base + c * stride;
      const v = y.data[i] as number;
      const d = dy.data[i] as number;
      out[i] = log ? d - Math.exp(v) * s : v * (d - s);
    }
  });
  return { data: out, shape: [...y.shape] };
}

/** dx = y ⊙ (dy − Σ_c dy_c·y_c) along `dim` (default −1), y = softmax(x). */
export function softmaxBackward(y: RefTensor, dy: RefTensor, options: { dim?: number } = {}): RefResult {
  return rowwiseBackward(y, dy, options.dim ?? -1, false);
}

/** dx = dy − exp(y)·Σ_c dy_c along `dim` (default −1), y = logSoftmax(x). */
export function logSoftmaxBackward(y: RefTensor, dy: RefTensor, options: { dim?: number } = {}): RefResult {
  return rowwiseBackward(y, dy, options.dim ?? -1, true);
}
