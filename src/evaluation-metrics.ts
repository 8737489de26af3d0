/**
 * The metrics of an evaluation from its accumulated counts and sums: what `evaluate()` /
 * `evaluator().read()` give and the float64 reference computes alike (torchmetrics' definitions).
 * Plain arithmetic on the CPU, in float64, once per read.
 */

/** What an evaluation accumulates (the GPU in its accumulator buffer, the reference in float64). */
export interface EvaluationTotals {
  /** Σ w_t · (logsumexp(x) − x_t) over the counted rows (nats). */
  lossSum: number;
  /** Σ w_t over the counted rows. */
  weightSum: number;
  /** Rows whose target is not ignored. */
  count: number;
  /** Counted rows with a NaN or +Inf logit (misses, in no calibration bin or confusion cell). */
  nanRows: number;
  /** Counted rows whose target is the argmax (first index among ties). */
  correct: number;
  /** Per k of `topK`: rows whose target ranks below k. */
  hits: number[];
  /** Per calibration bin (confidence in (b/B, (b+1)/B]): rows, correct rows, Σ confidence. */
  binCount: number[];
  binCorrect: number[];
  binConfidence: number[];
  /** [C, C] counts, row = target, column = argmax prediction (with `confusion`). */
  confusion?: Uint32Array;
}

/** Precision, recall, F1 and IoU per class and their macro means, from a confusion matrix. */
export interface ConfusionMetrics {
  /** [C, C] row-major counts: row = true class, column = predicted class (sklearn's confusion_matrix). */
  matrix: Uint32Array;
  classes: number;
  /** Per class: TP / (TP + FP), 0 where the class is never predicted. */
  precision: Float64Array;
  /** Per class: TP / (TP + FN), 0 where the class never occurs. */
  recall: Float64Array;
  /** Per class: 2PR / (P + R), 0 where both are 0. */
  f1: Float64Array;
  /** Per class: TP / (TP + FP + FN) (Jaccard), 0 where the class is neither present nor predicted. */
  iou: Float64Array;
  /** Means over all C classes (absent classes count as 0, as torchmetrics' macro average with zero_division 0). */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  meanIoU: number;
}

export interface EvaluationResult {
  /** Rows counted (targets not ignored). */
  count: number;
  /** crossEntropy's 'mean': Σ w_t ℓ / Σ w_t, in units of `base` (NaN with no rows, as torch). */
  loss: number;
  /** base^loss = exp(mean cross-entropy in nats) (torchmetrics Perplexity for an LM's tokens). */
  perplexity: number;
  /** Top-1 accuracy (the argmax, first index among ties); pixel accuracy for a segmentation map. */
  accuracy: number;
  /** Top-k accuracy per requested k. */
  topK: Record<number, number>;
  /** Mean top-1 probability. */
  confidence: number;
  /** torchmetrics MulticlassCalibrationError (norm "l1", bins (b/B, (b+1)/B]). */
  ece: number;
  /** Rows with NaN or +Inf logits: they count as misses and make loss, confidence and ece NaN. */
  nanRows: number;
  confusion?: ConfusionMetrics;
}

/** The metrics from accumulated totals; `base` is the loss's logarithm base. */
export function evaluationMetrics(t: EvaluationTotals, topK: readonly number[], base: number, classes: number): EvaluationResult {
  const n = t.count;
  const nanPoison = t.nanRows > 0 ? NaN : 0;
  const lossNats = t.lossSum / t.weightSum;
  const loss = base === Math.E ? lossNats : lossNats / Math.log(base);
  let ece = 0;
  let confidenceSum = 0;
  for (let b = 0; b < t.binCount.length; b++) {
    const count = t.binCount[b] as number;
    confidenceSum += t.binConfidence[b] as number;
    if (count === 0) continue;
    ece += Math.abs((t.binCorrect[b] as number) / count - (t.binConfidence[b] as number) / count) * (count / (n - t.nanRows));
  }
  const result: EvaluationResult = {
    count: n,
    loss,
    perplexity: Math.exp(lossNats),
    accuracy: t.correct / n,
    topK: Object.fromEntries(topK.map((k, j) => [k, (t.hits[j] as number) / n])),
    confidence: confidenceSum / (n - t.nanRows) + nanPoison,
    ece: (n - t.nanRows > 0 ? ece : NaN) + nanPoison,
    nanRows: t.nanRows,
  };
  if (t.confusion) result.confusion = confusionMetrics(t.confusion, classes);
  return result;
}

export function confusionMetrics(matrix: Uint32Array, classes: number): ConfusionMetrics {
  const precision = new Float64Array(classes);
  const recall = new Float64Array(classes);
  const f1 = new Float64Array(classes);
  const iou = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const tp = matrix[c * classes + c] as number;
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < classes; k++) {
      predicted += matrix[k * classes + c] as number;
      actual += matrix[c * classes + k] as number;
    }
    precision[c] = predicted > 0 ? tp / predicted : 0;
    recall[c] = actual > 0 ? tp / actual : 0;
    const pr = (precision[c] as number) + (recall[c] as number);
    f1[c] = pr > 0 ? (2 * (precision[c] as number) * (recall[c] as number)) / pr : 0;
    const union = predicted + actual - tp;
    iou[c] = union > 0 ? tp / union : 0;
  }
  const mean = (a: Float64Array): number => (classes > 0 ? a.reduce((s, v) => s + v, 0) / classes : NaN);
  return {
    matrix,
    classes,
    precision,
    recall,
    f1,
    iou,
    macroPrecision: mean(precision),
    macroRecall: mean(recall),
    macroF1: mean(f1),
    meanIoU: mean(iou),
  };
}
