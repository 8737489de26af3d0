// The Keras and scikit-learn losses on real WebGPU vs the float64 reference.
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu, gpuWithPlan, kPlans } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng, shapeSize } from "../helpers/random.js";

const kTol: Tolerance = { atol: 1e-6, rtol: 1e-5 };

describe("Keras and scikit-learn losses", () => {
  it("keras.categoricalCrossentropy: probabilities (renormalised, clipped) and logits, smoothing, axis", async () => {
    const xent = await gpu();
    const random = rng(24);
    for (const [shape, axis] of [
      [[12, 5], -1],
      [[3, 4, 6], 1],
    ] as [number[], number][])
      for (const fromLogits of [false, true])
        for (const labelSmoothing of [0, 0.2]) {
          const pred = fromLogits
            ? randomFloats(shapeSize(shape), random, 4)
            : Float32Array.from({ length: shapeSize(shape) }, () => random());
          if (!fromLogits) pred[0] = 0; // clipped to 1e-7
          const yt = new Float32Array(shapeSize(shape));
          const oneHot = Float32Array.from(
            ref.softmax(ref.refTensor(randomFloats(shapeSize(shape), random, 20), shape), { dim: axis }).data.map((v) => (v > 0.5 ? 1 : 0)),
          );
          yt.set(oneHot);
          const got = await xent.keras
            .categoricalCrossentropy(xent.tensor(yt, shape), xent.tensor(pred, shape), { fromLogits, labelSmoothing, axis })
            .read();
          const want = ref.keras.categoricalCrossentropy(ref.refTensor(yt, shape), ref.refTensor(pred, shape), {
            fromLogits,
            labelSmoothing,
            axis,
          });
          expectClose(got, [want], kTol, `keras CCE ${shape} logits ${fromLogits} ls ${labelSmoothing}`);
        }
  });

  it("keras.sparseCategoricalCrossentropy and keras.binaryCrossentropy", async () => {
    const xent = await gpu();
    const random = rng(25);
    for (const fromLogits of [false, true]) {
      const pred = fromLogits ? randomFloats(40 * 9, random, 4) : Float32Array.from({ length: 40 * 9 }, () => random());
      const t = randomInts(40, random, 9);
      const got = await xent.keras.sparseCategoricalCrossentropy(xent.tensor(t, [40]), xent.tensor(pred, [40, 9]), { fromLogits }).read();
      expectClose(
        got,
        [ref.keras.sparseCategoricalCrossentropy(ref.refTensor(t, [40]), ref.refTensor(pred, [40, 9]), { fromLogits })],
        kTol,
        `keras sparse ${fromLogits}`,
      );
      for (const labelSmoothing of [0, 0.1]) {
        const y = Float32Array.from({ length: 40 * 9 }, () => Math.round(random()));
        const probs = Float32Array.from(pred);
        if (!fromLogits) probs.set([0, 1]);
        const bce = await xent.keras
          .binaryCrossentropy(xent.tensor(y, [40, 9]), xent.tensor(probs, [40, 9]), { fromLogits, labelSmoothing })
          .read();
        expectClose(
          bce,
          [ref.keras.binaryCrossentropy(ref.refTensor(y, [40, 9]), ref.refTensor(probs, [40, 9]), { fromLogits, labelSmoothing })],
          kTol,
          `keras BCE ${fromLogits} ${labelSmoothing}`,
        );
      }
    }
  });

  it("keras.sparseCategoricalCrossentropyWithGrad: an infinite p over an infinite row sum makes the row's gradient NaN (TensorFlow's)", async () => {
    const xent = await gpu();
    // Row 0: p = [inf, 1, 2] (sum inf): TensorFlow's r = p / S is NaN at the inf, so the row's
    // gradient is NaN; row 1 is ordinary and keeps its finite gradient. Scalar and vec4 rows.
    for (const classes of [3, 4]) {
      const pred = new Float32Array(2 * classes).fill(0.5);
      pred.set([Infinity, 1, 2]);
      const t = new Int32Array([1, 0]);
      const { loss, grad } = xent.keras.sparseCategoricalCrossentropyWithGrad(xent.tensor(t, [2]), xent.tensor(pred, [2, classes]));
      const want = ref.keras.sparseCategoricalCrossentropyGrad(ref.refTensor(t, [2]), ref.refTensor(pred, [2, classes]));
      const g = await grad.read();
      expect(Array.from(g.slice(0, classes)).every(Number.isNaN), `row 0, ${classes} classes`).toBe(true);
      expect(Array.from(want.data.slice(0, classes)).every(Number.isNaN)).toBe(true);
      expectClose(g.slice(classes), want.data.slice(classes), kTol, `row 1, ${classes} classes`);
      expect(Number.isFinite((await loss.read())[0])).toBe(true);
    }
  });

  it("logLoss: number labels, explicit labels, three classes", async () => {
    const xent = await gpu();
    const yPred = [
      [0.2, 0.7, 0.1],
      [0.6, 0.2, 0.2],
      [0.6, 0.1, 0.3],
      [0, 0, 1],
    ];
    const yTrue = [10, 2, 7, 7];
    const got = await xent.logLoss(yTrue, xent.tensor(new Float32Array(yPred.flat()), [4, 3])).read();
    expectClose(got, [ref.logLoss(yTrue, yPred, { eps: 2 ** -23 })], kTol, "logLoss 3 classes");
    const withLabels = await xent
      .logLoss(["b", "b"], xent.tensor(new Float32Array([0.3, 0.7, 0.4, 0.6]), [2, 2]), { labels: ["a", "b"] })
      .read();
    expect(withLabels[0]).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6)) / 2, 6);
  });
});

