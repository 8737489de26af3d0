/** Float64 reference of entropy (Shannon, per row, from probabilities or logits). */
import { normalizeDim, rowView } from "../shape.js";
import { reduce, type RefReduction } from "./cross-entropy.js";
import { forEachRow, gatherRow, logSumExp, type RefResult, type RefTensor } from "./ref-tensor.js";

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
      const { lse, max, logSum } = logSumExp(r);
      for (const v of r) {
        const logp = v - max - logSum;
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

/**
 * dH/dx, float64, scaled as autograd scales it for the reduction ('none': of Σ H; 'mean': / rows):
 * probabilities −(log p + 1) (+∞ at p = 0, NaN for p < 0); logits −p·(log p + H), 0 where x = −∞,
 * NaN for a row whose softmax is undefined; divided by ln(base).
 */
export function entropyGrad(
  x: RefTensor,
  options: { dim?: number; fromLogits?: boolean; base?: number; reduction?: RefReduction } = {},
): RefResult {
  const dim = normalizeDim(options.dim ?? -1, x.shape.length);
  const view = rowView(x.shape, dim);
  const scale = 1 / Math.log(options.base ?? Math.E) / ((options.reduction ?? "none") === "mean" ? view.rows : 1);
  const grad = new Float64Array(x.data.length);
  forEachRow(view, (_row, base, stride) => {
    const r = gatherRow(x.data, base, stride, view.classes);
    if (options.fromLogits) {
      const { lse, max, logSum } = logSumExp(r);
      const undefinedRow = Number.isNaN(lse) || lse === -Infinity;
      let h = 0;
      for (const v of r) if (v !== -Infinity) h -= Math.exp(v - max - logSum) * (v - max - logSum);
      r.forEach((v, c) => {
        const logp = v - max - logSum;
        grad[base + c * stride] = undefinedRow ? NaN : v === -Infinity ? 0 : -Math.exp(logp) * (logp + h) * scale;
      });
    } else {
      r.forEach((p, c) => (grad[base + c * stride] = p < 0 || Number.isNaN(p) ? NaN : -(Math.log(p) + 1) * scale));
    }
  });
  return { data: grad, shape: [...x.shape] };
}
