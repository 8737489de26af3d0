// The elementwise losses: binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv and their
// gradients (src/ops/binary-cross-entropy*.ts, src/ops/kl-div.ts).
import type * as TF from "@tensorflow/tfjs-core";
import * as ref from "../reference/index.js";
import { kBinaryCrossEntropyOptionChecks } from "../ops/binary-cross-entropy.js";
import { kBinaryCrossEntropyWithLogitsOptionChecks } from "../ops/binary-cross-entropy-with-logits.js";
import { kKlDivOptionChecks } from "../ops/kl-div.js";
import type { Tensor } from "../tensor.js";
import { distributions, floats, input, logDistributions, one, refOf, refOptions, uniform, withGrad } from "./cases.js";
import type { OpCase, RegisteredOp } from "./types.js";

/** The largest finite magnitude of an array (0 when absent). */
const maxAbs = (a: { data: ArrayLike<number> } | undefined): number => {
  let m = 0;
  for (const v of Array.from(a?.data ?? [])) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
};
const outside01 = (a: { data: ArrayLike<number> } | undefined): boolean => Array.from(a?.data ?? []).some((v) => v < 0 || v > 1);

/**
 * Targets outside [0, 1] (or huge weights) make each element a difference of large terms: BCE's
 * y·log p and (1 − y)·log(1 − p), logs clamped at −100; with logits, (1 − y)·x against lw·softplus(−x)
 * and, in the gradient, lw·σ(x) against pw·y. For the fuzzer on such inputs: the terms' size.
 */
function bceTerms(c: OpCase): { scale: number[]; overflow: boolean[] } {
  const [x, y] = c.inputs;
  const w = Math.max(1, maxAbs(c.tensorOptions.weight));
  const pw = Math.max(1, maxAbs(c.tensorOptions.posWeight));
  if (!outside01(y) && w <= 10 && pw <= 10) return { scale: [0, 0], overflow: [false, false] };
  const ys = 1 + maxAbs(y);
  const xs = Math.min(100, 1 + maxAbs(x));
  return { scale: [w * pw * ys * 100 * xs, w * pw * ys * xs], overflow: [false, false] };
}

const binaryCrossEntropy: RegisteredOp = {
  name: "binaryCrossEntropy",
  kind: "rows",
  optionChecks: kBinaryCrossEntropyOptionChecks,
  dtypes: ["f32"],
  variants: ["mean", "none, weight over the last dim", "sum, weight [N, 1]"],
  sample: (random, rows, classes, variant): OpCase => ({
    inputs: [
      { data: uniform(random, rows * classes), shape: [rows, classes] },
      { data: uniform(random, rows * classes), shape: [rows, classes] },
    ],
    tensorOptions:
      variant === "mean"
        ? {}
        : variant === "sum, weight [N, 1]"
          ? { weight: { data: uniform(random, rows), shape: [rows, 1] } }
          : { weight: { data: uniform(random, classes), shape: [classes] } },
    options: variant === "mean" ? {} : { reduction: variant === "sum, weight [N, 1]" ? "sum" : "none" },
  }),
  run: (xent, [x, y], o) => [xent.binaryCrossEntropy(x as Tensor, y as Tensor, o)],
  reference: (c) => one(ref.binaryCrossEntropy(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c, true))),
  tolerance: { atol: 1e-6, rtol: 1e-5 },
  bench: "2×read",
  tfjs: { offered: "binaryCrossEntropy" },
  fuzz: { termScale: bceTerms },
  tfjsCounterpart: { fn: (tf, [p, y]) => tf.losses.logLoss(y as TF.Tensor, p as TF.Tensor) },
};