describe("keras.binaryCrossentropy axis", () => {
  it("any axis gives Keras' value: the mean over the axis, then over the rest, of equal-length rows is the mean of all elements", async () => {
    const xent = await gpu();
    const random = rng(77);
    const shape = [3, 4, 5];
    const p = Float32Array.from({ length: 60 }, () => 0.05 + 0.9 * random());
    const y = Float32Array.from({ length: 60 }, () => Math.round(random()));
    // Keras per element, then ops.mean over `axis`, then the batch mean, computed directly.
    const element = (i: number): number => {
      const q = Math.min(Math.max(p[i] as number, Math.fround(1e-7)), Math.fround(1 - 1e-7));
      const t = y[i] as number;
      return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    };
    for (const axis of [0, 1, 2, -1]) {
      const a = (axis + 3) % 3;
      const strides = [20, 5, 1];
      const means: number[] = [];
      for (let i = 0; i < 60; i++) {
        const idx = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
        if (idx[a] !== 0) continue;
        let sum = 0;
        for (let k = 0; k < (shape[a] as number); k++) sum += element(i + k * (strides[a] as number));
        means.push(sum / (shape[a] as number));
      }
      const keras = means.reduce((s, v) => s + v, 0) / means.length;
      const got = await xent.keras.binaryCrossentropy(xent.tensor(y, shape), xent.tensor(p, shape), { axis }).read();
      expectClose(got, [keras], { atol: 1e-6, rtol: 1e-5 }, `axis ${axis}`);
    }
    expect(() => xent.keras.binaryCrossentropy(xent.tensor(y, shape), xent.tensor(p, shape), { axis: 3 })).toThrow(RangeError);
  });
});

