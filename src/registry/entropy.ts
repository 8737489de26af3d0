// entropy and entropyWithGrad (src/ops/entropy.ts).
import type * as TF from "@tensorflow/tfjs-core";
import * as ref from "../reference/index.js";
import { kEntropyOptionChecks } from "../ops/entropy.js";
import type { Tensor } from "../tensor.js";
import { distributions, floats, input, one, refOf, withGrad } from "./cases.js";
import type { RegisteredOp } from "./types.js";

const entropy: RegisteredOp = {
  name: "entropy",
  kind: "rows",
  optionChecks: kEntropyOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: ["from logits, mean", "probabilities, bits"],
  sample: (random, rows, classes, variant) =>
    variant === "from logits, mean"
      ? {
          inputs: [{ data: floats(random, rows * classes), shape: [rows, classes] }],
          tensorOptions: {},
          options: { fromLogits: true, reduction: "mean" },
        }
      : { inputs: [{ data: distributions(random, rows, classes), shape: [rows, classes] }], tensorOptions: {}, options: { base: 2 } },
  run: (xent, [x], o) => [xent.entropy(x as Tensor, o)],
  reference: (c) => one(ref.entropy(refOf(input(c, 0)), c.options)),
  tolerance: { atol: 2e-6, rtol: 2e-5 },
  bench: "read",
  tfjs: { offered: "entropy" },
  tfjsCounterpart: { fn: (tf, [x]) => tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(x as TF.Tensor), tf.logSoftmax(x as TF.Tensor)), -1))) },
  // Categorical's entropy from logits (torch.special.entr of its probabilities), entr of probabilities; in nats / ln base.
  torch: {
    outputs: [
      "reduce((torch.distributions.Categorical(logits=x[0].movedim(o.get('dim', -1), -1)).entropy() if o.get('fromLogits') else torch.special.entr(x[0]).sum(o.get('dim', -1))) / math.log(o.get('base', math.e)), o.get('reduction', 'none'))",
    ],
  },
};

export const ops: RegisteredOp[] = [
  entropy,
  withGrad(entropy, {
    optionChecks: kEntropyOptionChecks,
    run: (xent, [x], o) => xent.entropyWithGrad(x as Tensor, o),
    gradRef: (c) => ref.entropyGrad(refOf(input(c, 0)), c.options).data,
    bench: "read+copy",
    tfjsCounterpart: { ...(entropy.tfjsCounterpart as NonNullable<RegisteredOp["tfjsCounterpart"]>), grad: true },
  }),
];
