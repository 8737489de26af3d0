/** Float64 reference: what the elementwise losses share (weights broadcast as PyTorch's, reductions, gradient scaling). */
import { reduce, type RefReduction } from "./cross-entropy.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

/** A loss weight: flat data broadcast over trailing dims, or a tensor broadcast as PyTorch's. */
export type RefWeight = ArrayLike<number> | RefTensor;

/**
 * The weight of element i of a tensor shaped `shape` (1 without a weight).
 * @internal
 */
export function broadcastAt(w: RefWeight | undefined, i: number, shape: readonly number[]): number {
  if (!w) return 1;
  if (!("shape" in w) || !Array.isArray(w.shape)) {
    const flat = w as ArrayLike<number>;
    return flat[i % flat.length] as number;
  }
  const t = w;
  // Right-aligned: dim d of the input meets dim d − (rank − wRank) of the weight (size 1: index 0).
  let index = 0;
  let wStride = 1;
  let rest = i;
  for (let d = shape.length - 1, k = t.shape.length - 1; d >= 0; d--, k--) {
    const n = shape[d] as number;
    const at = rest % n;
    rest = Math.floor(rest / n);
    if (k >= 0) {
      const m = t.shape[k] as number;
      if (m !== 1) index += at * wStride;
      wStride *= m;
    }
  }
  return t.data[index] as number;
}

/** @internal */
export function pointwise(x: RefTensor, f: (i: number) => number, reduction: RefReduction | "batchmean"): RefResult {
  const values = Float64Array.from({ length: x.data.length }, (_, i) => f(i));
  if (reduction === "batchmean") {
    const r = reduce(values, [...x.shape], "sum", 1);
    return { data: Float64Array.of((r.data[0] as number) / (x.shape[0] ?? 1)), shape: [] };
  }
  return reduce(values, [...x.shape], reduction, values.length);
}

/**
 * d(loss)/dx of an elementwise loss with pointwise derivative f, scaled as autograd scales it for the reduction.
 * @internal
 */
export function pointwiseGrad(x: RefTensor, f: (i: number) => number, reduction: RefReduction | "batchmean"): RefResult {
  const n = x.data.length;
  const scale = reduction === "mean" ? 1 / n : reduction === "batchmean" ? 1 / (x.shape[0] ?? 1) : 1;
  return { data: Float64Array.from({ length: n }, (_, i) => f(i) * scale), shape: [...x.shape] };
}
