/**
 * Float64 reference of torch.nn.functional.cross_entropy / nll_loss, written the plain way
 * PyTorch composes them (log_softmax, then gather / weighted sums), to check the fused GPU pass.
 */
import { normalizeDim, rowView, sameShape } from "../shape.js";
import { logSoftmax } from "./softmax.js";
import { forEachRow, gatherRow, logSumExp, type RefResult, type RefTensor } from "./ref-tensor.js";

export type RefReduction = "mean" | "sum" | "none";

export interface RefCrossEntropyOptions {
  dim?: number;
  weight?: ArrayLike<number>;
  ignoreIndex?: number;
  reduction?: RefReduction;
  labelSmoothing?: number;
  base?: number;
  /** Adds zLoss·lse² per position (weighted by w_t for class indices). */
  zLoss?: number;
  /** Logits become softcap·tanh(x / softcap) first. */
  softcap?: number;
}

function defaultClassDim(x: RefTensor): number {
  return x.shape.length >= 2 ? 1 : 0;
}

/** @internal */
export function reduce(values: Float64Array, shape: number[], reduction: RefReduction, denominator: number, base = Math.E): RefResult {
  if (base !== Math.E) values = values.map((v) => v / Math.log(base));
  if (reduction === "none") return { data: values, shape };
  let sum = 0;
  for (const v of values) sum += v;
  return { data: Float64Array.of(reduction === "sum" ? sum : sum / denominator), shape: [] };
}

/** Each counted position of nll_loss: its target's flat index and weight, and the mean's Σ w_t. Throws on a bad label. */
function nllPositions(logProbs: RefTensor, target: RefTensor, options: Omit<RefCrossEntropyOptions, "labelSmoothing">) {
  const dim = normalizeDim(options.dim ?? defaultClassDim(logProbs), logProbs.shape.length);
  const view = rowView(logProbs.shape, dim);
  const ignore = options.ignoreIndex ?? -100;
  const positions: { row: number; index: number; w: number }[] = [];
  let denom = 0;
  forEachRow(view, (row, base, stride) => {
    const t = target.data[row] as number;
    if (t === ignore) return;
    if (!(t >= 0 && t < view.classes)) throw new RangeError(`reference nllLoss: target ${t} at ${row} is out of range`);
    const w = options.weight ? (options.weight[t] as number) : 1;
    positions.push({ row, index: base + t * stride, w });
    denom += w;
  });
  return { dim, view, positions, denom };
}

/** ℓ_i = −w_{t_i}·logp_{i,t_i}; 'mean' divides by Σ w_{t_i} over non-ignored i. Throws on a bad label. */
export function nllLoss(logProbs: RefTensor, target: RefTensor, options: Omit<RefCrossEntropyOptions, "labelSmoothing"> = {}): RefResult {
  const { dim, view, positions, denom } = nllPositions(logProbs, target, options);
  const losses = new Float64Array(view.rows);
  for (const p of positions) losses[p.row] = -p.w * (logProbs.data[p.index] as number);
  return reduce(
    losses,
    logProbs.shape.filter((_, d) => d !== dim),
    options.reduction ?? "mean",
    denom,
    options.base,
  );
}

/**
 * d(nllLoss)/d(logProbs): −w_t at each target class, / Σ w_t for 'mean', / ln(base); 0 elsewhere
 * and at ignored positions, even when every position is ignored (0 / 0 only where a counted
 * position has weight 0), as PyTorch's backward.
 */
export function nllLossGrad(
  logProbs: RefTensor,
  target: RefTensor,
  options: Omit<RefCrossEntropyOptions, "labelSmoothing"> = {},
): RefResult {
  const { positions, denom } = nllPositions(logProbs, target, options);
  const scale = ((options.reduction ?? "mean") === "mean" ? 1 / denom : 1) / Math.log(options.base ?? Math.E);
  const grad = new Float64Array(logProbs.data.length);
  for (const p of positions) grad[p.index] = -p.w * scale;
  return { data: grad, shape: [...logProbs.shape] };
}

