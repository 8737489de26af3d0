/** Float64 reference of matmul: out[i, j] = Σ_k A[i, k]·B[k, j] with A = aᵀ, B = bᵀ when asked. */
import type { RefResult, RefTensor } from "./ref-tensor.js";

export interface RefMatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/** a · b (aᵀ, bᵀ with transposeA / transposeB) in float64; a RangeError when the inner dimensions differ. */
export function matmul(a: RefTensor, b: RefTensor, options: RefMatmulOptions = {}): RefResult {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new RangeError("reference matmul: 2-D operands expected");
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const [m, depth] = options.transposeA ? [ac, ar] : [ar, ac];
  const [depthB, n] = options.transposeB ? [bc, br] : [br, bc];
  if (depth !== depthB) throw new RangeError(`reference matmul: inner dimensions differ (${depth} and ${depthB})`);
  const at = (i: number, k: number): number => (options.transposeA ? a.data[k * ac + i] : a.data[i * ac + k]) as number;
  const bt = (k: number, j: number): number => (options.transposeB ? b.data[j * bc + k] : b.data[k * bc + j]) as number;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < depth; k++) s += at(i, k) * bt(k, j);
      out[i * n + j] = s;
    }
  return { data: out, shape: [m, n] };
}
