// The Keras and scikit-learn losses (src/keras.ts): xent.keras.*, logLoss, and their gradients.
import type * as TF from "@tensorflow/tfjs-core";
import * as ref from "../reference/index.js";
import { kKerasOptionChecks, kLogLossOptionChecks, kSparseKerasOptionChecks } from "../keras.js";
import type { Tensor } from "../tensor.js";
import { distributions, floats, input, labels, refOf, uniform, withGrad } from "./cases.js";
import type { HostArray, OpCase, Random, RegisteredOp, Tf, TfjsCounterpart } from "./types.js";

type KerasName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "binaryCrossentropy";

/** Keras' clip of probabilities, [1e-7, 1 − 1e-7]. */
const clip = (tf: Tf, p: TF.Tensor): TF.Tensor => tf.clipByValue(p, 1e-7, 1 - 1e-7);
/** Rows renormalised to sum 1, then clipped (Keras 3's probability losses). */
const renormalised = (tf: Tf, p: TF.Tensor): TF.Tensor => clip(tf, tf.div(p, tf.sum(p, -1, true)));

/** Keras' formulas in TF.js ops, (yTrue, yPred) in Keras' order; the case lists yPred first. */
const kTfCounterparts: Record<KerasName, TfjsCounterpart["fn"]> = {
  categoricalCrossentropy: (tf, [p, y]) => tf.neg(tf.mean(tf.sum(tf.mul(y as TF.Tensor, tf.log(renormalised(tf, p as TF.Tensor))), -1))),
  sparseCategoricalCrossentropy: (tf, [p, y], c) =>
    tf.neg(
      tf.mean(tf.sum(tf.mul(tf.oneHot(y as TF.Tensor1D, input(c, 0).shape[1] as number), tf.log(renormalised(tf, p as TF.Tensor))), -1)),
    ),
  binaryCrossentropy: (tf, [p, y]) => tf.losses.logLoss(y as TF.Tensor, clip(tf, p as TF.Tensor)),
};

/**
 * A Keras-named loss: (yTrue, yPred) in Keras' order, yPred probabilities (variant "probabilities",
 * with `probabilityOptions`) or logits ("from logits").
 */
function kerasEntry(
  name: KerasName,
  optionChecks: RegisteredOp["optionChecks"],
  probabilities: (random: Random, rows: number, classes: number) => Float32Array,
  yTrue: (random: Random, rows: number, classes: number) => HostArray,
  probabilityOptions: Record<string, unknown>,
): RegisteredOp {
  return {
    name: `keras.${name}`,
    kind: "rows",
    optionChecks,
    dtypes: ["f32"],
    variants: ["probabilities", "from logits"],
    sample: (random, rows, classes, variant) => {
      const logits = variant === "from logits";
      const pred = logits ? floats(random, rows * classes) : probabilities(random, rows, classes);
      return {
        inputs: [{ data: pred, shape: [rows, classes] }, yTrue(random, rows, classes)],
        tensorOptions: {},
        options: logits ? { fromLogits: true } : probabilityOptions,
      };
    },
    // The float input whose dtype varies is yPred, listed first.
    run: (xent, [pred, y], o) => [xent.keras[name](y as Tensor, pred as Tensor, o)],
    reference: (c) => [[ref.keras[name](refOf(input(c, 1)), refOf(input(c, 0)), c.options)]],
    tolerance: { atol: 1e-6, rtol: 1e-5 },
    // Categorical and binary read two tensors of the predictions' size; sparse reads the predictions.
    bench: name === "sparseCategoricalCrossentropy" ? "read" : "2×read",
    tfjs: { offered: name },
    tfjsCounterpart: { fn: kTfCounterparts[name] },
  };
}

