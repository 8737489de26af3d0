// crossEntropy, nllLoss and their gradients (src/ops/cross-entropy.ts).
import * as ref from "../reference/index.js";
import { kCrossEntropyOptionChecks, kCrossEntropyWithGradOptionChecks, kNllLossOptionChecks } from "../ops/cross-entropy.js";
import type { Tensor } from "../tensor.js";
import { distributions, floats, input, labels, logDistributions, one, refOf, refOptions, uniform, withGrad } from "./cases.js";
import type { OpCase, Random, RegisteredOp, Tf } from "./types.js";
import type * as TF from "@tensorflow/tfjs-core";

const kCrossEntropyVariants = ["mean", "none, class weights, smoothing", "sum, probability targets", "mean, zLoss, softcap"] as const;

function crossEntropyCase(random: Random, rows: number, classes: number, variant: string): OpCase {
  const logits = { data: floats(random, rows * classes), shape: [rows, classes] };
  const index = { data: labels(random, rows, classes), shape: [rows] };
  switch (variant) {
    case "none, class weights, smoothing":
      return {
        inputs: [logits, index],
        tensorOptions: { weight: { data: uniform(random, classes).map((v) => v + 0.5), shape: [classes] } },
        options: { reduction: "none", labelSmoothing: 0.1 },
      };
    case "sum, probability targets":
      return {
        inputs: [logits, { data: distributions(random, rows, classes), shape: [rows, classes] }],
        tensorOptions: {},
        options: { reduction: "sum" },
      };
    case "mean, zLoss, softcap":
      return { inputs: [logits, index], tensorOptions: {}, options: { zLoss: 1e-3, softcap: 3 } };
    default:
      return { inputs: [logits, index], tensorOptions: {}, options: {} };
  }
}

/** TF.js's targets for a case: the one-hot of class indices (built in the call, as users with class ids do), or the probabilities. */
const tfTargets = (tf: Tf, t: TF.Tensor, classes: number): TF.Tensor => (t.dtype === "int32" ? tf.oneHot(t, classes) : t);
const classesOf = (c: OpCase): number => input(c, 0).shape[1] as number;

/**
 * crossEntropyWithGrad with probability targets: g = (W·p − q)/N with W = Σ q over the row, so an
 * element is a difference of terms as large as max-row Σ|q| / N even when it is tiny itself (targets
 * of −1e4 on one class: W·p and q cancel to 5e-5, and p's last-ulp error times 1e4 shows).
 */
function gradTermScale(c: OpCase): { scale: number[]; overflow: boolean[] } {
  const [x, y] = c.inputs;
  if (!x || !y || !(y.data instanceof Float32Array) || y.shape.join() !== x.shape.join())
    return { scale: [0, 0], overflow: [false, false] };
  const rank = x.shape.length;
  const d = c.options.dim;
  const dim = typeof d === "number" ? (d < 0 ? d + rank : d) : rank >= 2 ? 1 : 0;
  const outer = x.shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const classes = x.shape[dim] ?? 1;
  const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  let rowMax = 0;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let sum = 0;
      for (let k = 0; k < classes; k++) {
        const v = Math.abs(y.data[(o * classes + k) * inner + i] as number);
        if (Number.isFinite(v)) sum += v;
      }
      rowMax = Math.max(rowMax, sum);
    }
  const rows = outer * inner;
  const r = c.options.reduction;
  const scale = r === "sum" || r === "none" || rows === 0 ? rowMax : rowMax / rows;
  return { scale: [0, scale], overflow: [false, rowMax >= 3.4028234663852886e38] };
}

const crossEntropy: RegisteredOp = {
  name: "crossEntropy",
  kind: "rows",
  optionChecks: kCrossEntropyOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: kCrossEntropyVariants,
  sample: crossEntropyCase,
  run: (xent, [x, t], o) => [xent.crossEntropy(x as Tensor, t as Tensor, o)],
  reference: (c) => one(ref.crossEntropy(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c))),
  tolerance: { atol: 2e-6, rtol: 3e-5 },
  bench: "read",
  tfjs: { offered: "crossEntropy" },
  tfjsCounterpart: { fn: (tf, [x, t], c) => tf.losses.softmaxCrossEntropy(tfTargets(tf, t as TF.Tensor, classesOf(c)), x as TF.Tensor) },
};

const nllLoss: RegisteredOp = {
  name: "nllLoss",
  kind: "rows",
  optionChecks: kNllLossOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: ["mean", "none, class weights"],
  sample: (random, rows, classes, variant): OpCase => ({
    inputs: [
      { data: logDistributions(random, rows, classes), shape: [rows, classes] },
      { data: labels(random, rows, classes), shape: [rows] },
    ],
    tensorOptions: variant === "mean" ? {} : { weight: { data: uniform(random, classes).map((v) => v + 0.5), shape: [classes] } },
    options: variant === "mean" ? {} : { reduction: "none" },
  }),
  run: (xent, [x, t], o) => [xent.nllLoss(x as Tensor, t as Tensor, o)],
  reference: (c) => one(ref.nllLoss(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c))),
  tolerance: { atol: 2e-6, rtol: 1e-5 },
  bench: "read",
  tfjs: { offered: "nllLoss" },
  tfjsCounterpart: {
    fn: (tf, [x, t], c) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(t as TF.Tensor1D, classesOf(c)), x as TF.Tensor), -1))),
  },
};

export const ops: RegisteredOp[] = [
  crossEntropy,
  nllLoss,
  withGrad(nllLoss, {
    optionChecks: kNllLossOptionChecks,
    run: (xent, [x, t], o) => xent.nllLossWithGrad(x as Tensor, t as Tensor, o),
    gradRef: (c) => ref.nllLossGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)).data,
    bench: "read+copy",
    tfjsCounterpart: { ...(nllLoss.tfjsCounterpart as NonNullable<RegisteredOp["tfjsCounterpart"]>), grad: true },
  }),
  {
    ...withGrad(crossEntropy, {
      optionChecks: kCrossEntropyWithGradOptionChecks,
      run: (xent, [x, t], o) => xent.crossEntropyWithGrad(x as Tensor, t as Tensor, o),
      gradRef: (c) => ref.crossEntropyGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)).data,
      bench: "read+copy",
      tfjsCounterpart: { ...(crossEntropy.tfjsCounterpart as NonNullable<RegisteredOp["tfjsCounterpart"]>), grad: true },
    }),
    fuzz: { termScale: gradTermScale },
  },
];