/** torch.nn.functional.cross_entropy with class-index or probability targets (see the GPU op's doc). */
export function crossEntropy(logits: RefTensor, target: RefTensor, options: RefCrossEntropyOptions = {}): RefResult {
  const dim = normalizeDim(options.dim ?? defaultClassDim(logits), logits.shape.length);
  const view = rowView(logits.shape, dim);
  const eps = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? "mean";
  const C = view.classes;
  const w = (c: number): number => (options.weight ? (options.weight[c] as number) : 1);
  const cap = options.softcap;
  const z = cap ? { data: Array.from(logits.data, (v) => cap * Math.tanh(v / cap)), shape: logits.shape } : logits;
  const logp = logSoftmax(z, { dim }).data;
  const rowShape = logits.shape.filter((_, d) => d !== dim);
  const zl = options.zLoss ?? 0;
  const lse = new Float64Array(view.rows);
  forEachRow(view, (row, base, stride) => (lse[row] = logSumExp(gatherRow(z.data, base, stride, C)).lse));

  if (sameShape(target.shape, logits.shape)) {
    // Probability targets: −Σ_c w_c·q_c·logp_c with q = (1 − ε)p + ε/C; mean over positions.
    const losses = new Float64Array(view.rows);
    forEachRow(view, (row, base, stride) => {
      let l = 0;
      for (let c = 0; c < C; c++) {
        const i = base + c * stride;
        const p = target.data[i] as number;
        // A non-finite probability makes the row NaN (PyTorch gives ±inf or NaN, depending on rounding).
        const q = Number.isFinite(p) ? p * (1 - eps) + eps / C : NaN;
        l += -(w(c) * q * (logp[i] as number));
      }
      losses[row] = l + (zl > 0 ? zl * (lse[row] as number) ** 2 : 0);
    });
    return reduce(losses, rowShape, reduction, view.rows, options.base);
  }

  // Class indices: PyTorch's (1 − ε)·nll_loss + ε/C·smooth, both over the same denominator.
  const nll = nllLoss({ data: logp, shape: logits.shape }, target, {
    dim,
    weight: options.weight,
    ignoreIndex: options.ignoreIndex,
    reduction: "none",
  }).data;
  const ignore = options.ignoreIndex ?? -100;
  const smooth = new Float64Array(view.rows);
  let denom = 0;
  forEachRow(view, (row, base, stride) => {
    const t = target.data[row] as number;
    if (t === ignore) return;
    denom += w(t);
    let s = 0;
    for (let c = 0; c < C; c++) s += -(w(c) * (logp[base + c * stride] as number));
    smooth[row] = s;
  });
  const losses = nll.map((v, row) => {
    const t = target.data[row] as number;
    const ce = eps > 0 ? (1 - eps) * v + (eps / C) * (smooth[row] as number) : v;
    return zl > 0 && t !== ignore ? ce + zl * w(t) * (lse[row] as number) ** 2 : ce;
  });
  return reduce(losses, rowShape, reduction, denom, options.base);
}

/**
 * d(crossEntropy)/d(logits), analytic, float64: for each row with p = softmax(z), z = softcap(x),
 * class index t: (1 − ε)·w_t·(p − onehot_t) + ε/C·(W·p − w) + 2·zLoss·w_t·lse·p;
 * probabilities: W_q·p − w·q + 2·zLoss·lse·p (q smoothed, W_q = Σ w·q);
 * divided by the mean's denominator for 'mean', times (1 − tanh²) for the softcap, / ln(base).
 * 'none' gives the gradient of Σ ℓ_i.
 */
export function crossEntropyGrad(logits: RefTensor, target: RefTensor, options: RefCrossEntropyOptions = {}): RefResult {
  const dim = normalizeDim(options.dim ?? defaultClassDim(logits), logits.shape.length);
  const view = rowView(logits.shape, dim);
  const eps = options.labelSmoothing ?? 0;
  const C = view.classes;
  const w = (c: number): number => (options.weight ? (options.weight[c] as number) : 1);
  const cap = options.softcap;
  const z = cap ? { data: Array.from(logits.data, (v) => cap * Math.tanh(v / cap)), shape: logits.shape } : logits;
  const logp = logSoftmax(z, { dim }).data;
  const zl = options.zLoss ?? 0;
  const ignore = options.ignoreIndex ?? -100;
  const prob = sameShape(target.shape, logits.shape);
  const grad = new Float64Array(logits.data.length);
  const ignored = new Set<number>();
  let denom = 0;
  forEachRow(view, (row, base, stride) => {
    const lse = logSumExp(gatherRow(z.data, base, stride, C)).lse;
    const p = (c: number): number => Math.exp(logp[base + c * stride] as number);
    if (prob) {
      denom += 1;
      // A non-finite probability makes the row NaN, as in the loss (see crossEntropy above).
      const q = (c: number): number => {
        const y = target.data[base + c * stride] as number;
        return Number.isFinite(y) ? y * (1 - eps) + eps / C : NaN;
      };
      let W = 0;
      for (let c = 0; c < C; c++) W += w(c) * q(c);
      for (let c = 0; c < C; c++) grad[base + c * stride] = W * p(c) - w(c) * q(c) + (zl ? 2 * zl * lse * p(c) : 0);
      return;
    }
    const t = target.data[row] as number;
    if (t === ignore) {
      ignored.add(row);
      return;
    }
    denom += w(t);
    let W = 0;
    for (let c = 0; c < C; c++) W += w(c);
    for (let c = 0; c < C; c++) {
      const onehot = c === t ? 1 : 0;
      // No z-loss, no term: 0 · an infinite weight would be NaN.
      grad[base + c * stride] = (1 - eps) * w(t) * (p(c) - onehot) + (eps / C) * (W * p(c) - w(c)) + (zl ? 2 * zl * w(t) * lse * p(c) : 0);
    }
  });
  const scale = (options.reduction ?? "mean") === "mean" ? 1 / denom : 1;
  const logBase = Math.log(options.base ?? Math.E);
  // Ignored positions keep a zero gradient, even when every position is ignored (PyTorch's backward).
  const rowOf = (i: number): number => Math.floor(i / (C * view.inner)) * view.inner + (i % view.inner);
  for (let i = 0; i < grad.length; i++) {
    if (ignored.has(rowOf(i))) continue;
    let g = ((grad[i] as number) * scale) / logBase;
    if (cap) g *= 1 - ((z.data[i] as number) / cap) ** 2;
    grad[i] = g;
  }
  return { data: grad, shape: [...logits.shape] };
}