/** A Keras-named loss and its `…WithGrad` twin. */
function kerasEntries(...args: Parameters<typeof kerasEntry>): RegisteredOp[] {
  const forward = kerasEntry(...args);
  const name = args[0];
  const grad = withGrad(forward, {
    optionChecks: args[1],
    run: (xent, [pred, y], o) => xent.keras[`${name}WithGrad`](y as Tensor, pred as Tensor, o),
    gradRef: (c) => ref.keras[`${name}Grad`](refOf(input(c, 1)), refOf(input(c, 0)), c.options).data,
    bench: name === "sparseCategoricalCrossentropy" ? "read+copy" : "2×read+copy",
    tfjsCounterpart: { fn: kTfCounterparts[name], grad: true },
    // The gradient of a mean over N of terms of up to 1e7 (the clip): judged relative to the largest.
    tolerance: { atol: 2e-6, rtol: 3e-5 },
  });
  return [forward, grad];
}

/** A logLoss case as scikit-learn takes it: labels and rows of probabilities. */
function logLossCase(c: OpCase): { labels: number[]; rows: number[][] } {
  const p = input(c, 0);
  const classes = p.shape[1] as number;
  const rows = Array.from({ length: p.shape[0] as number }, (_, r) => Array.from(p.data.subarray(r * classes, (r + 1) * classes)));
  return { labels: Array.from(input(c, 1).data), rows };
}

const logLoss: RegisteredOp = {
  name: "logLoss",
  kind: "rows",
  optionChecks: kLogLossOptionChecks,
  dtypes: ["f32"],
  variants: ["number labels, all classes named"],
  sample: (random, rows, classes) => ({
    inputs: [
      { data: distributions(random, rows, classes), shape: [rows, classes] },
      { data: labels(random, rows, classes, false), shape: [rows] },
    ],
    tensorOptions: {},
    // Named, so that classes absent from yTrue still count (sklearn's `labels`).
    options: { labels: Array.from({ length: classes }, (_, i) => i) },
  }),
  // sklearn takes its labels as a plain array: the case's, not a tensor.
  run: (xent, [pred], o, c) => [xent.logLoss(Array.from(input(c, 1).data), pred as Tensor, o)],
  reference: (c) => {
    const { labels, rows } = logLossCase(c);
    return [[ref.logLoss(labels, rows, { labels: c.options.labels as number[], eps: 2 ** -23 })]];
  },
  tolerance: { atol: 1e-6, rtol: 1e-5 },
  bench: "read",
  tfjs: { offered: "logLoss" },
  tfjsCounterpart: { fn: kTfCounterparts.sparseCategoricalCrossentropy },
};

export const ops: RegisteredOp[] = [
  ...kerasEntries(
    "categoricalCrossentropy",
    kKerasOptionChecks,
    // Keras renormalises probability rows: these sum to 0.99.
    (random, rows, classes) => distributions(random, rows, classes).map((v) => v * 0.99),
    (random, rows, classes) => ({ data: distributions(random, rows, classes), shape: [rows, classes] }),
    { labelSmoothing: 0.1 },
  ),
  ...kerasEntries(
    "sparseCategoricalCrossentropy",
    kSparseKerasOptionChecks,
    // Keras 3 renormalises probability rows: these sum to 0.98, and some values clip.
    (random, rows, classes) => distributions(random, rows, classes).map((v, i) => (i % 7 === 3 ? 0 : v * 0.98)),
    (random, rows, classes) => ({ data: labels(random, rows, classes, false), shape: [rows] }),
    {},
  ),
  ...kerasEntries(
    "binaryCrossentropy",
    kKerasOptionChecks,
    (random, rows, classes) => uniform(random, rows * classes),
    (random, rows, classes) => ({ data: uniform(random, rows * classes).map(Math.round), shape: [rows, classes] }),
    { labelSmoothing: 0.2 },
  ),
  logLoss,
  withGrad(logLoss, {
    optionChecks: kLogLossOptionChecks,
    // Class ids as an i32 tensor (yTrue's other form).
    run: (xent, [pred, ids], o) => xent.logLossWithGrad(ids as Tensor, pred as Tensor, o),
    gradRef: (c) => {
      const { labels, rows } = logLossCase(c);
      return ref.logLossGrad(labels, rows, { labels: c.options.labels as number[], eps: 2 ** -23 });
    },
    bench: "read+copy",
    tfjsCounterpart: { fn: kTfCounterparts.sparseCategoricalCrossentropy, grad: true },
  }),
];
