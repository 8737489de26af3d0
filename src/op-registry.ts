/**
 * Every public op in one table: its name, option checks, accepted dtypes, how to make a random
 * case of it, how to run it on the GPU and on the float64 reference, its tolerance and its
 * benchmark floor. The conformance test (test/modes/conformance.test.ts) runs every entry under every
 * plan, dtype, binding-slice and encoder mode; the benchmark (bench/suite.ts) times every entry
 * that names a floor. The library itself never imports this module (it pulls in the reference).
 */
import * as ref from "./reference/index.js";
import type { Tensor } from "./tensor.js";
import type { Xent } from "./xent.js";
import type { LogitDType } from "./dtype.js";
import type { OptionCheck } from "./option-checks.js";
import { kSoftmaxOptionChecks } from "./ops/softmax.js";
import { kSigmoidOptionChecks } from "./ops/sigmoid.js";
import { kSoftmaxBackwardOptionChecks } from "./ops/softmax-backward.js";
import { kCrossEntropyOptionChecks, kCrossEntropyWithGradOptionChecks, kNllLossOptionChecks } from "./ops/cross-entropy.js";
import { kBinaryCrossEntropyOptionChecks } from "./ops/binary-cross-entropy.js";
import { kBinaryCrossEntropyWithLogitsOptionChecks } from "./ops/binary-cross-entropy-with-logits.js";
import { kKlDivOptionChecks } from "./ops/kl-div.js";
import { kEntropyOptionChecks } from "./ops/entropy.js";
import { kKerasOptionChecks, kLogLossOptionChecks, kSparseKerasOptionChecks } from "./keras.js";

/** CPU data of one input. */
export interface HostArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** One case of an op: its inputs in argument order (the first is the float input whose dtype varies), tensor options, plain options. */
export interface OpCase {
  inputs: HostArray[];
  /** Options that are tensors (class weights), uploaded as f32. */
  tensorOptions: Record<string, HostArray>;
  options: Record<string, unknown>;
}

export type Random = () => number;

/** Seeded random numbers in [0, 1) (mulberry32), so every case reproduces. */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How an op's time is judged in the benchmark: the bytes it must at least move. */
export type BenchFloor = "read" | "copy" | "read+copy" | "2×read" | "2×read+copy";

export interface RegisteredOp {
  /** The public name: `xent.<name>(…)` (`keras.…` under `xent.keras`). */
  readonly name: string;
  /** The option checks, one per option of the op's options interface. */
  readonly optionChecks: Readonly<Record<string, OptionCheck>>;
  /** The dtypes the first input may have. */
  readonly dtypes: readonly LogitDType[];
  /** Named option sets the conformance test runs (the op's own tests cover the rest). */
  readonly variants: readonly string[];
  /** A random case of `rows` × `classes` (the class / distribution dim last). */
  sample(random: Random, rows: number, classes: number, variant: string): OpCase;
  /** Runs the op on `inputs` (uploaded from `c`); returns the outputs compared with the reference, in order. */
  run(xent: Xent, inputs: Tensor[], options: Record<string, unknown>, c: OpCase): Tensor[];
  /** The float64 reference of the same outputs, on the inputs as the GPU sees them (16-bit values decoded). */
  reference(c: OpCase): ArrayLike<number>[];
  /** |gpu − ref| ≤ atol + rtol·|ref|. */
  readonly tolerance: { atol: number; rtol: number };
  /** The floor the benchmark judges it against (see bench/suite.ts): the bytes it must at least move. */
  readonly bench: BenchFloor;
}

const floats = (random: Random, n: number, scale = 4): Float32Array => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
const uniform = (random: Random, n: number): Float32Array => Float32Array.from({ length: n }, () => random());
/** Class indices, about one in eight ignored (−100). */
const labels = (random: Random, n: number, classes: number, ignore = true): Int32Array =>
  Int32Array.from({ length: n }, () => (ignore && random() < 0.125 ? -100 : Math.floor(random() * classes)));
/** Rows of probabilities summing to 1. */
function distributions(random: Random, rows: number, classes: number): Float32Array {
  const p = uniform(random, rows * classes).map((v) => v + 0.01);
  for (let r = 0; r < rows; r++) {
    const row = p.subarray(r * classes, (r + 1) * classes);
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((v, i) => (row[i] = v / total));
  }
  return p;
}
const refOf = (a: HostArray): ref.RefTensor => ref.refTensor(a.data, a.shape);
const input = (c: OpCase, i: number): HostArray => c.inputs[i] as HostArray;
const one = (r: ref.RefResult): ArrayLike<number>[] => [r.data];

