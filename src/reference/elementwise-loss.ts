/** Float64 reference: what the elementwise losses share (weights broadcast over trailing dims, reductions). */
import { reduce, type RefReduction } from "./cross-entropy.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

export function broadcastAt(w: ArrayLike<number> | undefined, i: number): number {
  return w ? (w[i % w.length] as number) : 1;
}

export function pointwise(x: RefTensor, f: (i: number) => number, reduction: RefReduction | "batchmean"): RefResult {
  const values = Float64Array.from({ length: x.data.length }, (_, i) => f(i));
  if (reduction === "batchmean") {
    const r = reduce(values, [...x.shape], "sum", 1);
    return { data: Float64Array.of((r.data[0] as number) / (x.shape[0] ?? 1)), shape: [] };
  }
  return reduce(values, [...x.shape], reduction, values.length);
}
