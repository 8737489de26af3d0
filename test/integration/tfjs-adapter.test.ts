// webgpu-xent/tfjs on TF.js's webgpu backend (Dawn in Node): each loss equals TF.js's own and so
// does its gradient (tf.grad through our custom gradient), tensors made from JS data work, no
// tensor or buffer leaks over 100 optimizer steps, bad labels are NaN and check() rejects.
import { beforeAll, describe, expect, it } from "vitest";
import type * as TF from "@tensorflow/tfjs-core";
import { tfLosses, type TfLosses } from "../../src/tfjs/index.js";
import { kOpRegistry } from "../../src/registry/index.js";
import { expectClose } from "../helpers/compare.js";
import { tfWebGPU } from "../helpers/tfjs-node.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

let tf: typeof TF;
let tfx: TfLosses;

beforeAll(async () => {
  await gpu(); // names the adapter (the same SwiftShader as TF.js's) in the run's GPU-case count
  tf = await tfWebGPU();
  tfx = tfLosses(tf);
});

const rel = { atol: 1e-6, rtol: 1e-5 };
const data = async (t: TF.Tensor): Promise<Float32Array> => Float32Array.from(await t.data());

describe("webgpu-xent/tfjs", () => {
  it("offers what the registry says it offers, and nothing the registry does not know of", () => {
    // evaluator gives metrics, not a registered op's tensors (test/ops/evaluate.test.ts; its adapter test below).
    const members = Object.keys(tfx).filter((k) => !["xent", "compile", "check", "evaluator"].includes(k));
    const offered = kOpRegistry.flatMap((o) => ("offered" in o.tfjs ? [o.tfjs.offered] : []));
    for (const name of offered) expect(typeof (tfx as unknown as Record<string, unknown>)[name], `tfLosses().${name}`).toBe("function");
    expect(members.filter((m) => !offered.includes(m))).toEqual([]);
  });

  it("refuses a backend other than webgpu", async () => {
    const cpu = { getBackend: () => "cpu", backend: () => ({}) } as unknown as typeof TF;
    expect(() => tfLosses(cpu)).toThrow('webgpu-xent/tfjs: needs TF.js\'s webgpu backend (await tf.setBackend("webgpu")), got "cpu"');
    await Promise.resolve();
  });

  it("crossEntropy equals tf.losses.softmaxCrossEntropy, and so does its tf.grad (labels int32 or model.fit's float [N, 1])", async () => {
    const random = rng(1);
    const [n, c] = [300, 3];
    const logits = tf.tensor2d(randomFloats(n * c, random, 3), [n, c]);
    const ids = randomInts(n, random, c);
    const labels = tf.tensor1d(ids, "int32");
    const oneHot = tf.oneHot(labels, c);
    for (const smoothing of [0, 0.1]) {
      const ours = (x: TF.Tensor) => tfx.crossEntropy(x, labels, { labelSmoothing: smoothing });
      const theirs = (x: TF.Tensor) => tf.losses.softmaxCrossEntropy(oneHot, x, undefined, smoothing);
      expectClose(await data(ours(logits)), await data(theirs(logits)), rel, `loss, smoothing ${smoothing}`);
      expectClose(await data(tf.grad(ours)(logits)), await data(tf.grad(theirs)(logits)), rel, `grad, smoothing ${smoothing}`);
    }
    const floatIds = tf.tensor2d(Float32Array.from(ids), [n, 1]);
    expectClose(
      await data(tfx.sparseCategoricalCrossentropy(floatIds, logits, { fromLogits: true })),
      await data(tf.losses.softmaxCrossEntropy(oneHot, logits)),
      rel,
      "keras sparse, float ids",
    );
    // 'none': the per-row losses, and tf.grad of a weighted sum of them.
    const rowWeights = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i % 5) + 1));
    const weightedOurs = (x: TF.Tensor) => tf.sum(tf.mul(tfx.crossEntropy(x, labels, { reduction: "none" }), rowWeights));
    const weightedTheirs = (x: TF.Tensor) =>
      tf.sum(tf.mul(tf.losses.softmaxCrossEntropy(oneHot, x, undefined, 0, tf.Reduction.NONE), rowWeights));
    expectClose(
      await data(tf.grad(weightedOurs)(logits)),
      await data(tf.grad(weightedTheirs)(logits)),
      rel,
      "grad of a weighted sum of 'none' losses",
    );
    // Probability targets and class weights (a tf.Tensor option).
    const p = tf.softmax(tf.tensor2d(randomFloats(n * c, random), [n, c]));
    const w = tf.tensor1d([0.5, 1, 2]);
    const weighted = (x: TF.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.mul(p, w), tf.logSoftmax(x)), -1)));
    expectClose(
      await data(tfx.crossEntropy(logits, p, { weight: w })),
      await data(weighted(logits)),
      rel,
      "probability targets, class weights",
    );
    expectClose(
      await data(tf.grad((x: TF.Tensor) => tfx.crossEntropy(x, p, { weight: w }))(logits)),
      await data(tf.grad(weighted)(logits)),
      rel,
      "its grad",
    );
    tf.dispose([logits, labels, oneHot, floatIds, rowWeights, p, w]);
    await tfx.check();
  });

  it("every other loss (BCE with logits, KL, Keras, nllLoss, BCE, entropy, logLoss) equals TF.js's formula, value and gradient", async () => {
    const random = rng(2);
    const shape: [number, number] = [64, 5];
    const x = tf.tensor2d(randomFloats(320, random, 4), shape);
    const y = tf.tensor2d(
      Float32Array.from({ length: 320 }, () => Math.round(random())),
      shape,
    );
    const pairs: [string, (v: TF.Tensor) => TF.Tensor, (v: TF.Tensor) => TF.Tensor][] = [
      [
        "bce with logits",
        (v) => tfx.binaryCrossEntropyWithLogits(v, y),
        (v) => tf.losses.sigmoidCrossEntropy(y, v, undefined, 0, tf.Reduction.MEAN),
      ],
      [
        "keras binary, logits",
        (v) => tfx.binaryCrossentropy(y, v, { fromLogits: true }),
        (v) => tf.losses.sigmoidCrossEntropy(y, v, undefined, 0, tf.Reduction.MEAN),
      ],
      [
        "klDiv batchmean",
        (v) => tfx.klDiv(tf.logSoftmax(v), tf.softmax(y), { reduction: "batchmean" }),
        (v) => tf.div(tf.sum(tf.mul(tf.softmax(y), tf.sub(tf.log(tf.softmax(y)), tf.logSoftmax(v)))), shape[0]),
      ],
      [
        "keras categorical, probabilities",
        (v) => tfx.categoricalCrossentropy(tf.softmax(y), tf.softmax(v)),
        (v) => tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(y), tf.log(tf.clipByValue(tf.softmax(v), 1e-7, 1 - 1e-7))), -1))),
      ],
    ];
    const ids = tf.tensor1d(
      Int32Array.from({ length: 64 }, (_, i) => i % 5),
      "int32",
    );
    const oneHot = tf.oneHot(ids, 5);
    const p = tf.sigmoid(tf.mul(y, 0.1));
    pairs.push(
      ["nllLoss", (v) => tfx.nllLoss(tf.logSoftmax(v), ids), (v) => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(v)), -1)))],
      [
        "binaryCrossEntropy",
        (v) => tfx.binaryCrossEntropy(tf.sigmoid(v), p),
        (v) => tf.neg(tf.mean(tf.add(tf.mul(p, tf.log(tf.sigmoid(v))), tf.mul(tf.sub(1, p), tf.log(tf.sub(1, tf.sigmoid(v))))))),
      ],
      [
        "entropy from logits, mean",
        (v) => tfx.entropy(v, { fromLogits: true, reduction: "mean" }),
        (v) => tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(v), tf.logSoftmax(v)), -1))),
      ],
      [
        "logLoss, class ids",
        (v) => tfx.logLoss(ids, tf.softmax(v)),
        (v) => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.softmax(v))), -1))),
      ],
    );
    for (const [what, ours, theirs] of pairs) {
      expectClose(await data(ours(x)), await data(theirs(x)), rel, `${what}: loss`);
      expectClose(await data(tf.grad(ours)(x)), await data(tf.grad(theirs)(x)), { atol: 1e-6, rtol: 2e-5 }, `${what}: grad`);
    }
    tf.dispose([x, y, ids, oneHot, p]);
  });

  it("100 optimizer steps: the loss falls, tf.memory().numTensors and xent.stats().liveBuffers stay flat", async () => {
    const random = rng(3);
    const [n, f, c] = [128, 4, 3];
    const X = tf.tensor2d(randomFloats(n * f, random), [n, f]);
    const labels = tf.tensor1d(randomInts(n, random, c), "int32");
    const W = tf.variable(tf.zeros([f, c]));
    const optimizer = tf.train.sgd(0.5);
    // (dataSync needs an OffscreenCanvas in TF.js's webgpu backend: data() here.)
    const step = async (): Promise<number> => {
      const loss = optimizer.minimize(() => tfx.crossEntropy(tf.matMul(X, W), labels) as TF.Scalar, true) as TF.Scalar;
      const v = (await loss.data())[0] as number;
      loss.dispose();
      return v;
    };
    const first = await step();
    await tfx.check();
    // Buffers held outside the pool (the pool itself grows to the steps' peak concurrency, then stays).
    const held = (): number => tfx.xent.stats().liveBuffers - tfx.xent.stats().pooledBuffers;
    const [tensors, buffers] = [tf.memory().numTensors, held()];
    let last = first;
    for (let i = 0; i < 99; i++) last = await step();
    await tfx.check();
    expect(last).toBeLessThan(first);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(held()).toBe(buffers);
    expect(tfx.xent.stats().pooledBuffers).toBeLessThan(32);
    tf.dispose([X, labels, W]);
    optimizer.dispose();
  });

  it("a bad label: the loss is NaN (TF.js sees it), and check() rejects with the RangeError", async () => {
    const logits = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const labels = tf.tensor1d([0, 7], "int32");
    const loss = tfx.crossEntropy(logits, labels);
    expect(Number.isNaN((await loss.data())[0])).toBe(true);
    await expect(tfx.check()).rejects.toThrow(/target\[1\] .*is 7: expected a class index in \[0, 3\)/);
    await expect(tfx.check()).resolves.toBeUndefined();
    tf.dispose([logits, labels, loss]);
  });
  it("float class ids that are NaN or ±Infinity are bad labels (NaN loss, check() rejects), not TF.js's class 0", async () => {
    const logits = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const ids = tf.tensor2d([0, bad, 2], [3, 1]);
      const losses = [
        tfx.crossEntropy(logits, ids),
        tfx.nllLoss(tf.logSoftmax(logits), ids),
        tfx.sparseCategoricalCrossentropy(ids, tf.softmax(logits)),
      ];
      for (const loss of losses) expect(Number.isNaN((await loss.data())[0]), `${bad}`).toBe(true);
      await expect(tfx.check()).rejects.toThrow(RangeError);
      tf.dispose([ids, ...losses]);
    }
    // Finite float ids are cast as TF.js casts them (model.fit's float32 [N, 1]).
    const ids = tf.tensor2d([0, 1, 2], [3, 1]);
    const loss = tfx.crossEntropy(logits, ids);
    expect(Number.isFinite((await loss.data())[0])).toBe(true);
    await expect(tfx.check()).resolves.toBeUndefined();
    tf.dispose([logits, ids, loss]);
  });

  it("an empty batch gives what the core API gives (the mean of nothing is NaN, the sum 0, no GPU error)", async () => {
    const logits = tf.zeros([0, 4]);
    const ids = tf.zeros([0], "int32");
    const mean = tfx.crossEntropy(logits, ids);
    const sum = tfx.crossEntropy(logits, ids, { reduction: "sum" });
    const core = tfx.xent.crossEntropy(tfx.xent.tensor(new Float32Array(0), [0, 4]), tfx.xent.tensor(new Int32Array(0), [0]));
    const want = (await core.read())[0] as number;
    expect(Number.isNaN(want)).toBe(true);
    expect(Number.isNaN((await mean.data())[0])).toBe(true);
    expect((await sum.data())[0]).toBe(0);
    const g = tf.grad((x: TF.Tensor) => tfx.crossEntropy(x, ids, { reduction: "sum" }))(logits);
    expect(g.shape).toEqual([0, 4]);
    const none = tfx.binaryCrossEntropyWithLogits(tf.zeros([0, 3]), tf.zeros([0, 3]), { reduction: "none" });
    expect(none.shape).toEqual([0, 3]);
    await expect(tfx.check()).resolves.toBeUndefined();
    tf.dispose([logits, ids, mean, sum, g, none]);
    core.destroy();
  });

  it("keeps the first bad-label error and a count until check(), not every one (bounded over many steps)", async () => {
    const logits = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const labels = tf.tensor1d([0, 9], "int32");
    const losses = Array.from({ length: 5 }, () => tfx.crossEntropy(logits, labels));
    await Promise.all(losses.map((l) => l.data()));
    const error: unknown = await tfx.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/target\[1\] .*is 9: .*\(and 4 more losses since the last check\)$/);
    await expect(tfx.check()).resolves.toBeUndefined();
    tf.dispose([logits, labels, ...losses]);
  });

  it("linearCrossEntropy equals softmaxCrossEntropy of tf.matMul(hidden, classifierᵀ) + bias, and so do its tf.grads (all three)", async () => {
    const random = rng(7);
    const [n, h, v] = [70, 24, 300];
    const hidden = tf.tensor2d(randomFloats(n * h, random, 0.5), [n, h]);
    const classifier = tf.tensor2d(randomFloats(v * h, random, 0.5), [v, h]);
    const bias = tf.tensor1d(randomFloats(v, random, 0.5));
    const ids = randomInts(n, random, v);
    const labels = tf.tensor1d(ids, "int32");
    const oneHot = tf.oneHot(labels, v);
    for (const reduction of ["mean", "sum"] as const) {
      const ours = (x: TF.Tensor, w: TF.Tensor, b: TF.Tensor) =>
        tfx.linearCrossEntropy(x, w, labels, { bias: b, reduction, labelSmoothing: 0.1 });
      const theirs = (x: TF.Tensor, w: TF.Tensor, b: TF.Tensor) =>
        tf.losses.softmaxCrossEntropy(
          oneHot,
          tf.add(tf.matMul(x, w, false, true), b),
          undefined,
          0.1,
          reduction === "sum" ? tf.Reduction.SUM : tf.Reduction.MEAN,
        );
      expectClose(await data(ours(hidden, classifier, bias)), await data(theirs(hidden, classifier, bias)), rel, `loss, ${reduction}`);
      const g1 = tf.grads(ours)([hidden, classifier, bias]);
      const g2 = tf.grads(theirs)([hidden, classifier, bias]);
      for (const [k, what] of ["hidden", "classifier", "bias"].entries())
        expectClose(
          await data(g1[k] as TF.Tensor),
          await data(g2[k] as TF.Tensor),
          { atol: 1e-6, rtol: 1e-4 },
          `grad ${what}, ${reduction}`,
        );
      tf.dispose([...g1, ...g2]);
    }
    expect(() => tfx.linearCrossEntropy(hidden, classifier, labels, { reduction: "none" as "mean" })).toThrow(/reduction 'none'/);
    await tfx.check();
    tf.dispose([hidden, classifier, bias, labels, oneHot]);
  });

  it("sample on TF.js logits draws what xent.sample draws (history, mask, bias as tf.Tensors; logprobs), a bad row fails check()", async () => {
    const random = rng(31);
    const [n, v] = [5, 700];
    const values = randomFloats(n * v, random, 3);
    const history = Int32Array.from({ length: n * 4 }, () => Math.floor(random() * 40) - 1);
    const words = Math.ceil(v / 32);
    const mask = Int32Array.from({ length: n * words }, (_, i) => (i % words === 0 ? 1 : 0) | (Math.floor(random() * 2 ** 31) << 1));
    const bias = randomFloats(v, random, 1);
    const options = { repetitionPenalty: 1.2, topK: 50, topP: 0.9, seed: 4, step: 2, logprobs: 3, logprobsOf: "processed" as const };
    const [logits, h, a, b] = [
      tf.tensor2d(values, [n, v]),
      tf.tensor2d(history, [n, 4], "int32"),
      tf.tensor2d(mask, [n, words], "int32"),
      tf.tensor1d(bias),
    ];
    const ours = tfx.sample(logits, { ...options, history: h, allowed: a, logitBias: b });
    expect(ours.tokens.dtype).toBe("int32");
    expect(ours.tokens.shape).toEqual([n]);
    const core = tfx.xent.sample(tfx.xent.tensor(values, [n, v]), {
      ...options,
      history: tfx.xent.tensor(history, [n, 4]),
      allowed: tfx.xent.tensor(
        Uint32Array.from(mask, (w) => w >>> 0),
        [n, words],
      ),
      logitBias: tfx.xent.tensor(bias, [v]),
    });
    expect(Array.from(await ours.tokens.data())).toEqual(Array.from(await core.tokens.read()));
    expect(Array.from(await ours.topLogprobs!.indices.data())).toEqual(Array.from(await core.topLogprobs!.indices.read()));
    expectClose(await data(ours.logprob!), await core.logprob!.read(), { atol: 0, rtol: 0 }, "tfjs sample logprob");
    await tfx.check();
    const bad = tf.tensor2d([0, 1, NaN, 3], [2, 2]);
    const failed = tfx.sample(bad);
    expect(Array.from(await failed.tokens.data())[1]).toBe(-1);
    await expect(tfx.check()).rejects.toThrow(/sample: row 1: the processed logits hold NaN/);
    tf.dispose([logits, h, a, b, bad, failed.tokens, ours.tokens, ours.logprob!, ours.topLogprobs!.values, ours.topLogprobs!.indices]);
  });

  it("evaluator over TF.js batches gives what xent.evaluate gives on the whole set (int32 and float [N, 1] ids), one read", async () => {
    const random = rng(41);
    const [n, c] = [300, 6];
    const values = randomFloats(n * c, random, 2);
    const ids = randomInts(n, random, c);
    const ev = tfx.evaluator({ topK: [1, 3], confusion: true });
    for (let i = 0; i < n; i += 100) {
      const x = tf.tensor2d(values.slice(i * c, (i + 100) * c), [100, c]);
      const y = i === 0 ? tf.tensor2d(Float32Array.from(ids.slice(i, i + 100)), [100, 1]) : tf.tensor1d(ids.slice(i, i + 100), "int32");
      ev.add(x, y);
      tf.dispose([x, y]);
    }
    const got = await ev.read();
    const whole = tfx.xent.evaluate(tfx.xent.tensor(values, [n, c]), tfx.xent.tensor(ids, [n]), { topK: [1, 3], confusion: true, dim: -1 });
    const want = await whole.read();
    whole.destroy();
    expect(got.count).toBe(n);
    expect(got.accuracy).toBe(want.accuracy);
    expect(got.topK).toEqual(want.topK);
    expect(Array.from(got.confusion!.matrix)).toEqual(Array.from(want.confusion!.matrix));
    expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-6 * want.loss);
    const nanIds = tf.tensor1d([0, NaN]);
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    ev.reset();
    ev.add(x, nanIds);
    await expect(ev.read()).rejects.toThrow(RangeError);
    ev.destroy();
    tf.dispose([nanIds, x]);
  });
});
