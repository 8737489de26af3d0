/** Float64 reference of the Keras 3 (TF backend) and scikit-learn losses, batch means. */
import { normalizeDim, rowView } from "../shape.js";
import { crossEntropy, crossEntropyGrad } from "./cross-entropy.js";
import { forEachRow, type RefResult, type RefTensor } from "./ref-tensor.js";

const kEps = 1e-7;
// The clip bounds as float32 holds them, as Keras and scikit-learn apply them to float32 predictions.
const clip = (v: number, eps: number): number => Math.min(Math.max(v, Math.fround(eps)), Math.fround(1 - eps));
const mean = (v: ArrayLike<number>): number => Array.from(v).reduce((a, b) => a + b, 0) / v.length;

/** Keras BCE per element (before the batch mean): probabilities clipped to [eps, 1 − eps], or logits. */
function kerasBinaryCrossentropyElements(
  yTrue: RefTensor,
  yPred: RefTensor,
  fromLogits: boolean,
  smoothing: number,
  eps = 1e-7,
): Float64Array {
  return Float64Array.from({ length: yPred.data.length }, (_, i) => {
    const t = (yTrue.data[i] as number) * (1 - smoothing) + 0.5 * smoothing;
    const v = yPred.data[i] as number;
    if (fromLogits) return Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
    // The bounds as float32 holds them (Keras computes in float32).
    const q = Math.min(Math.max(v, Math.fround(eps)), Math.fround(1 - eps));
    return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
  });
}

export interface RefKerasOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
  axis?: number;
}

/** q = clip(p / Σp, 1e-7, 1 − 1e-7); −mean_rows Σ y'·log q, y' = (1 − ε)y + ε/C. */
export function categoricalCrossentropy(yTrue: RefTensor, yPred: RefTensor, options: RefKerasOptions = {}): number {
  const dim = normalizeDim(options.axis ?? -1, yPred.shape.length);
  const eps = options.labelSmoothing ?? 0;
  if (options.fromLogits) return crossEntropy(yPred, yTrue, { dim, labelSmoothing: eps }).data[0] as number;
  const view = rowView(yPred.shape, dim);
  const losses: number[] = [];
  forEachRow(view, (_row, base, stride) => {
    let total = 0;
    for (let c = 0; c < view.classes; c++) total += yPred.data[base + c * stride] as number;
    let l = 0;
    for (let c = 0; c < view.classes; c++) {
      const y = (yTrue.data[base + c * stride] as number) * (1 - eps) + eps / view.classes;
      l -= y * Math.log(clip((yPred.data[base + c * stride] as number) / total, kEps));
    }
    losses.push(l);
  });
  return mean(losses);
}

/** −mean log clip(p_t / Σp) (probabilities: Keras 3 renormalises each row first), or softmax cross-entropy (logits). */
export function sparseCategoricalCrossentropy(
  yTrue: RefTensor,
  yPred: RefTensor,
  options: Omit<RefKerasOptions, "labelSmoothing"> = {},
): number {
  const dim = normalizeDim(options.axis ?? -1, yPred.shape.length);
  const view = rowView(yPred.shape, dim);
  // Keras ignores no label (not even crossEntropy's −100).
  forEachRow(view, (row) => void classIndex(yTrue.data[row] as number, view.classes, row));
  if (options.fromLogits) return crossEntropy(yPred, yTrue, { dim }).data[0] as number;
  const losses: number[] = [];
  forEachRow(view, (row, base, stride) => {
    let total = 0;
    for (let c = 0; c < view.classes; c++) total += yPred.data[base + c * stride] as number;
    const t = classIndex(yTrue.data[row] as number, view.classes, row);
    losses.push(-Math.log(clip((yPred.data[base + t * stride] as number) / total, kEps)));
  });
  return mean(losses);
}

/** A class index of [0, classes) (every label counts: Keras ignores none); a RangeError for any other, as the GPU's check. */
function classIndex(t: number, classes: number, row: number): number {
  if (!(Number.isInteger(t) && t >= 0 && t < classes))
    throw new RangeError(`reference sparseCategoricalCrossentropy: target ${t} at ${row} is out of range`);
  return t;
}

/** d clip(v)/dv as tf.clip_by_value's gradient: 1 where the bounds (as float32) pass v, else 0. */
const clipPasses = (v: number, eps: number): boolean => v >= Math.fround(eps) && v <= Math.fround(1 - eps);

/**
 * The gradient through Keras' renormalisation r = p / Σp and clip, per row: with g_c = dℓ/dr_c
 * (0 where the clip clips), dℓ/dp_j = (g_j − Σ_c g_c·r_c) / Σp; over the batch.
 */
function renormalisedGrad(
  yPred: RefTensor,
  dim: number,
  ratioGrad: (row: number, base: number, stride: number, c: number, r: number) => number,
): RefResult {
  const view = rowView(yPred.shape, dim);
  const grad = new Float64Array(yPred.data.length);
  forEachRow(view, (row, base, stride) => {
    let total = 0;
    for (let c = 0; c < view.classes; c++) total += yPred.data[base + c * stride] as number;
    const r = (c: number): number => (yPred.data[base + c * stride] as number) / total;
    const g = (c: number): number => (clipPasses(r(c), kEps) ? ratioGrad(row, base, stride, c, r(c)) : 0);
    let gr = 0;
    for (let c = 0; c < view.classes; c++) gr += g(c) * r(c);
    for (let c = 0; c < view.classes; c++) grad[base + c * stride] = (g(c) - gr) / total / view.rows;
  });
  return { data: grad, shape: [...yPred.shape] };
}

