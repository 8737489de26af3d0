// softmax, logSoftmax and their backward ops (src/ops/softmax.ts, src/ops/softmax-backward.ts).
import * as ref from "../reference/index.js";
import { kSoftmaxOptionChecks } from "../ops/softmax.js";
import { kSoftmaxBackwardOptionChecks } from "../ops/softmax-backward.js";
import type { Tensor } from "../tensor.js";
import { floats, input, one, refOf } from "./cases.js";
import type { RegisteredOp } from "./types.js";

const kActivationExcluded = { excluded: "TF.js has tf.softmax / tf.logSoftmax with their own gradients; the adapter offers losses" };

export const ops: RegisteredOp[] = [
  {
    name: "softmax",
    kind: "rows",
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
    tfjs: kActivationExcluded,
    tfjsCounterpart: { fn: (tf, [x], c) => tf.softmax(tf.div(x as never, (c.options.temperature as number | undefined) ?? 1)) },
    torch: { outputs: ["torch.softmax(x[0] / o.get('temperature', 1.0), o.get('dim', -1))"] },
  },
  {
    name: "logSoftmax",
    kind: "rows",
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
    tfjs: kActivationExcluded,
    tfjsCounterpart: { fn: (tf, [x]) => tf.logSoftmax(x as never) },
    torch: { outputs: ["torch.log_softmax(x[0] / o.get('temperature', 1.0), o.get('dim', -1))"] },
  },
  ...(["softmaxBackward", "logSoftmaxBackward"] as const).map((name): RegisteredOp => ({
    name,
    kind: "rows",
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
    tfjs: { excluded: "TF.js differentiates its own softmax and logSoftmax" },
    // The vector-Jacobian product, through TF.js's own forward (its cost included).
    tfjsCounterpart: {
      fn: (tf, [x, dy]) => tf.sum(tf.mul(name === "softmaxBackward" ? tf.softmax(x as never) : tf.logSoftmax(x as never), dy as never)),
      grad: true,
    },
    // PyTorch's own backward kernels from the forward's output (autograd's softmax / log_softmax backward).
    torch: {
      outputs: [`torch._${name === "softmaxBackward" ? "" : "log_"}softmax_backward_data(x[1], x[0], o.get('dim', -1), torch.float64)`],
    },
  })),
];
