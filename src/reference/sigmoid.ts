/** Float64 reference of sigmoid. */
import type { RefResult, RefTensor } from "./ref-tensor.js";

/** sigmoid(x) = 1 / (1 + exp(−x)). */
export function sigmoid(x: RefTensor): RefResult {
  const out = Float64Array.from(x.data, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))));
  return { data: out, shape: [...x.shape] };
}

/** dx = dy·y·(1 − y), y = sigmoid(x). */
export function sigmoidBackward(y: RefTensor, dy: RefTensor): RefResult {
  const out = Float64Array.from(y.data, (v, i) => (dy.data[i] as number) * v * (1 - v));
  return { data: out, shape: [...y.shape] };
}