// The probability kernel shares long rows among lanes (4 on a CPU-emulated adapter, 32 or 256 on a
// GPU) and reads vec4s where classes % 4 == 0: every layout, on both plans and with workgroup-memory
// merges, against the reference, with the row's odd values (a NaN, zeros the clip holds, a
// dominant class above 1 − ε, a zero row) placed in lanes other than the first.
describe("the probability losses' row layouts", () => {
  const layouts: [string, number[], number][] = [
    ["scalar lanes (1001 classes)", [6, 1001], -1],
    ["vec4 lanes (1000 classes)", [5, 1000], -1],
    ["one thread a row (12 classes, vec4)", [7, 12], -1],
    ["class axis not last (70 classes)", [3, 70, 4], 1],
  ];
  it.each(kPlans)("categorical, sparse and logLoss with their gradients, %s", async (plan) => {
    const xent = await gpuWithPlan(plan);
    const random = rng(91);
    for (const [what, shape, axis] of layouts) {
      const dim = (axis + shape.length) % shape.length;
      const classes = shape[dim] as number;
      const rows = shapeSize(shape) / classes;
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const at = (row: number, c: number): number => Math.floor(row / stride) * classes * stride + (row % stride) + c * stride;
      const probs = Float32Array.from({ length: shapeSize(shape) }, () => random() * 0.99);
      for (let c = 0; c < classes; c += 9) probs[at(0, c)] = 0; // held at 1e-7 by the clip: no gradient there
      for (let c = 0; c < classes; c++) probs[at(1, c)] = c === classes - 2 ? 1 : 0; // q = 1, above 1 − 1e-7
      if (rows > 3) probs[at(2, classes - 3)] = Number.NaN; // a NaN in the last lanes: that row and the mean are NaN
      if (rows > 4) for (let c = 0; c < classes; c++) probs[at(3, c)] = 0; // Σp = 0: NaN
      const yt = Float32Array.from({ length: shapeSize(shape) }, () => random());
      const ids = Int32Array.from({ length: rows }, () => Math.floor(random() * classes));
      ids[1] = classes - 2;
      const pred = xent.tensor(probs, shape);
      const y = xent.tensor(yt, shape);
      const t = xent.tensor(
        ids,
        shape.filter((_, d) => d !== dim),
      );
      const [rp, ry, rt] = [ref.refTensor(probs, shape), ref.refTensor(yt, shape), ref.refTensor(ids, [rows])];
      const options = { labelSmoothing: 0.1, axis };
      const cce = xent.keras.categoricalCrossentropyWithGrad(y, pred, options);
      expectClose(await cce.loss.read(), [ref.keras.categoricalCrossentropy(ry, rp, options)], kTol, `${what}: categorical`);
      expectClose(await cce.grad.read(), ref.keras.categoricalCrossentropyGrad(ry, rp, options).data, kTol, `${what}: categorical grad`);
      const forward = await xent.keras.categoricalCrossentropy(y, pred, options).read();
      expectClose(forward, [ref.keras.categoricalCrossentropy(ry, rp, options)], kTol, `${what}: categorical alone`);
      const sce = xent.keras.sparseCategoricalCrossentropyWithGrad(t, pred, { axis });
      expectClose(await sce.loss.read(), [ref.keras.sparseCategoricalCrossentropy(rt, rp, { axis })], kTol, `${what}: sparse`);
      expectClose(await sce.grad.read(), ref.keras.sparseCategoricalCrossentropyGrad(rt, rp, { axis }).data, kTol, `${what}: sparse grad`);
      if (shape.length === 2) {
        const nested = Array.from({ length: rows }, (_, r) => Array.from(probs.subarray(r * classes, (r + 1) * classes)));
        const labels = Array.from({ length: classes }, (_, c) => c);
        const ll = xent.logLossWithGrad(t, pred);
        expectClose(await ll.loss.read(), [ref.logLoss(Array.from(ids), nested, { labels, eps: 2 ** -23 })], kTol, `${what}: logLoss`);
        expectClose(
          await ll.grad.read(),
          ref.logLossGrad(Array.from(ids), nested, { labels, eps: 2 ** -23 }),
          kTol,
          `${what}: logLoss grad`,
        );
        for (const out of [ll.loss, ll.grad]) out.destroy();
      }
      for (const out of [cce.loss, cce.grad, sce.loss, sce.grad, pred, y, t]) out.destroy();
    }
  });
});