const binaryCrossEntropyWithLogits: RegisteredOp = {
  name: "binaryCrossEntropyWithLogits",
  kind: "rows",
  optionChecks: kBinaryCrossEntropyWithLogitsOptionChecks,
  dtypes: ["f32"],
  variants: ["mean", "sum, weight and posWeight"],
  sample: (random, rows, classes, variant): OpCase => ({
    inputs: [
      { data: floats(random, rows * classes, 8), shape: [rows, classes] },
      { data: uniform(random, rows * classes), shape: [rows, classes] },
    ],
    tensorOptions:
      variant === "mean"
        ? {}
        : {
            weight: { data: uniform(random, classes), shape: [classes] },
            posWeight: { data: uniform(random, classes).map((v) => 3 * v), shape: [classes] },
          },
    options: variant === "mean" ? {} : { reduction: "sum" },
  }),
  run: (xent, [x, y], o) => [xent.binaryCrossEntropyWithLogits(x as Tensor, y as Tensor, o)],
  reference: (c) => one(ref.binaryCrossEntropyWithLogits(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c, true))),
  tolerance: { atol: 1e-6, rtol: 1e-5 },
  bench: "2×read",
  tfjs: { offered: "binaryCrossEntropyWithLogits" },
  fuzz: { termScale: bceTerms },
  tfjsCounterpart: { fn: (tf, [x, y]) => tf.losses.sigmoidCrossEntropy(y as TF.Tensor, x as TF.Tensor) },
};

const klDiv: RegisteredOp = {
  name: "klDiv",
  kind: "rows",
  optionChecks: kKlDivOptionChecks,
  dtypes: ["f32"],
  variants: ["batchmean", "none, logTarget"],
  sample: (random, rows, classes, variant) => {
    const p = distributions(random, rows, classes);
    return {
      inputs: [
        { data: logDistributions(random, rows, classes), shape: [rows, classes] },
        { data: variant === "batchmean" ? p : p.map(Math.log), shape: [rows, classes] },
      ],
      tensorOptions: {},
      options: variant === "batchmean" ? { reduction: "batchmean" } : { reduction: "none", logTarget: true },
    };
  },
  run: (xent, [x, y], o) => [xent.klDiv(x as Tensor, y as Tensor, o)],
  reference: (c) => one(ref.klDiv(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c))),
  tolerance: { atol: 1e-6, rtol: 1e-5 },
  bench: "2×read",
  tfjs: { offered: "klDiv" },
  // batchmean: Σ p·(log p − x) / N.
  tfjsCounterpart: {
    fn: (tf, [x, p], c) =>
      tf.div(tf.sum(tf.mul(p as TF.Tensor, tf.sub(tf.log(p as TF.Tensor), x as TF.Tensor))), input(c, 0).shape[0] as number),
  },
};

const grad = (f: RegisteredOp): NonNullable<RegisteredOp["tfjsCounterpart"]> => ({
  ...(f.tfjsCounterpart as NonNullable<RegisteredOp["tfjsCounterpart"]>),
  grad: true,
});

export const ops: RegisteredOp[] = [
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
  withGrad(binaryCrossEntropy, {
    optionChecks: kBinaryCrossEntropyOptionChecks,
    run: (xent, [x, y], o) => xent.binaryCrossEntropyWithGrad(x as Tensor, y as Tensor, o),
    gradRef: (c) => ref.binaryCrossEntropyGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c, true)).data,
    bench: "2×read+copy",
    tfjsCounterpart: grad(binaryCrossEntropy),
  }),
  withGrad(binaryCrossEntropyWithLogits, {
    optionChecks: kBinaryCrossEntropyWithLogitsOptionChecks,
    run: (xent, [x, y], o) => xent.binaryCrossEntropyWithLogitsWithGrad(x as Tensor, y as Tensor, o),
    gradRef: (c) => ref.binaryCrossEntropyWithLogitsGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c, true)).data,
    bench: "2×read+copy",
    tfjsCounterpart: grad(binaryCrossEntropyWithLogits),
  }),
  withGrad(klDiv, {
    optionChecks: kKlDivOptionChecks,
    run: (xent, [x, y], o) => xent.klDivWithGrad(x as Tensor, y as Tensor, o),
    gradRef: (c) => ref.klDivGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)).data,
    bench: "2×read+copy",
    tfjsCounterpart: grad(klDiv),
  }),
];