/** d(categoricalCrossentropy)/d(yPred), as TensorFlow differentiates it. */
export function categoricalCrossentropyGrad(yTrue: RefTensor, yPred: RefTensor, options: RefKerasOptions = {}): RefResult {
  const dim = normalizeDim(options.axis ?? -1, yPred.shape.length);
  const eps = options.labelSmoothing ?? 0;
  if (options.fromLogits) return crossEntropyGrad(yPred, yTrue, { dim, labelSmoothing: eps });
  const C = yPred.shape[dim] as number;
  return renormalisedGrad(yPred, dim, (_row, base, stride, c, r) => {
    const y = (yTrue.data[base + c * stride] as number) * (1 - eps) + eps / C;
    return -y / clip(r, kEps);
  });
}

/** d(sparseCategoricalCrossentropy)/d(yPred), as TensorFlow differentiates the renormalised form. */
export function sparseCategoricalCrossentropyGrad(
  yTrue: RefTensor,
  yPred: RefTensor,
  options: Omit<RefKerasOptions, "labelSmoothing"> = {},
): RefResult {
  const dim = normalizeDim(options.axis ?? -1, yPred.shape.length);
  const view = rowView(yPred.shape, dim);
  forEachRow(view, (row) => void classIndex(yTrue.data[row] as number, view.classes, row));
  if (options.fromLogits) return crossEntropyGrad(yPred, yTrue, { dim });
  return renormalisedGrad(yPred, dim, (row, _base, _stride, c, r) => (c === (yTrue.data[row] as number) ? -1 / clip(r, kEps) : 0));
}

/** d(binaryCrossentropy)/d(yPred): logits σ(x) − y'; probabilities (1 − y')/(1 − q) − y'/q where the clip passes; / N. */
export function binaryCrossentropyGrad(yTrue: RefTensor, yPred: RefTensor, options: RefKerasOptions = {}): RefResult {
  const s = options.labelSmoothing ?? 0;
  const n = yPred.data.length;
  const data = Float64Array.from({ length: n }, (_, i) => {
    const t = (yTrue.data[i] as number) * (1 - s) + 0.5 * s;
    const v = yPred.data[i] as number;
    if (Number.isNaN(v) || Number.isNaN(t)) return NaN;
    if (options.fromLogits) return (1 / (1 + Math.exp(-v)) - t) / n;
    if (!clipPasses(v, kEps)) return 0;
    return ((1 - t) / (1 - v) - t / v) / n;
  });
  return { data, shape: [...yPred.shape] };
}

/** Mean over every element of the Keras binary cross-entropy. */
export function binaryCrossentropy(yTrue: RefTensor, yPred: RefTensor, options: RefKerasOptions = {}): number {
  return mean(kerasBinaryCrossentropyElements(yTrue, yPred, options.fromLogits ?? false, options.labelSmoothing ?? 0));
}

/** scikit-learn's class order: the labels (or yTrue's), deduplicated and sorted. */
function sortedLabels(yTrue: readonly (string | number)[], labels?: readonly (string | number)[]): (string | number)[] {
  return [...new Set(labels ?? yTrue)].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
}

/** A label's class, or a RangeError for one not among the labels (sklearn: "y_true contains values not belonging to the passed labels"). */
function classOf(classes: readonly (string | number)[], label: string | number): number {
  const c = classes.indexOf(label);
  if (c < 0) throw new RangeError(`reference logLoss: yTrue holds ${String(label)}, not among the labels`);
  return c;
}

/**
 * sklearn.metrics.log_loss: labels sorted into class order; yPred [N][C] or, for two classes, the
 * positive-class probability per row; −mean log clip(p_true, eps, 1 − eps).
 */
export function logLoss(
  yTrue: readonly (string | number)[],
  yPred: readonly (number | readonly number[])[],
  options: { labels?: readonly (string | number)[]; eps?: number } = {},
): number {
  const classes = sortedLabels(yTrue, options.labels);
  const eps = options.eps ?? 2 ** -52;
  return mean(
    yTrue.map((label, i) => {
      const c = classOf(classes, label);
      const row = yPred[i] as number | readonly number[];
      const p = typeof row === "number" ? (c === 1 ? row : 1 - row) : (row[c] as number);
      return -Math.log(clip(p, eps));
    }),
  );
}

/**
 * d(logLoss)/d(yPred), shaped like yPred ([N][C] rows, or one positive-class probability per row):
 * −1 / (N·clip(p_t)) at each row's class where the clip passes p_t, 0 elsewhere; a row whose p_t is
 * NaN is NaN throughout.
 */
export function logLossGrad(
  yTrue: readonly (string | number)[],
  yPred: readonly (number | readonly number[])[],
  options: { labels?: readonly (string | number)[]; eps?: number } = {},
): Float64Array {
  const classes = sortedLabels(yTrue, options.labels);
  const eps = options.eps ?? 2 ** -52;
  const n = yTrue.length;
  const out: number[] = [];
  yTrue.forEach((label, i) => {
    const c = classOf(classes, label);
    const row = yPred[i] as number | readonly number[];
    const p = typeof row === "number" ? (c === 1 ? row : 1 - row) : (row[c] as number);
    const g = clipPasses(p, eps) ? -1 / (n * clip(p, eps)) : 0;
    // A NaN p_t makes the row's gradient NaN (the GPU's rule for a poisoned row), not the clip's 0.
    if (Number.isNaN(p)) {
      if (typeof row === "number") out.push(NaN);
      else row.forEach(() => out.push(NaN));
    } else if (typeof row === "number") out.push(c === 1 ? g : -g);
    else row.forEach((_, k) => out.push(k === c ? g : 0));
  });
  return Float64Array.from(out);
}
