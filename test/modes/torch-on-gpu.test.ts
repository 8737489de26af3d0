// PyTorch's own answers (test/fixtures/torch-cases.json, made by generate-torch.py with float64
// torch): the reference must reproduce them to 1e-12, the GPU (f32 inputs) to 2e-5.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Xent, Tensor } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";

interface Stored {
  data: (number | string)[];
  shape: number[];
}
interface Case {
  op: string;
  args: Record<string, Stored>;
  opts: Record<string, number | string | boolean>;
  out: Stored;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/torch-cases.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: Case[];
};
const decode = (s: Stored): number[] =>
  s.data.map((v) => (typeof v === "string" ? (v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity) : v));
const arg = (c: Case, name: string): ref.RefTensor | undefined =>
  c.args[name] ? ref.refTensor(decode(c.args[name]), c.args[name].shape) : undefined;
const isProbTarget = (c: Case): boolean =>
  JSON.stringify(c.args.target?.shape) === JSON.stringify(c.args.logits?.shape) && c.op.startsWith("crossEntropy");

/** [N, C] data as scikit-learn's rows. */
const rowsOf = (x: ref.RefTensor): number[][] =>
  Array.from({ length: x.shape[0] as number }, (_, r) =>
    Array.from(x.data).slice(r * (x.shape[1] as number), (r + 1) * (x.shape[1] as number)),
  );

/** Every class of [N, C] predictions named (class ids are labels 0 … C − 1). */
const classIds = (x: ref.RefTensor): number[] => Array.from({ length: x.shape[1] as number }, (_, i) => i);

function runReference(c: Case): ArrayLike<number> {
  const x = arg(c, "logits") as ref.RefTensor;
  const t = arg(c, "target") as ref.RefTensor;
  const weight = arg(c, "weight")?.data;
  const o = c.opts as Record<string, never>;
  switch (c.op) {
    case "crossEntropy":
      return ref.crossEntropy(x, t, { ...o, weight }).data;
    case "crossEntropyGrad":
      return ref.crossEntropyGrad(x, t, { ...o, weight }).data;
    case "nllLoss":
      return ref.nllLoss(x, t, { ...o, weight }).data;
    case "softmax":
      return ref.softmax(x, o).data;
    case "logSoftmax":
      return ref.logSoftmax(x, o).data;
    case "nllLossGrad":
      return ref.nllLossGrad(x, t, { ...o, weight }).data;
    // Broadcast weights: as tensors (their shapes matter).
    case "binaryCrossEntropy":
      return ref.binaryCrossEntropy(x, t, { ...o, weight: arg(c, "weight") }).data;
    case "binaryCrossEntropyGrad":
      return ref.binaryCrossEntropyGrad(x, t, { ...o, weight: arg(c, "weight") }).data;
    case "binaryCrossEntropyWithLogits":
      return ref.binaryCrossEntropyWithLogits(x, t, { ...o, weight: arg(c, "weight"), posWeight: arg(c, "posWeight") }).data;
    case "binaryCrossEntropyWithLogitsGrad":
      return ref.binaryCrossEntropyWithLogitsGrad(x, t, { ...o, weight: arg(c, "weight"), posWeight: arg(c, "posWeight") }).data;
    case "klDiv":
      return ref.klDiv(x, t, o).data;
    case "klDivGrad":
      return ref.klDivGrad(x, t, o).data;
    case "entropyGrad":
      return ref.entropyGrad(x, o).data;
    // The activations' backward: y in "logits", dy in "target".
    case "softmaxBackward":
      return ref.softmaxBackward(x, t, o).data;
    case "logSoftmaxBackward":
      return ref.logSoftmaxBackward(x, t, o).data;
    case "sigmoidBackward":
      return ref.sigmoidBackward(x, t).data;
    // Keras and scikit-learn (yPred in "logits", yTrue in "target"), their formulas through torch autograd.
    case "keras.categoricalCrossentropy":
      return [ref.keras.categoricalCrossentropy(t, x, o)];
    case "keras.categoricalCrossentropyGrad":
      return ref.keras.categoricalCrossentropyGrad(t, x, o).data;
    case "keras.sparseCategoricalCrossentropy":
      return [ref.keras.sparseCategoricalCrossentropy(t, x, o)];
    case "keras.sparseCategoricalCrossentropyGrad":
      return ref.keras.sparseCategoricalCrossentropyGrad(t, x, o).data;
    case "keras.binaryCrossentropy":
      return [ref.keras.binaryCrossentropy(t, x, o)];
    case "keras.binaryCrossentropyGrad":
      return ref.keras.binaryCrossentropyGrad(t, x, o).data;
    case "logLoss":
      return [ref.logLoss(Array.from(t.data), rowsOf(x), { labels: classIds(x), eps: 2 ** -23 })];
    case "logLossGrad":
      return ref.logLossGrad(Array.from(t.data), rowsOf(x), { labels: classIds(x), eps: 2 ** -23 });
  }
  throw new Error(`unknown op ${c.op}`);
}

