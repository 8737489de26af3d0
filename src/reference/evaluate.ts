/**
 * Float64 reference of `evaluate` (issue #28): per row the target's cross-entropy, its rank (how
 * many classes beat it in a stable descending order), the top-1 probability and the argmax, then
 * the metrics of src/evaluation-metrics.ts (torchmetrics' definitions).
 */
import { normalizeDim, rowView } from "../shape.js";
import { evaluationMetrics, type EvaluationResult, type EvaluationTotals } from "../evaluation-metrics.js";
import { forEachRow, gatherRow, logSumExp, type RefTensor } from "./ref-tensor.js";

export interface RefEvaluateOptions {
  dim?: number;
  ignoreIndex?: number;
  weight?: ArrayLike<number>;
  topK?: readonly number[];
  calibrationBins?: number;
  confusion?: boolean;
  base?: number;
}

/** The totals an evaluation accumulates over `logits` (class dim `dim`, default 1 for rank ≥ 2) and class-index `target`. Throws on a bad label. */
export function evaluationTotals(logits: RefTensor, target: RefTensor, options: RefEvaluateOptions = {}): EvaluationTotals {
  const dim = normalizeDim(options.dim ?? (logits.shape.length >= 2 ? 1 : 0), logits.shape.length);
  const view = rowView(logits.shape, dim);
  const ignore = options.ignoreIndex ?? -100;
  const topK = options.topK ?? [1, 5];
  const bins = options.calibrationBins ?? 15;
  const c = view.classes;
  const totals: EvaluationTotals = {
    lossSum: 0,
    weightSum: 0,
    count: 0,
    nanRows: 0,
    correct: 0,
    hits: topK.map(() => 0),
    binCount: new Array<number>(bins).fill(0),
    binCorrect: new Array<number>(bins).fill(0),
    binConfidence: new Array<number>(bins).fill(0),
    ...(options.confusion ? { confusion: new Uint32Array(c * c) } : {}),
  };
  forEachRow(view, (row, base, stride) => {
    const t = target.data[row] as number;
    if (t === ignore) return;
    if (!(Number.isInteger(t) && t >= 0 && t < c)) throw new RangeError(`reference evaluate: target ${t} at ${row} is out of range`);
    const x = gatherRow(logits.data, base, stride, c);
    const w = options.weight ? (options.weight[t] as number) : 1;
    const { lse } = logSumExp(x);
    const xt = x[t] as number;
    totals.count++;
    totals.lossSum += w * (lse - xt);
    totals.weightSum += w;
    // A row of NaN, +Inf or only −Inf: its loss is NaN (as PyTorch's) and it counts as a miss.
    if (x.some((v) => Number.isNaN(v) || v === Infinity) || lse === -Infinity) {
      totals.nanRows++;
      return;
    }
    let rank = 0;
    let best = 0;
    for (let k = 0; k < c; k++) {
      const v = x[k] as number;
      if (v > xt || (v === xt && k < t)) rank++;
      if (v > (x[best] as number)) best = k;
    }
    topK.forEach((k, j) => {
      if (rank < k) totals.hits[j] = (totals.hits[j] as number) + 1;
    });
    const correct = rank === 0 ? 1 : 0;
    totals.correct += correct;
    // The top-1 probability exp(max − lse) = 1 / Σ exp(x − max).
    const confidence = 1 / x.reduce((sum, v) => sum + Math.exp(v - (x[best] as number)), 0);
    // torchmetrics: bucketize into (b/B, (b+1)/B].
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
    totals.binCount[bin] = (totals.binCount[bin] as number) + 1;
    totals.binCorrect[bin] = (totals.binCorrect[bin] as number) + correct;
    totals.binConfidence[bin] = (totals.binConfidence[bin] as number) + confidence;
    if (totals.confusion) totals.confusion[t * c + best] = (totals.confusion[t * c + best] as number) + 1;
  });
  return totals;
}

/** evaluate(): loss, perplexity, accuracy, top-k accuracy, confidence, ECE (and the confusion metrics) of one batch. */
export function evaluate(logits: RefTensor, target: RefTensor, options: RefEvaluateOptions = {}): EvaluationResult {
  const dim = normalizeDim(options.dim ?? (logits.shape.length >= 2 ? 1 : 0), logits.shape.length);
  const classes = logits.shape[dim] ?? 0;
  return evaluationMetrics(evaluationTotals(logits, target, options), options.topK ?? [1, 5], options.base ?? Math.E, classes);
}
