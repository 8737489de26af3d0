// sigmoid and sigmoidBackward (src/ops/sigmoid.ts).
import * as ref from "../reference/index.js";
import { kSigmoidOptionChecks } from "../ops/sigmoid.js";
import type { Tensor } from "../tensor.js";
import { floats, input, one, refOf } from "./cases.js";
import type { RegisteredOp } from "./types.js";

export const ops: RegisteredOp[] = [
  {
    name: "sigmoid",
    kind: "rows",
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
    tfjs: { excluded: "TF.js has tf.sigmoid with its own gradient; the adapter offers losses" },
    tfjsCounterpart: { fn: (tf, [x]) => tf.sigmoid(x as never) },
    torch: { outputs: ["torch.sigmoid(x[0])"] },
  },
  {
    name: "sigmoidBackward",
    kind: "rows",
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
    tfjs: { excluded: "TF.js differentiates its own sigmoid" },
    tfjsCounterpart: { fn: (tf, [x, dy]) => tf.sum(tf.mul(tf.sigmoid(x as never), dy as never)), grad: true },
    // PyTorch's own backward kernel from the forward's output (autograd's sigmoid backward).
    torch: { outputs: ["torch.ops.aten.sigmoid_backward(x[1], x[0])"] },
  },
];
