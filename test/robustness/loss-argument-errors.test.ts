// Loss arguments: synchronous TypeError / RangeError naming the argument, expected and actual,
// before anything is encoded.
import { describe, expect, it } from "vitest";
import { gpu } from "../helpers/gpu.js";

describe("loss argument errors", () => {
  it("crossEntropy: target shape and dtype, weight length, smoothing, dim, reduction, ignoreIndex", async () => {
    const xent = await gpu();
    const x = xent.tensor(new Float32Array(12), [3, 4]);
    const t = xent.tensor(new Int32Array(3), [3]);
    expect(() => xent.crossEntropy(x, xent.tensor(new Int32Array(4), [4]))).toThrow(
      "crossEntropy: target: class indices must have the logits shape without dim 1, [3], got [4]",
    );
    expect(() => xent.crossEntropy(x, xent.tensor(new Float32Array(3), [3]))).toThrow(
      "crossEntropy: target: probability targets (f32) must have the logits shape [3, 4], got [3]",
    );
    expect(() => xent.crossEntropy(x, t, { weight: xent.tensor(new Float32Array(3), [3]) })).toThrow(RangeError);
    expect(() => xent.crossEntropy(x, t, { weight: xent.tensor(new Float32Array(3), [3]) })).toThrow(
      "crossEntropy: weight: expected shape [4] (one weight per class), got [3]",
    );
    expect(() => xent.crossEntropy(x, t, { weight: xent.tensor(new Int32Array(4), [4]) })).toThrow(TypeError);
    expect(() => xent.crossEntropy(x, t, { labelSmoothing: 1.5 })).toThrow(
      "crossEntropy: labelSmoothing: expected a number in [0, 1], got 1.5",
    );
    expect(() => xent.crossEntropy(x, t, { labelSmoothing: -0.1 })).toThrow(RangeError);
    expect(() => xent.crossEntropy(x, t, { labelSmoothing: "0.1" as never })).toThrow(TypeError);
    expect(() => xent.crossEntropy(x, t, { dim: 2 })).toThrow("crossEntropy: dim: expected a dimension in [-2, 1], got 2");
    expect(() => xent.crossEntropy(x, t, { reduction: "avg" as never })).toThrow(
      "crossEntropy: reduction: expected 'mean', 'sum', 'none', got \"avg\"",
    );
    expect(() => xent.crossEntropy(x, t, { ignoreIndex: 1.5 })).toThrow(TypeError);
    expect(() => xent.crossEntropy(x, t, { ignoreIndex: 2 ** 40 })).toThrow(RangeError);
    expect(() => xent.crossEntropy(x, xent.tensor(new Float32Array(12), [3, 4]), { ignoreIndex: 0 })).toThrow(
      /not supported with probability targets/,
    );
    expect(() => xent.crossEntropy(x, t, { base: 1 })).toThrow(RangeError);
    expect(() => xent.crossEntropy(xent.tensor(new Float32Array(0), [3, 0]), t)).toThrow(
      "crossEntropy: logits: the class dimension 1 has size 0",
    );
    expect(() => xent.crossEntropy(x, t, { smoothing: 0.1 } as never)).toThrow(/unknown option "smoothing"/);
    expect(() => xent.nllLoss(x, t, { labelSmoothing: 0.1 } as never)).toThrow(/nllLoss: unknown option "labelSmoothing"/);
    expect(() => xent.nllLoss(x, xent.tensor(new Float32Array(12), [3, 4]))).toThrow("nllLoss: target: expected dtype i32 or u32, got f32");
  });

  it("pointwise losses, entropy, Keras and logLoss", async () => {
    const xent = await gpu();
    const p = xent.tensor(new Float32Array(6), [2, 3]);
    expect(() => xent.binaryCrossEntropy(p, xent.tensor(new Float32Array(3), [3]))).toThrow(
      "binaryCrossEntropy: target: expected the probs shape [2, 3], got [3]",
    );
    expect(() => xent.binaryCrossEntropy(p, p, { weight: xent.tensor(new Float32Array(2), [2]) })).toThrow(
      "binaryCrossEntropy: weight: expected a shape that broadcasts to [2, 3] (each dim equal or 1), got [2]",
    );
    expect(() => xent.binaryCrossEntropyWithLogits(p, p, { posWeight: xent.tensor(new Float32Array(2), [2]) })).toThrow(
      "binaryCrossEntropyWithLogits: posWeight: expected a shape that broadcasts to [2, 3] (each dim equal or 1), got [2]",
    );
    expect(() => xent.binaryCrossEntropyWithGrad(p, p, { weight: xent.tensor(new Float32Array(6), [1, 2, 3]) })).toThrow(
      "binaryCrossEntropyWithGrad: weight: expected a shape that broadcasts to [2, 3] (each dim equal or 1), got [1, 2, 3]",
    );
    // Three runs of kept dims ([2, 1, 2, 1, 2] on [2, 3, 2, 3, 2]) are more than the kernel's map holds.
    const wide = xent.tensor(new Float32Array(72), [2, 3, 2, 3, 2]);
    expect(() => xent.binaryCrossEntropy(wide, wide, { weight: xent.tensor(new Float32Array(8), [2, 1, 2, 1, 2]) })).toThrow(
      "binaryCrossEntropy: weight: [2, 1, 2, 1, 2] broadcasts over [2, 3, 2, 3, 2] in more than two runs of dims; expand it to fewer runs",
    );
    expect(() => xent.klDiv(p, p, { reduction: "batch" as never })).toThrow(
      "klDiv: reduction: expected 'mean', 'batchmean', 'sum', 'none', got \"batch\"",
    );
    expect(() => xent.klDiv(p, p, { logTarget: 1 as never })).toThrow("klDiv: logTarget: expected true or false, got 1");
    expect(() => xent.entropy(p, { base: 0 })).toThrow(RangeError);
    expect(() => xent.entropy(p, { dim: 3 })).toThrow(RangeError);
    expect(() => xent.keras.categoricalCrossentropy(xent.tensor(new Float32Array(3), [3]), p)).toThrow(
      /keras.categoricalCrossentropy: yTrue: expected the yPred shape \[2, 3\]/,
    );
    expect(() => xent.keras.sparseCategoricalCrossentropy(xent.tensor(new Int32Array(3), [3]), p)).toThrow(
      /expected shape \[2\] \(yPred without the class axis\), got \[3\]/,
    );
    expect(() => xent.logLoss(["a", "b", "c"], p)).toThrow("logLoss: yPred: expected shape [3, 3] for 3 labels of 3 classes, got [2, 3]");
    expect(() => xent.logLoss(["a", "a"], p)).toThrow(/needs at least 2 classes/);
    expect(() => xent.logLoss(["a", "z"], xent.tensor(new Float32Array(4), [2, 2]), { labels: ["a", "b"] })).toThrow(
      'logLoss: yTrue[1] = "z" is not one of labels ["a","b"]',
    );
    expect(() => xent.logLoss([{}] as never, p)).toThrow(TypeError);
  });
});