/** Options of a case for the reference: tensor options as plain arrays, or (broadcast weights) as tensors. */
function refOptions(c: OpCase, asTensors = false): Record<string, unknown> {
  const o: Record<string, unknown> = { ...c.options };
  for (const [k, v] of Object.entries(c.tensorOptions)) o[k] = asTensors ? refOf(v) : v.data;
  return o;
}

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

type KerasName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "binaryCrossentropy";

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
  };
}

const kNllLoss: RegisteredOp = {
  name: "nllLoss",
  optionChecks: kNllLossOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: ["mean", "none, class weights"],
  sample: (random, rows, classes, variant): OpCase => {
    const logProbs = ref.logSoftmax(ref.refTensor(floats(random, rows * classes), [rows, classes])).data;
    return {
      inputs: [
        { data: Float32Array.from(logProbs), shape: [rows, classes] },
        { data: labels(random, rows, classes), shape: [rows] },
      ],
      tensorOptions: variant === "mean" ? {} : { weight: { data: uniform(random, classes).map((v) => v + 0.5), shape: [classes] } },
      options: variant === "mean" ? {} : { reduction: "none" },
    };
  },
  run: (xent, [x, t], o) => [xent.nllLoss(x as Tensor, t as Tensor, o)],
  reference: (c) => one(ref.nllLoss(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c))),
  tolerance: { atol: 2e-6, rtol: 1e-5 },
  bench: "read",
};

const kBinaryCrossEntropy: RegisteredOp = {
  name: "binaryCrossEntropy",
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
};

const kBinaryCrossEntropyWithLogits: RegisteredOp = {
  name: "binaryCrossEntropyWithLogits",
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
};

