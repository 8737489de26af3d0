/** Plain CPU tensors for the float64 reference: flat row-major data and a shape. */
import { normalizeDim, rowView, shapeSize, formatShape, type RowView } from "../shape.js";

export interface RefTensor {
  data: ArrayLike<number>;
  shape: readonly number[];
}

export interface RefResult {
  data: Float64Array;
  shape: number[];
}

export function refTensor(data: ArrayLike<number>, shape: readonly number[] = [data.length]): RefTensor {
  if (shapeSize(shape) !== data.length)
    throw new RangeError(`reference: shape ${formatShape(shape)} does not hold ${data.length} elements`);
  return { data, shape };
}

/** Calls fn(row base index, stride) for each row of `shape` along `dim`, in row order. */
export function forEachRow(view: RowView, fn: (row: number, base: number, stride: number) => void): void {
  for (let row = 0; row < view.rows; row++) {
    const o = Math.floor(row / view.inner);
    const i = row - o * view.inner;
    fn(row, o * view.classes * view.inner + i, view.inner);
  }
}

export function viewOf(x: RefTensor, dim: number): { view: RowView; dim: number } {
  const d = normalizeDim(dim, x.shape.length);
  return { view: rowView(x.shape, d), dim: d };
}

/**
 * log Σ exp(v) over a row, max-shifted; NaN in → NaN, all -inf → -inf. `logSum` = log Σ exp(v − max),
 * kept apart: next to a max of 1e30, lse − max would be 0 where logSum is log 2.
 */
export function logSumExp(values: ArrayLike<number>): { max: number; lse: number; logSum: number } {
  let max = -Infinity;
  let hasNaN = false;
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (Number.isNaN(v)) hasNaN = true;
    else if (v > max) max = v;
  }
  if (hasNaN) return { max: NaN, lse: NaN, logSum: NaN };
  if (max === -Infinity) return { max, lse: -Infinity, logSum: NaN };
  if (max === Infinity) {
    // exp(inf - inf) is NaN in PyTorch too.
    return { max, lse: NaN, logSum: NaN };
  }
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += Math.exp((values[k] as number) - max);
  const logSum = Math.log(sum);
  return { max, lse: max + logSum, logSum };
}

export function gatherRow(data: ArrayLike<number>, base: number, stride: number, classes: number): Float64Array {
  const row = new Float64Array(classes);
  for (let c = 0; c < classes; c++) row[c] = data[base + c * stride] as number;
  return row;
}
