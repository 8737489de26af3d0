// argmax, topK and sample (src/ops/argmax.ts, topk.ts, sample.ts): the decoding ops.
import type * as TF from "@tensorflow/tfjs-core";
import * as ref from "../reference/index.js";
import { kArgmaxOptionChecks } from "../ops/argmax.js";
import { kTopKOptionChecks } from "../ops/topk.js";
import { kSampleOptionChecks } from "../ops/sample.js";
import type { Tensor } from "../tensor.js";
import { floats, input, refOf } from "./cases.js";
import type { HostArray, OpCase, Random, RegisteredOp } from "./types.js";

const kDiscrete = "its outputs are indices and draws, which have no gradient";
const kTfjsHasDecoding = "TF.js has tf.argMax and tf.topk on tf.Tensors already; the adapter offers the losses";

const argmax: RegisteredOp = {
  name: "argmax",
  kind: "rows",
  noGradient: kDiscrete,
  optionChecks: kArgmaxOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: ["dim -1"],
  sample: (random, rows, classes) => ({
    inputs: [{ data: floats(random, rows * classes), shape: [rows, classes] }],
    tensorOptions: {},
    options: {},
  }),
  run: (xent, [x], o) => [xent.argmax(x as Tensor, o)],
  reference: (c) => [ref.argmax(refOf(input(c, 0)), c.options).data],
  tolerance: { atol: 0, rtol: 0 },
  bench: "read",
  tfjs: { excluded: kTfjsHasDecoding },
  tfjsCounterpart: { fn: (tf, [x]) => tf.argMax(x as TF.Tensor, -1) },
  torch: { outputs: ["torch.argmax(x[0], o.get('dim', -1))"] },
};

/** topK's k rides in the case's options (the op takes it as an argument). */
const kOf = (c: OpCase): number => c.options.k as number;
const withoutK = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([key]) => key !== "k"));

const topK: RegisteredOp = {
  name: "topK",
  kind: "rows",
  noGradient: kDiscrete,
  optionChecks: kTopKOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: ["k = 5, largest, sorted", "k = 3, smallest, index order"],
  sample: (random, rows, classes, variant) => ({
    inputs: [{ data: floats(random, rows * classes), shape: [rows, classes] }],
    tensorOptions: {},
    options:
      variant === "k = 5, largest, sorted" ? { k: Math.min(5, classes) } : { k: Math.min(3, classes), largest: false, sorted: false },
  }),
  run: (xent, [x], o, c) => {
    const { values, indices } = xent.topK(x as Tensor, kOf(c), withoutK(o));
    return [values, indices];
  },
  reference: (c) => {
    const r = ref.topK(refOf(input(c, 0)), kOf(c), withoutK(c.options));
    return [r.values, r.indices];
  },
  tolerance: { atol: 0, rtol: 0 },
  bench: "read",
  tfjs: { excluded: kTfjsHasDecoding },
  tfjsCounterpart: { fn: (tf, [x], c) => tf.topk(x as TF.Tensor, kOf(c)).values },
  // torch.topk's order for sorted=False is unspecified: index order is its indices sorted.
  torch: {
    outputs: [
      "x[0].gather(o.get('dim', -1), (lambda i: i if o.get('sorted', True) else i.sort(o.get('dim', -1))[0])(torch.topk(x[0], o['k'], dim=o.get('dim', -1), largest=o.get('largest', True))[1]))",
      "(lambda i: i if o.get('sorted', True) else i.sort(o.get('dim', -1))[0])(torch.topk(x[0], o['k'], dim=o.get('dim', -1), largest=o.get('largest', True))[1])",
    ],
  },
};

/** A bitmask [rows, ⌈classes/32⌉] allowing about half the classes, and class 0 of every row. */
function allowedMask(random: Random, rows: number, classes: number): HostArray {
  const words = Math.ceil(classes / 32);
  const data = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < classes; c++)
      if (c === 0 || random() < 0.5) data[r * words + (c >> 5)] = ((data[r * words + (c >> 5)] as number) | (1 << (c & 31))) >>> 0;
  }
  return { data, shape: [rows, words] };
}

const kSampleVariants = ["greedy, raw logprobs", "top-k, top-p, min-p", "penalties, bias, mask, processed logprobs"] as const;

/** The reference's options for a case: its tensor options as the arrays the reference takes. */
function refSampleOptions(c: OpCase): ref.RefSampleOptions {
  const o = { ...c.options } as ref.RefSampleOptions;
  const { history, logitBias, allowed } = c.tensorOptions;
  if (history) o.history = { data: history.data, length: history.shape[1] as number };
  if (logitBias) o.logitBias = logitBias.data;
  if (allowed) o.allowed = allowed.data;
  return o;
}

const sample: RegisteredOp = {
  name: "sample",
  kind: "rows",
  noGradient: kDiscrete,
  optionChecks: kSampleOptionChecks,
  dtypes: ["f32", "f16", "bf16"],
  variants: kSampleVariants,
  sample: (random, rows, classes, variant): OpCase => {
    const logits = { data: floats(random, rows * classes), shape: [rows, classes] };
    if (variant === "greedy, raw logprobs")
      return { inputs: [logits], tensorOptions: {}, options: { temperature: 0, logprobs: Math.min(3, classes) } };
    if (variant === "top-k, top-p, min-p")
      return { inputs: [logits], tensorOptions: {}, options: { topK: 10, topP: 0.9, minP: 0.02, temperature: 0.8, seed: 11, step: 3 } };
    const len = 4;
    return {
      inputs: [logits],
      tensorOptions: {
        history: { data: Int32Array.from({ length: rows * len }, () => Math.floor(random() * (classes + 1)) - 1), shape: [rows, len] },
        logitBias: { data: floats(random, classes, 1), shape: [classes] },
        allowed: allowedMask(random, rows, classes),
      },
      options: {
        repetitionPenalty: 1.3,
        presencePenalty: 0.2,
        frequencyPenalty: 0.1,
        seed: 5,
        step: 9,
        logprobs: Math.min(2, classes),
        logprobsOf: "processed",
      },
    };
  },
  run: (xent, [x], o) => {
    const r = xent.sample(x as Tensor, o);
    return [r.tokens, ...(r.logprob ? [r.logprob] : []), ...(r.topLogprobs ? [r.topLogprobs.values, r.topLogprobs.indices] : [])];
  },
  reference: (c) => {
    const r = ref.sample(refOf(input(c, 0)), refSampleOptions(c));
    const n = (c.options.logprobs as number | undefined) ?? 0;
    return [
      r.tokens,
      ...(c.options.logprobs !== undefined ? [r.logprob] : []),
      ...(n > 0 ? [r.topLogprobs.values, r.topLogprobs.indices] : []),
    ];
  },
  tolerance: { atol: 2e-5, rtol: 2e-5 },
  bench: "read",
  tfjs: { offered: "sample" },
  // What a TF.js app does: tf.multinomial on the tempered logits (no top-k / top-p / min-p of its own).
  tfjsCounterpart: {
    fn: (tf, [x], c) => tf.multinomial(tf.div<TF.Tensor2D>(x as TF.Tensor2D, (c.options.temperature as number | undefined) || 1), 1),
  },
};

export const ops: RegisteredOp[] = [argmax, topK, sample];
