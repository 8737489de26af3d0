// jsDiv and jsDivWithGrad (src/ops/js-div.ts): Liger's generalised Jensen–Shannon divergence, the
// distillation loss of a student's log-probabilities against a teacher's.
import type * as TF from "@tensorflow/tfjs-core";
import * as ref from "../reference/index.js";
import { kJsDivOptionChecks } from "../ops/js-div.js";
import type { Tensor } from "../tensor.js";
import { input, kFloors, labels, logDistributions, one, refOf, refOptions, withGrad } from "./cases.js";
import type { OpCase, RegisteredOp } from "./types.js";

const kVariants = ["batchmean", "labels, beta 0.1", "forward KL (beta 0), labels", "reverse KL (beta 1), sum", "none, labels, u32"];

function sample(random: () => number, rows: number, classes: number, variant: string): OpCase {
  const withLabels = variant.includes("labels");
  const beta = variant.includes("beta 0.1") ? 0.1 : variant.includes("beta 0)") ? 0 : variant.includes("beta 1)") ? 1 : undefined;
  const reduction = variant.startsWith("none") ? "none" : variant.endsWith("sum") ? "sum" : undefined;
  const ids = labels(random, rows, classes);
  return {
    // The teacher sharper than the student, so the terms differ in size.
    inputs: [
      { data: logDistributions(random, rows, classes, 3), shape: [rows, classes] },
      { data: logDistributions(random, rows, classes, 6), shape: [rows, classes] },
    ],
    tensorOptions: withLabels
      ? { labels: { data: variant.includes("u32") ? Uint32Array.from(ids, (t) => (t < 0 ? 7 : t)) : ids, shape: [rows] } }
      : {},
    options: {
      ...(beta === undefined ? {} : { beta }),
      ...(reduction ? { reduction } : {}),
      ...(variant.includes("u32") ? { ignoreIndex: 7 } : {}),
    },
  };
}

// PyTorch, in float64, as Liger defines it: the ends are the two KLs, the middle xlogy's mixture.
const kTorchElements =
  "(lambda X, Y, b: torch.where(Y.exp() == 0, 0.0, Y.exp() * (Y - X)) if b == 0 else torch.where(X.exp() == 0, 0.0, X.exp() * (X - Y)) if b == 1 else " +
  "b * torch.xlogy(Y.exp(), Y.exp()) + (1 - b) * torch.xlogy(X.exp(), X.exp()) - torch.xlogy(b * Y.exp() + (1 - b) * X.exp(), b * Y.exp() + (1 - b) * X.exp()))" +
  "(x[0], x[1], o.get('beta', 0.5))";
const kTorchKept = "((w['labels'] != o.get('ignoreIndex', -100)) if 'labels' in w else torch.ones(x[0].shape[:-1], dtype=torch.bool))";

const jsDiv: RegisteredOp = {
  name: "jsDiv",
  kind: "rows",
  optionChecks: kJsDivOptionChecks,
  dtypes: ["f32"],
  variants: kVariants,
  sample,
  run: (xent, [q, p], o) => [xent.jsDiv(q as Tensor, p as Tensor, o)],
  reference: (c) => one(ref.jsDiv(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c))),
  tolerance: { atol: 1e-6, rtol: 1e-5 },
  bench: kFloors.twoInputs,
  tfjs: {
    excluded:
      "its labels option is an xent Tensor and tfLosses() converts tf.Tensor arguments only; offered with the adapters of the decode and evaluate ops",
  },
  torch: {
    outputs: [
      `(lambda e, k, r: e * k[..., None] if r == 'none' else (e * k[..., None]).sum() / (max(int(k.sum()), 1) if r == 'batchmean' else 1))(${kTorchElements}, ${kTorchKept}, o.get('reduction', 'batchmean'))`,
    ],
  },
  // TF.js has no JSD: its pieces on the student's and teacher's log-probabilities (batchmean, β = 0.5, no labels).
  tfjsCounterpart: {
    fn: (tf, [x, y], c) => {
      const q = tf.exp(x as TF.Tensor);
      const p = tf.exp(y as TF.Tensor);
      const logM = tf.log(tf.add(tf.mul(p, 0.5), tf.mul(q, 0.5)));
      const terms = tf.add(tf.mul(tf.mul(p, 0.5), tf.sub(y as TF.Tensor, logM)), tf.mul(tf.mul(q, 0.5), tf.sub(x as TF.Tensor, logM)));
      return tf.div(tf.sum(terms), input(c, 0).shape[0] as number);
    },
  },
};

export const ops: RegisteredOp[] = [
  jsDiv,
  withGrad(jsDiv, {
    optionChecks: kJsDivOptionChecks,
    run: (xent, [q, p], o) => xent.jsDivWithGrad(q as Tensor, p as Tensor, o),
    gradRef: (c) => ref.jsDivGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)).data,
    bench: kFloors.twoInputsGrad,
    tfjsCounterpart: { ...(jsDiv.tfjsCounterpart as NonNullable<RegisteredOp["tfjsCounterpart"]>), grad: true },
  }),
];
