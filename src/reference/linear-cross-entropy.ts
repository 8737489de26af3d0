/**
 * Float64 reference of linearCrossEntropy: the logits hidden · classifierᵀ + bias made in full,
 * then the reference crossEntropy and its gradient, and the two products of the chain rule.
 */
import { crossEntropy, crossEntropyGrad, type RefCrossEntropyOptions } from "./cross-entropy.js";
import type { RefResult, RefTensor } from "./ref-tensor.js";

export interface RefLinearCrossEntropyOptions extends Omit<RefCrossEntropyOptions, "dim"> {
  /** [V]: logits = hidden · classifierᵀ + bias. */
  bias?: ArrayLike<number>;
}

export interface RefLinearCrossEntropyGrads {
  gradHidden: RefResult;
  gradClassifier: RefResult;
  gradBias: RefResult;
}

function sizes(hidden: RefTensor, classifier: RefTensor): [number, number, number] {
  const [n, h] = hidden.shape as [number, number];
  const [v, h2] = classifier.shape as [number, number];
  if (hidden.shape.length !== 2 || classifier.shape.length !== 2 || h !== h2)
    throw new RangeError(`reference linearCrossEntropy: hidden [N, H] and classifier [V, H] expected`);
  return [n, h, v];
}

/** z[n, v] = Σ_h hidden[n, h]·classifier[v, h] + bias[v], in float64. */
export function linearLogits(hidden: RefTensor, classifier: RefTensor, bias?: ArrayLike<number>): RefResult {
  const [n, h, v] = sizes(hidden, classifier);
  const z = new Float64Array(n * v);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < v; c++) {
      let s = bias ? (bias[c] as number) : 0;
      for (let k = 0; k < h; k++) s += (hidden.data[i * h + k] as number) * (classifier.data[c * h + k] as number);
      z[i * v + c] = s;
    }
  return { data: z, shape: [n, v] };
}

/** cross_entropy(hidden · classifierᵀ + bias, target, options), class-index targets. */
export function linearCrossEntropy(
  hidden: RefTensor,
  classifier: RefTensor,
  target: RefTensor,
  options: RefLinearCrossEntropyOptions = {},
): RefResult {
  const { bias, ...ce } = options;
  return crossEntropy(linearLogits(hidden, classifier, bias), target, { ...ce, dim: 1 });
}

/** With G = d(loss)/d(logits): d/d(hidden) = G·classifier, d/d(classifier) = Gᵀ·hidden, d/d(bias) = Σ_n G. */
export function linearCrossEntropyGrad(
  hidden: RefTensor,
  classifier: RefTensor,
  target: RefTensor,
  options: RefLinearCrossEntropyOptions = {},
): RefLinearCrossEntropyGrads {
  const [n, h, v] = sizes(hidden, classifier);
  const { bias, ...ce } = options;
  const g = crossEntropyGrad(linearLogits(hidden, classifier, bias), target, { ...ce, dim: 1 }).data;
  const gx = new Float64Array(n * h);
  const gw = new Float64Array(v * h);
  const gb = new Float64Array(v);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < v; c++) {
      const gic = g[i * v + c] as number;
      gb[c] = (gb[c] as number) + gic;
      for (let k = 0; k < h; k++) {
        gx[i * h + k] = (gx[i * h + k] as number) + gic * (classifier.data[c * h + k] as number);
        gw[c * h + k] = (gw[c * h + k] as number) + gic * (hidden.data[i * h + k] as number);
      }
    }
  return { gradHidden: { data: gx, shape: [n, h] }, gradClassifier: { data: gw, shape: [v, h] }, gradBias: { data: gb, shape: [v] } };
}
