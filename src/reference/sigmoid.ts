/** Float64 reference of sigmoid. */
import type { RefResult, RefTensor } from "./ref-tensor.js";

/** sigmoid(x) = 1 / (1 + exp(−x)). */
export function sigmoid(x: RefTensor): RefResult {
  const out = Float64Array.from(x.data, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))));
  return { data: out, shape: [...x.shape] };
}