const kKlDiv: RegisteredOp = {
  name: "klDiv",
  optionChecks: kKlDivOptionChecks,
  dtypes: ["f32"],
  variants: ["batchmean", "none, logTarget"],
  sample: (random, rows, classes, variant) => {
    const logQ = ref.logSoftmax(ref.refTensor(floats(random, rows * classes), [rows, classes])).data;
    const p = distributions(random, rows, classes);
    return {
      inputs: [
        { data: Float32Array.from(logQ), shape: [rows, classes] },
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
};

const kEntropy: RegisteredOp = {
  name: "entropy",
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
};

/** A logLoss case as scikit-learn takes it: labels and rows of probabilities. */
function logLossCase(c: OpCase): { labels: number[]; rows: number[][] } {
  const p = input(c, 0);
  const classes = p.shape[1] as number;
  const rows = Array.from({ length: p.shape[0] as number }, (_, r) => Array.from(p.data.subarray(r * classes, (r + 1) * classes)));
  return { labels: Array.from(input(c, 1).data), rows };
}

const kLogLoss: RegisteredOp = {
  name: "logLoss",
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
};

/** A Keras-named loss and its `…WithGrad` twin. */
function kerasEntries(...args: Parameters<typeof kerasEntry>): RegisteredOp[] {
  const forward = kerasEntry(...args);
  const name = args[0];
  const grad = withGrad(
    forward,
    args[1],
    (xent, [pred, y], o) => xent.keras[`${name}WithGrad`](y as Tensor, pred as Tensor, o),
    (c) => ref.keras[`${name}Grad`](refOf(input(c, 1)), refOf(input(c, 0)), c.options).data,
    name === "sparseCategoricalCrossentropy" ? "read+copy" : "2×read+copy",
  );
  // The gradient of a mean over N of terms of up to 1e7 (the clip): judged relative to the largest.
  return [forward, { ...grad, tolerance: { atol: 2e-6, rtol: 3e-5 } }];
}

/**
 * The `<loss>WithGrad` twin of a registered loss: the same cases, the loss and its gradient
 * (`gradRef`, the float64 reference gradient) compared, judged against reading the inputs and
 * writing the gradient.
 */
function withGrad(
  forward: RegisteredOp,
  optionChecks: RegisteredOp["optionChecks"],
  run: (xent: Xent, inputs: Tensor[], options: Record<string, unknown>, c: OpCase) => { loss: Tensor; grad: Tensor },
  gradRef: (c: OpCase) => ArrayLike<number>,
  bench: BenchFloor,
): RegisteredOp {
  return {
    ...forward,
    name: `${forward.name}WithGrad`,
    optionChecks,
    run: (xent, inputs, options, c) => {
      const { loss, grad } = run(xent, inputs, options, c);
      return [loss, grad];
    },
    reference: (c) => [...forward.reference(c), gradRef(c)],
    bench,
  };
}

export const kOpRegistry: readonly RegisteredOp[] = [
  {
    name: "softmax",
    optionChecks: kSoftmaxOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: ["T = 1", "T = 0.5"],
    sample: (random, rows, classes, variant) => ({
      inputs: [{ data: floats(random, rows * classes), shape: [rows, classes] }],
      tensorOptions: {},
      options: variant === "T = 0.5" ? { temperature: 0.5 } : {},
    }),
    run: (xent, [x], o) => [xent.softmax(x as Tensor, o)],
    reference: (c) => one(ref.softmax(refOf(input(c, 0)), c.options)),
    tolerance: { atol: 1e-6, rtol: 2e-5 },
    bench: "copy",
  },
  {
    name: "logSoftmax",
    optionChecks: kSoftmaxOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: ["T = 1"],
    sample: (random, rows, classes) => ({
      inputs: [{ data: floats(random, rows * classes), shape: [rows, classes] }],
      tensorOptions: {},
      options: {},
    }),
    run: (xent, [x], o) => [xent.logSoftmax(x as Tensor, o)],
    reference: (c) => one(ref.logSoftmax(refOf(input(c, 0)), c.options)),
    tolerance: { atol: 2e-5, rtol: 2e-5 },
    bench: "copy",
  },
  {
    name: "sigmoid",
    optionChecks: kSigmoidOptionChecks,
    dtypes: ["f32"],
    variants: ["plain"],
    sample: (random, rows, classes) => ({
      inputs: [{ data: floats(random, rows * classes, 20), shape: [rows, classes] }],
      tensorOptions: {},
      options: {},
    }),
    run: (xent, [x], o) => [xent.sigmoid(x as Tensor, o)],
    reference: (c) => one(ref.sigmoid(refOf(input(c, 0)))),
    tolerance: { atol: 1e-7, rtol: 1e-5 },
    bench: "copy",
  },
  ...(["softmaxBackward", "logSoftmaxBackward"] as const).map((name): RegisteredOp => ({
    name,
    optionChecks: kSoftmaxBackwardOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    // (Other dims: test/ops/softmax-backward.test.ts; a dim-0 row block cannot be sliced.)
    variants: ["dim -1"],
    // y is the forward's output on random logits (the first input, whose dtype varies); dy random.
    sample: (random, rows, classes) => {
      const x = ref.refTensor(floats(random, rows * classes), [rows, classes]);
      const y = name === "softmaxBackward" ? ref.softmax(x) : ref.logSoftmax(x);
      return {
        inputs: [
          { data: Float32Array.from(y.data), shape: [rows, classes] },
          { data: floats(random, rows * classes, 1), shape: [rows, classes] },
        ],
        tensorOptions: {},
        options: {},
      };
    },
    run: (xent, [y, dy], o) => [xent[name](y as Tensor, dy as Tensor, o)],
    reference: (c) => one(ref[name](refOf(input(c, 0)), refOf(input(c, 1)), c.options)),
    tolerance: { atol: 2e-6, rtol: 2e-5 },
    bench: "2×read+copy",
  })),
  {
    name: "sigmoidBackward",
    optionChecks: kSigmoidOptionChecks,
    dtypes: ["f32"],
    variants: ["plain"],
    sample: (random, rows, classes) => ({
      inputs: [
        { data: Float32Array.from(ref.sigmoid(ref.refTensor(floats(random, rows * classes, 8))).data), shape: [rows, classes] },
        { data: floats(random, rows * classes, 1), shape: [rows, classes] },
      ],
      tensorOptions: {},
      options: {},
    }),
    run: (xent, [y, dy], o) => [xent.sigmoidBackward(y as Tensor, dy as Tensor, o)],
    reference: (c) => one(ref.sigmoidBackward(refOf(input(c, 0)), refOf(input(c, 1)))),
    tolerance: { atol: 1e-7, rtol: 1e-5 },
    bench: "2×read+copy",
  },
  {
    name: "crossEntropy",
    optionChecks: kCrossEntropyOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: kCrossEntropyVariants,
    sample: crossEntropyCase,
    run: (xent, [x, t], o) => [xent.crossEntropy(x as Tensor, t as Tensor, o)],
    reference: (c) => one(ref.crossEntropy(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c))),
    tolerance: { atol: 2e-6, rtol: 3e-5 },
    bench: "read",
  },
  kNllLoss,
  withGrad(
    kNllLoss,
    kNllLossOptionChecks,
    (xent, [x, t], o) => xent.nllLossWithGrad(x as Tensor, t as Tensor, o),
    (c) => ref.nllLossGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)).data,
    "read+copy",
  ),
  {
    name: "crossEntropyWithGrad",
    optionChecks: kCrossEntropyWithGradOptionChecks,
    dtypes: ["f32", "f16", "bf16"],
    variants: kCrossEntropyVariants,
    sample: crossEntropyCase,
    run: (xent, [x, t], o) => {
      const { loss, grad } = xent.crossEntropyWithGrad(x as Tensor, t as Tensor, o);
      return [loss, grad];
    },
    reference: (c) => {
      const [x, t, o] = [refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)];
      return [ref.crossEntropy(x, t, o).data, ref.crossEntropyGrad(x, t, o).data];
    },
    tolerance: { atol: 2e-6, rtol: 3e-5 },
    bench: "read+copy",
  },
  kBinaryCrossEntropy,
  kBinaryCrossEntropyWithLogits,
  kKlDiv,
  withGrad(
    kBinaryCrossEntropy,
    kBinaryCrossEntropyOptionChecks,
    (xent, [x, y], o) => xent.binaryCrossEntropyWithGrad(x as Tensor, y as Tensor, o),
    (c) => ref.binaryCrossEntropyGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c, true)).data,
    "2×read+copy",
  ),
  withGrad(
    kBinaryCrossEntropyWithLogits,
    kBinaryCrossEntropyWithLogitsOptionChecks,
    (xent, [x, y], o) => xent.binaryCrossEntropyWithLogitsWithGrad(x as Tensor, y as Tensor, o),
    (c) => ref.binaryCrossEntropyWithLogitsGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c, true)).data,
    "2×read+copy",
  ),
  withGrad(
    kKlDiv,
    kKlDivOptionChecks,
    (xent, [x, y], o) => xent.klDivWithGrad(x as Tensor, y as Tensor, o),
    (c) => ref.klDivGrad(refOf(input(c, 0)), refOf(input(c, 1)), refOptions(c)).data,
    "2×read+copy",
  ),
  kEntropy,
  withGrad(
    kEntropy,
    kEntropyOptionChecks,
    (xent, [x], o) => xent.entropyWithGrad(x as Tensor, o),
    (c) => ref.entropyGrad(refOf(input(c, 0)), c.options).data,
    "read+copy",
  ),
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
  kLogLoss,
  withGrad(
    kLogLoss,
    kLogLossOptionChecks,
    // Class ids as an i32 tensor (yTrue's other form).
    (xent, [pred, ids], o) => xent.logLossWithGrad(ids as Tensor, pred as Tensor, o),
    (c) => {
      const { labels, rows } = logLossCase(c);
      return ref.logLossGrad(labels, rows, { labels: c.options.labels as number[], eps: 2 ** -23 });
    },
    "read+copy",
  ),
];

/** Uploads a case's inputs (the first as `dtype`) and tensor options; returns them and the options to pass. */
export function uploadCase(
  xent: Xent,
  c: OpCase,
  dtype: LogitDType,
  encode: (data: Float32Array) => Uint16Array,
): { inputs: Tensor[]; options: Record<string, unknown>; destroy(): void } {
  const inputs = c.inputs.map((a, i) =>
    i === 0 && dtype !== "f32"
      ? xent.tensor(encode(a.data as Float32Array), a.shape, dtype)
      : xent.tensor(a.data instanceof Int32Array ? a.data : Float32Array.from(a.data), a.shape),
  );
  const extra = Object.entries(c.tensorOptions).map(([k, v]) => [k, xent.tensor(Float32Array.from(v.data), v.shape)] as const);
  const options: Record<string, unknown> = { ...c.options, ...Object.fromEntries(extra) };
  return {
    inputs,
    options,
    destroy: () => {
      for (const t of inputs) t.destroy();
      for (const [, t] of extra) t.destroy();
    },
  };
}