function runGpu(xent: Xent, c: Case): Tensor {
  const up = (name: string, asInt = false): Tensor | undefined => {
    const s = c.args[name];
    if (!s) return undefined;
    return asInt ? xent.tensor(Int32Array.from(decode(s)), s.shape) : xent.tensor(new Float32Array(decode(s)), s.shape);
  };
  const x = up("logits") as Tensor;
  const weight = up("weight");
  const o = c.opts as Record<string, never>;
  const w = weight ? { weight } : {};
  const pw = (): { posWeight?: Tensor } => (c.args.posWeight ? { posWeight: up("posWeight") } : {});
  switch (c.op) {
    case "crossEntropy":
      return xent.crossEntropy(x, up("target", !isProbTarget(c)) as Tensor, { ...o, ...w });
    case "crossEntropyGrad":
      return xent.crossEntropyWithGrad(x, up("target", !isProbTarget(c)) as Tensor, { ...o, ...w }).grad;
    case "nllLoss":
      return xent.nllLoss(x, up("target", true) as Tensor, { ...o, ...w });
    case "softmax":
      return xent.softmax(x, o);
    case "logSoftmax":
      return xent.logSoftmax(x, o);
    case "nllLossGrad":
      return xent.nllLossWithGrad(x, up("target", true) as Tensor, { ...o, ...w }).grad;
    case "binaryCrossEntropy":
      return xent.binaryCrossEntropy(x, up("target") as Tensor, { ...o, ...w });
    case "binaryCrossEntropyGrad":
      return xent.binaryCrossEntropyWithGrad(x, up("target") as Tensor, { ...o, ...w }).grad;
    case "binaryCrossEntropyWithLogits":
      return xent.binaryCrossEntropyWithLogits(x, up("target") as Tensor, { ...o, ...w, ...pw() });
    case "binaryCrossEntropyWithLogitsGrad":
      return xent.binaryCrossEntropyWithLogitsWithGrad(x, up("target") as Tensor, { ...o, ...w, ...pw() }).grad;
    case "klDiv":
      return xent.klDiv(x, up("target") as Tensor, o);
    case "klDivGrad":
      return xent.klDivWithGrad(x, up("target") as Tensor, o).grad;
    case "entropyGrad":
      return xent.entropyWithGrad(x, o).grad;
    case "softmaxBackward":
      return xent.softmaxBackward(x, up("target") as Tensor, o);
    case "logSoftmaxBackward":
      return xent.logSoftmaxBackward(x, up("target") as Tensor, o);
    case "sigmoidBackward":
      return xent.sigmoidBackward(x, up("target") as Tensor);
    case "keras.categoricalCrossentropy":
      return xent.keras.categoricalCrossentropy(up("target") as Tensor, x, o);
    case "keras.categoricalCrossentropyGrad":
      return xent.keras.categoricalCrossentropyWithGrad(up("target") as Tensor, x, o).grad;
    case "keras.sparseCategoricalCrossentropy":
      return xent.keras.sparseCategoricalCrossentropy(up("target", true) as Tensor, x, o);
    case "keras.sparseCategoricalCrossentropyGrad":
      return xent.keras.sparseCategoricalCrossentropyWithGrad(up("target", true) as Tensor, x, o).grad;
    case "keras.binaryCrossentropy":
      return xent.keras.binaryCrossentropy(up("target") as Tensor, x, o);
    case "keras.binaryCrossentropyGrad":
      return xent.keras.binaryCrossentropyWithGrad(up("target") as Tensor, x, o).grad;
    case "logLoss":
      return xent.logLoss(up("target", true) as Tensor, x);
    case "logLossGrad":
      return xent.logLossWithGrad(up("target", true) as Tensor, x).grad;
  }
  throw new Error(`unknown op ${c.op}`);
}

describe(`PyTorch ${fixture.torch} fixtures (${fixture.cases.length} cases)`, () => {
  it("the float64 reference reproduces PyTorch", () => {
    for (const [i, c] of fixture.cases.entries()) {
      expectClose(runReference(c), decode(c.out), { atol: 1e-12, rtol: 1e-10 }, `case ${i} ${c.op} ${JSON.stringify(c.opts)}`, "f64");
    }
    expect(fixture.cases.length).toBeGreaterThan(100);
  });

  it("the GPU reproduces PyTorch", async () => {
    const xent = await gpu();
    for (const [i, c] of fixture.cases.entries()) {
      const got = await runGpu(xent, c).read();
      expectClose(got, decode(c.out), { atol: 2e-5, rtol: 2e-5 }, `GPU case ${i} ${c.op} ${JSON.stringify(c.opts)}`);
    }
  });
});
