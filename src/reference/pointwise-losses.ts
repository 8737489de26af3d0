/** Float64 reference: binary cross-entropy, KL divergence, entropy (PyTorch / Shannon definitions). */
import { normalizeDim, rowView } from "../shape.js";
import { reduce, type RefReduction } from "./cross-entropy.js";
import { forEachRow, gatherRow, logSumExp, type RefResult, type RefTensor } from "./ref-tensor.js";

function broadcastAt(w: ArrayLike<number> | undefined, i: number): number {
  return w ? (w[i % w.length] as number) : 1;
}

function pointwise(x: RefTensor, f: (i: number) => number, reduction: RefReduction | "batchmean"): RefResult {
  const values = Float64Array.from({ length: x.data.length }, (_, i) => f(i));
  if (reduction === "batchmean") {
    const r = reduce(values, [...x.shape], "sum", 1);
    return { data: Float64Array.of((r.data[0] as number) / (x.shape[0] ?? 1)), shape: [] };
  }
  return reduce(values, [...x.shape], reduction, values.length);
}

const log1p = Math.log1p;

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
      return broadcastAt(options.weight, i) * ((1 - t) * v + lw * (Math.max(-v, 0) + log1p(Math.exp(-Math.abs(v)))));
    },
    options.reduction ?? "mean",
  );
}

/** kl_div(log q, p) = xlogy(p, p) − p·log q (logTarget: e^t·(t − log q)). */
export function klDiv(
  input: RefTensor,
  target: RefTensor,
  options: { reduction?: RefReduction | "batchmean"; logTarget?: boolean } = {},
): RefResult {
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

/** Keras BCE per element (before the batch mean): probabilities clipped to [eps, 1 − eps], or logits. */
export function kerasBinaryCrossentropyElements(
  yTrue: RefTensor,
  yPred: RefTensor,
  fromLogits: boolean,
  smoothing: number,
  eps = 1e-7,
): Float64Array {
  return Float64Array.from({ length: yPred.data.length }, (_, i) => {
    const t = (yTrue.data[i] as number) * (1 - smoothing) + 0.5 * smoothing;
    const v = yPred.data[i] as number;
    if (fromLogits) return Math.max(v, 0) - v * t + log1p(Math.exp(-Math.abs(v)));
    // The bounds as float32 holds them (Keras computes in float32).
    const q = Math.min(Math.max(v, Math.fround(eps)), Math.fround(1 - eps));
    return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
  });
}

/** H = −Σ p·log p per row along `dim` (0·log 0 = 0), or of softmax(x) with fromLogits; divided by ln(base). */
export function entropy(
  x: RefTensor,
  options: { dim?: number; fromLogits?: boolean; base?: number; reduction?: RefReduction } = {},
): RefResult {
  const dim = normalizeDim(options.dim ?? -1, x.shape.length);
  const view = rowView(x.shape, dim);
  const out = new Float64Array(view.rows);
  forEachRow(view, (row, base, stride) => {
    const r = gatherRow(x.data, base, stride, view.classes);
    let h = 0;
    if (options.fromLogits) {
      const { lse } = logSumExp(r);
      for (const v of r) {
        const logp = v - lse;
        if (v !== -Infinity) h -= Math.exp(logp) * logp;
      }
      if (Number.isNaN(lse) || lse === -Infinity) h = NaN;
    } else {
      for (const p of r) h -= p === 0 ? 0 : p < 0 ? NaN : p * Math.log(p);
    }
    out[row] = h / Math.log(options.base ?? Math.E);
  });
  return reduce(
    out,
    x.shape.filter((_, d) => d !== dim),
    options.reduction ?? "none",
    view.rows,
  );
}
