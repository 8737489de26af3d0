// linearCrossEntropy, its gradient and matmul (src/ops/linear-cross-entropy.ts, src/ops/matmul.ts):
// ops without a row view of their inputs. A case of `rows` × `classes` is N tokens of a
// vocabulary of V = classes, hidden size kHidden.
import type * as TF from "@tensorflow/tfjs-core";
import * as ref from "../reference/index.js";
import { kLinearCrossEntropyOptionChecks, kLinearCrossEntropyWithGradOptionChecks } from "../ops/linear-cross-entropy.js";
import { kMatmulOptionChecks } from "../ops/matmul.js";
import type { Tensor } from "../tensor.js";
import { floats, input, labels, refOf, uniform } from "./cases.js";
import type { OpCase, Random, RegisteredOp } from "./types.js";

/** The hidden size of the cases: not a multiple of the 16-deep k-steps of the tiled product. */
const kHidden = 20;

function linearCase(random: Random, rows: number, classes: number, variant: string): OpCase {
  const h = kHidden;
  const base: OpCase = {
    inputs: [
      // Scaled so that logits are O(1).
      { data: floats(random, rows * h, 2 / Math.sqrt(h)), shape: [rows, h] },
      { data: floats(random, classes * h, 2), shape: [classes, h] },
      { data: labels(random, rows, classes), shape: [rows] },
    ],
    tensorOptions: {},
    options: {},
  };
  if (variant === "mean") return base;
  return {
    ...base,
    tensorOptions: {
      bias: { data: floats(random, classes, 1), shape: [classes] },
      weight: { data: uniform(random, classes).map((v) => v + 0.25), shape: [classes] },
    },
    options: { labelSmoothing: 0.1, zLoss: 1e-3, softcap: 4, reduction: "sum" },
  };
}

/** The reference's options: bias and class weights as plain arrays. */
function refLinearOptions(c: OpCase): ref.RefLinearCrossEntropyOptions {
  const o: Record<string, unknown> = { ...c.options };
  for (const [k, v] of Object.entries(c.tensorOptions)) o[k] = v.data;
  return o;
}

const args = (c: OpCase): [ref.RefTensor, ref.RefTensor, ref.RefTensor, ref.RefLinearCrossEntropyOptions] => [
  refOf(input(c, 0)),
  refOf(input(c, 1)),
  refOf(input(c, 2)),
  refLinearOptions(c),
];

// Every option at once: each set of options is a build of the tile kernels (a compile of the tiled
// product each); test/ops/linear-cross-entropy.test.ts runs them one at a time.
const kVariants = ["bias, class weights, smoothing, zLoss, softcap, sum"] as const;
/** hidden · classifierᵀ + bias in TF.js, then its softmax cross-entropy (users without the fused op). */
const tfLinearLogits = (tf: typeof TF, [x, w]: TF.Tensor[]): TF.Tensor => tf.matMul(x as TF.Tensor, w as TF.Tensor, false, true);

export const ops: RegisteredOp[] = [
  {
    name: "linearCrossEntropy",
    kind: "linear",
    optionChecks: kLinearCrossEntropyOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: kVariants,
    sample: linearCase,
    run: (xent, [x, w, t], o) => [xent.linearCrossEntropy(x as Tensor, w as Tensor, t as Tensor, o)],
    reference: (c) => [ref.linearCrossEntropy(...args(c)).data],
    tolerance: { atol: 1e-6, rtol: 1e-4 },
    // Reads hidden and the classifier once (the [N, V] logits never exist).
    bench: "read",
    tfjs: { offered: "linearCrossEntropy" },
    tfjsCounterpart: {
      fn: (tf, inputs, c) =>
        tf.losses.softmaxCrossEntropy(tf.oneHot(inputs[2] as TF.Tensor1D, input(c, 1).shape[0] as number), tfLinearLogits(tf, inputs)),
    },
  },
  {
    name: "linearCrossEntropyWithGrad",
    kind: "linear",
    optionChecks: kLinearCrossEntropyWithGradOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: kVariants,
    sample: linearCase,
    run: (xent, [x, w, t], o) => {
      const r = xent.linearCrossEntropyWithGrad(x as Tensor, w as Tensor, t as Tensor, o);
      return [r.loss, r.gradHidden, r.gradClassifier, ...(r.gradBias ? [r.gradBias] : [])];
    },
    reference: (c) => {
      const g = ref.linearCrossEntropyGrad(...args(c));
      return [
        ref.linearCrossEntropy(...args(c)).data,
        g.gradHidden.data,
        g.gradClassifier.data,
        ...(c.tensorOptions.bias ? [g.gradBias.data] : []),
      ];
    },
    // Gradients are sums over H (hidden) or N (classifier) of products with p − onehot.
    tolerance: { atol: 1e-5, rtol: 1e-4 },
    bench: "read+copy",
    tfjs: { offered: "linearCrossEntropy" },
  },
  {
    name: "matmul",
    kind: "linear",
    optionChecks: kMatmulOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: ["a · bᵀ", "aᵀ · b"],
    // a [N, H] · b [V, H]ᵀ, or aᵀ [N, V]ᵀ · b [N, H] (the two products of linearCrossEntropy's gradient).
    sample: (random, rows, classes, variant) =>
      variant === "aᵀ · b"
        ? {
            inputs: [
              { data: floats(random, rows * classes, 1), shape: [rows, classes] },
              { data: floats(random, rows * kHidden, 1), shape: [rows, kHidden] },
            ],
            tensorOptions: {},
            options: { transposeA: true },
          }
        : {
            inputs: [
              { data: floats(random, rows * kHidden, 1), shape: [rows, kHidden] },
              { data: floats(random, classes * kHidden, 1), shape: [classes, kHidden] },
            ],
            tensorOptions: {},
            options: { transposeB: true },
          },
    run: (xent, [a, b], o) => [xent.matmul(a as Tensor, b as Tensor, o)],
    reference: (c) => [ref.matmul(refOf(input(c, 0)), refOf(input(c, 1)), c.options).data],
    tolerance: { atol: 1e-5, rtol: 1e-5 },
    bench: "2×read",
    tfjs: { excluded: "TF.js has tf.matMul" },
    tfjsCounterpart: {
      fn: (tf, [a, b], c) => tf.matMul(a as TF.Tensor, b as TF.Tensor, c.options.transposeA === true, c.options.transposeB === true),
    },
    torch: { outputs: ["(x[0].T if o.get('transposeA') else x[0]) @ (x[1].T if o.get('transposeB') else x[1])"] },
  },
];
