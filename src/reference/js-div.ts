/** Float64 reference of jsDiv (Liger-Kernel's generalised Jensen–Shannon divergence) and its gradient. */
import type { RefResult, RefTensor } from "./ref-tensor.js";

export interface RefJsDivOptions {
  /** The mixture's teacher weight: M = βP + (1 − β)Q (default 0.5); 0 is forward KL, 1 reverse KL. */
  beta?: number;
  /** Class indices, one per row (the input without its last dim); rows labelled ignoreIndex count nowhere. */
  labels?: ArrayLike<number>;
  ignoreIndex?: number;
  /** 'batchmean' (default): the sum over kept rows / their count (0 when none is kept); 'sum'; 'none'. */
  reduction?: "batchmean" | "sum" | "none";
}

/** Which rows count, and the scale of each kept element: 1 / the kept rows' count for 'batchmean'. Throws on a bad label. */
function keptRows(x: RefTensor, o: RefJsDivOptions): { kept: boolean[]; scale: number; classes: number } {
  const classes = x.shape.at(-1) ?? 1;
  const rows = classes === 0 ? 0 : x.data.length / classes;
  const ignore = o.ignoreIndex ?? -100;
  const kept = Array.from({ length: rows }, (_, r) => {
    if (!o.labels) return true;
    const t = o.labels[r] as number;
    if (t === ignore) return false;
    if (!(Number.isInteger(t) && t >= 0 && t < classes)) throw new RangeError(`reference jsDiv: label ${t} at ${r} is out of range`);
    return true;
  });
  const count = kept.filter(Boolean).length;
  return { kept, classes, scale: (o.reduction ?? "batchmean") === "batchmean" ? 1 / Math.max(count, 1) : 1 };
}

/** a·log(a / m) written as −a·log1p(w·expm1(d)), 0 where a = 0 (its log is −inf). */
const term = (a: number, w: number, d: number): number => (a === 0 ? 0 : -a * Math.log1p(w * Math.expm1(d)));

/** One element's divergence, x = log q, y = log p. */
function jsdAt(x: number, y: number, beta: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  const p = Math.exp(y);
  const q = Math.exp(x);
  if (beta === 0) return p === 0 ? 0 : p * (y - x);
  if (beta === 1) return q === 0 ? 0 : q * (x - y);
  return beta * term(p, 1 - beta, x - y) + (1 - beta) * term(q, beta, y - x);
}

/** d/dx of jsdAt: −p, q·(x − y) + q, or (1 − β)·q·log(q / M). */
function jsdGradAt(x: number, y: number, beta: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  const q = Math.exp(x);
  if (beta === 0) return -Math.exp(y);
  if (beta === 1) return q === 0 ? 0 : q * (x - y) + q;
  return (1 - beta) * term(q, beta, y - x);
}

function elementwise(
  logQ: RefTensor,
  logP: RefTensor,
  o: RefJsDivOptions,
  f: (x: number, y: number, beta: number) => number,
): Float64Array {
  const { kept, scale, classes } = keptRows(logQ, o);
  const beta = o.beta ?? 0.5;
  return Float64Array.from(logQ.data, (x, i) => {
    // NaN anywhere is NaN, ignored row or not (the GPU's rule for every elementwise loss).
    const v = f(x, logP.data[i] as number, beta);
    return Number.isNaN(v) ? v : kept[Math.floor(i / classes)] ? v * scale : 0;
  });
}

/**
 * β·KL(P‖M) + (1 − β)·KL(Q‖M), M = βP + (1 − β)Q, from logQ (student) and logP (teacher), summed
 * over kept rows and divided by their count ('batchmean'); β = 0: KL(P‖Q), β = 1: KL(Q‖P).
 */
export function jsDiv(logQ: RefTensor, logP: RefTensor, options: RefJsDivOptions = {}): RefResult {
  const values = elementwise(logQ, logP, options, jsdAt);
  if ((options.reduction ?? "batchmean") === "none") return { data: values, shape: [...logQ.shape] };
  let sum = 0;
  for (const v of values) sum += v;
  return { data: Float64Array.of(sum), shape: [] };
}

/** d jsDiv / d logQ, scaled as the reduction scales the loss. */
export function jsDivGrad(logQ: RefTensor, logP: RefTensor, options: RefJsDivOptions = {}): RefResult {
  return { data: elementwise(logQ, logP, options, jsdGradAt), shape: [...logQ.shape] };
}
