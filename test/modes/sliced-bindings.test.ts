// Tensors larger than one storage binding: crossEntropy, nllLoss, softmax and logSoftmax process
// them in binding-sized slices. WebGPU grants no binding limit below its defaults, so the tests
// plan with a small `maxBindingBytes` on the same device.
import { describe, expect, it } from "vitest";
import { Xent, fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

const kTol = { atol: 2e-6, rtol: 3e-5 };
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

describe.each(["cpu", "gpu"] as const)("sliced bindings, %s plan", (adapterKind) => {
  it("crossEntropy and nllLoss over slices match the reference (class dim last and class dim 1 of 4-D)", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { adapterKind, maxBindingBytes: 256 * 1024 });
    const random = rng(60);
    for (const [shape, dim] of [
      [[300, 1000], 1],
      [[97, 1001], 1],
      [[6, 50, 30, 20], 1],
    ] as [number[], number][]) {
      const bytes = size(shape) * 4;
      expect(bytes).toBeGreaterThan(xent.maxBindingBytes); // really sliced
      const logits = randomFloats(size(shape), random, 6);
      const rowShape = shape.filter((_, d) => d !== dim);
      const classes = shape[dim] as number;
      const labels = randomInts(size(rowShape), random, classes);
      labels[labels.length - 1] = -100;
      const weight = Float32Array.from({ length: classes }, () => 0.5 + random());
      const x = xent.tensor(logits, shape);
      const t = xent.tensor(labels, rowShape);
      const input = ref.refTensor(logits, shape);
      const refT = ref.refTensor(labels, rowShape);
      for (const reduction of ["none", "mean"] as const)
        for (const labelSmoothing of [0, 0.1]) {
          const o = { dim, reduction, labelSmoothing };
          expectClose(
            await xent.crossEntropy(x, t, { ...o, weight: xent.tensor(weight, [classes]) }).read(),
            ref.crossEntropy(input, refT, { ...o, weight }).data,
            kTol,
            `CE ${shape} ${JSON.stringify(o)}`,
          );
        }
      const probs = Float32Array.from(ref.softmax(ref.refTensor(randomFloats(size(shape), random, 2), shape), { dim }).data);
      expectClose(
        await xent.crossEntropy(x, xent.tensor(probs, shape), { dim }).read(),
        ref.crossEntropy(input, ref.refTensor(probs, shape), { dim }).data,
        kTol,
        `CE prob ${shape}`,
      );
      expectClose(
        await xent.nllLoss(x, t, { dim, reduction: "sum" }).read(),
        ref.nllLoss(input, refT, { dim, reduction: "sum" }).data,
        kTol,
        `nll ${shape}`,
      );
    }
  });

  it("softmax and logSoftmax over slices, vec4 and scalar rows", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { adapterKind, maxBindingBytes: 128 * 1024 });
    const random = rng(61);
    for (const shape of [
      [200, 1000],
      [67, 1001],
      [5, 40, 400],
    ]) {
      const logits = randomFloats(size(shape), random, 6);
      logits[logits.length - 5] = -Infinity;
      const x = xent.tensor(logits, shape);
      const input = ref.refTensor(logits, shape);
      expectClose(await xent.softmax(x).read(), ref.softmax(input).data, kTol, `softmax ${shape}`);
      expectClose(
        await xent.logSoftmax(x, { dim: -1, temperature: 2 }).read(),
        ref.logSoftmax(input, { dim: -1, temperature: 2 }).data,
        kTol,
        `logSoftmax ${shape}`,
      );
    }
  });

  it("crossEntropyWithGrad over slices: loss and gradient (also in place) match the reference", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { adapterKind, maxBindingBytes: 256 * 1024 });
    const random = rng(63);
    for (const [shape, dim] of [
      [[300, 1000], 1],
      [[6, 50, 30, 20], 1],
    ] as [number[], number][]) {
      const logits = randomFloats(size(shape), random, 5);
      const rowShape = shape.filter((_, d) => d !== dim);
      const labels = randomInts(size(rowShape), random, shape[dim] as number);
      labels[3] = -100;
      const input = ref.refTensor(logits, shape);
      const refT = ref.refTensor(labels, rowShape);
      const t = xent.tensor(labels, rowShape);
      for (const o of [{ dim }, { dim, labelSmoothing: 0.1, zLoss: 1e-3, reduction: "sum" as const }]) {
        const { loss, grad } = xent.crossEntropyWithGrad(xent.tensor(logits, shape), t, o);
        expectClose(await loss.read(), ref.crossEntropy(input, refT, o).data, kTol, `grad loss ${shape} ${JSON.stringify(o)}`);
        expectClose(await grad.read(), ref.crossEntropyGrad(input, refT, o).data, kTol, `grad ${shape} ${JSON.stringify(o)}`);
      }
      const x = xent.tensor(logits, shape);
      const inPlace = xent.crossEntropyWithGrad(x, t, { dim, inPlace: true });
      expectClose(await x.read(), ref.crossEntropyGrad(input, refT, { dim }).data, kTol, `in-place grad ${shape}`);
      inPlace.loss.destroy();
    }
  });

  it("entropy and the pointwise losses over slices, weights broadcast by global index", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { adapterKind, maxBindingBytes: 64 * 1024 });
    const random = rng(64);
    const shape = [120, 333];
    const logits = randomFloats(size(shape), random, 5);
    const y = Float32Array.from({ length: size(shape) }, () => (random() < 0.5 ? 0 : 1));
    const w = Float32Array.from({ length: 333 }, () => random() * 2);
    const x = xent.tensor(logits, shape);
    const input = ref.refTensor(logits, shape);
    expectClose(await xent.entropy(x, { fromLogits: true }).read(), ref.entropy(input, { fromLogits: true }).data, kTol, "sliced entropy");
    for (const reduction of ["none", "mean"] as const) {
      const got = await xent
        .binaryCrossEntropyWithLogits(x, xent.tensor(y, shape), {
          reduction,
          weight: xent.tensor(w, [333]),
          posWeight: xent.tensor(w, [333]),
        })
        .read();
      expectClose(
        got,
        ref.binaryCrossEntropyWithLogits(input, ref.refTensor(y, shape), { reduction, weight: w, posWeight: w }).data,
        kTol,
        `sliced BCE ${reduction}`,
      );
      const logq = Float32Array.from(ref.logSoftmax(input).data);
      const p = Float32Array.from(ref.softmax(ref.refTensor(randomFloats(size(shape), random, 2), shape)).data);
      const kl = await xent.klDiv(xent.tensor(logq, shape), xent.tensor(p, shape), { reduction }).read();
      expectClose(kl, ref.klDiv(ref.refTensor(logq, shape), ref.refTensor(p, shape), { reduction }).data, kTol, `sliced KL ${reduction}`);
    }
  });

  it("sigmoid and the Keras / scikit-learn probability losses over slices", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { adapterKind, maxBindingBytes: 64 * 1024 });
    const random = rng(65);
    const shape = [100, 400];
    const logits = randomFloats(size(shape), random, 8);
    expectClose(
      await xent.sigmoid(xent.tensor(logits, shape)).read(),
      ref.sigmoid(ref.refTensor(logits, shape)).data,
      kTol,
      "sliced sigmoid",
    );
    const probs = Float32Array.from({ length: size(shape) }, () => random());
    const oneHot = new Float32Array(size(shape));
    const labels = randomInts(100, random, 400);
    labels.forEach((l, r) => (oneHot[r * 400 + l] = 1));
    const pred = xent.tensor(probs, shape);
    expectClose(
      await xent.keras.categoricalCrossentropy(xent.tensor(oneHot, shape), pred).read(),
      [ref.keras.categoricalCrossentropy(ref.refTensor(oneHot, shape), ref.refTensor(probs, shape))],
      kTol,
      "sliced keras CCE",
    );
    expectClose(
      await xent.keras.sparseCategoricalCrossentropy(xent.tensor(labels, [100]), pred).read(),
      [ref.keras.sparseCategoricalCrossentropy(ref.refTensor(labels, [100]), ref.refTensor(probs, shape))],
      kTol,
      "sliced keras sparse",
    );
    const n = 20000;
    const p1 = Float32Array.from({ length: n }, () => random());
    const yTrue = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? "spam" : "ham"));
    const ll = await xent.logLoss(yTrue, xent.tensor(p1, [n])).read();
    expectClose(ll, [ref.logLoss(yTrue, Array.from(p1), { eps: 2 ** -23 })], kTol, "sliced logLoss binary column");
  });

  it("a bad label in a later slice names its global position", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { adapterKind, maxBindingBytes: 64 * 1024 });
    const labels = new Int32Array(100);
    labels[87] = 1000;
    const x = xent.tensor(randomFloats(100 * 1000, rng(62)), [100, 1000]);
    await expect(xent.crossEntropy(x, xent.tensor(labels, [100])).read()).rejects.toThrow("target[87] (flat position 87) is 1000");
  });
});

describe("past the binding limit", () => {
  it("row-indexed arrays past one binding are refused at the call, naming the limit (not at read())", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { maxBindingBytes: 64 * 1024 });
    // 16 385 rows × 4 bytes of class indices and per-row losses: one past 64 KiB. The logits would slice.
    const logits = xent.tensor(new Float32Array(16385 * 2), [16385, 2]);
    const labels = xent.tensor(new Int32Array(16385), [16385]);
    expect(() => xent.crossEntropy(logits, labels)).toThrow(
      new RangeError(
        "crossEntropy: 16385 rows: their per-row arrays (class indices, losses) (4 bytes a row) do not fit one storage binding (65536 bytes); not sliced yet",
      ),
    );
    expect(() => xent.entropy(logits)).toThrow(
      /entropy: 16385 rows: their entropies \(4 bytes a row\) do not fit one storage binding \(65536 bytes\)/,
    );
    // keras' sparse loss on probabilities and sklearn's log_loss (issue 29.7: they were accepted, and read() got Dawn's binding error).
    const probs = xent.tensor(new Float32Array(16385 * 2).fill(0.5), [16385, 2]);
    for (const call of [
      () => xent.keras.sparseCategoricalCrossentropy(labels, probs),
      () => xent.keras.sparseCategoricalCrossentropyWithGrad(labels, probs),
      () => xent.logLoss(labels, probs),
      () => xent.logLossWithGrad(labels, probs),
      () => xent.evaluate(logits, labels),
      () => xent.argmax(logits),
    ])
      expect(call).toThrow(/16385 rows: .* do not fit one storage binding \(65536 bytes\)/);
    // The gradient's row statistics take 16 bytes a row: 4 097 rows are one too many.
    const small = xent.tensor(new Float32Array(4097 * 2), [4097, 2]);
    const smallLabels = xent.tensor(new Int32Array(4097), [4097]);
    expect(() => xent.crossEntropyWithGrad(small, smallLabels)).toThrow(/4097 rows: their statistics for the gradient \(16 bytes a row\)/);
    const fits = xent.crossEntropyWithGrad(xent.tensor(new Float32Array(4096 * 2), [4096, 2]), xent.tensor(new Int32Array(4096), [4096]));
    expect((await fits.loss.read())[0]).toBeCloseTo(Math.LN2, 6);
  });

  it("16-bit logits: softmax and the f32 gradient are sliced at their own offsets", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { maxBindingBytes: 64 * 1024 });
    const random = rng(66);
    for (const [shape, dtype] of [
      [[100, 1000], "f16"],
      // 1004 classes (vec4 rows): 4016-byte f32 rows, so a slice's f32 and 16-bit ranges start at
      // different offsets (1000's rows land both on 256-byte boundaries).
      [[50, 1004], "f16"],
      [[61, 1003], "bf16"],
    ] as [number[], "f16" | "bf16"][]) {
      const bits = (dtype === "f16" ? toFloat16Bits : toBfloat16Bits)(randomFloats(size(shape), random, 6));
      const values = (dtype === "f16" ? fromFloat16Bits : fromBfloat16Bits)(bits);
      const x = xent.tensor(bits, shape, dtype);
      const input = ref.refTensor(values, shape);
      expectClose(await xent.softmax(x).read(), ref.softmax(input).data, kTol, `sliced ${dtype} softmax`);
      const labels = randomInts(shape[0] as number, random, shape[1] as number);
      const refT = ref.refTensor(labels, [shape[0] as number]);
      const { loss, grad } = xent.crossEntropyWithGrad(x, xent.tensor(labels, [shape[0] as number]));
      expectClose(await loss.read(), ref.crossEntropy(input, refT).data, kTol, `sliced ${dtype} CE`);
      expectClose(await grad.read(), ref.crossEntropyGrad(input, refT).data, kTol, `sliced ${dtype} grad`);
      // entropy's gradient (f32) beside 16-bit input: each at its own offset.
      const h = xent.entropyWithGrad(x, { fromLogits: true, reduction: "sum" });
      expectClose(
        await h.grad.read(),
        ref.entropyGrad(input, { fromLogits: true, reduction: "sum" }).data,
        kTol,
        `sliced ${dtype} entropy grad`,
      );
      // f32 probability targets with 16-bit logits: sliced at their own offsets.
      const probs = Float32Array.from(ref.softmax(ref.refTensor(randomFloats(size(shape), random, 2), shape)).data);
      const probTarget = xent.tensor(probs, shape);
      expectClose(
        await xent.crossEntropy(x, probTarget, { reduction: "none", labelSmoothing: 0.1 }).read(),
        ref.crossEntropy(input, ref.refTensor(probs, shape), { reduction: "none", labelSmoothing: 0.1 }).data,
        kTol,
        `sliced ${dtype} CE prob`,
      );
      expectClose(
        await xent.crossEntropyWithGrad(x, probTarget).grad.read(),
        ref.crossEntropyGrad(input, ref.refTensor(probs, shape)).data,
        kTol,
        `sliced ${dtype} grad prob`,
      );
    }
  });

  it("a row block larger than a binding, and a bad maxBindingBytes, throw a RangeError naming the limit", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { maxBindingBytes: 64 * 1024 });
    const wide = xent.tensor(new Float32Array(2 * 20000), [2, 20000]);
    expect(() => xent.crossEntropy(wide, xent.tensor(new Int32Array(2), [2]))).toThrow(
      /one row block of 80000 bytes does not fit this device's maxStorageBufferBindingSize \(65536 bytes\)/,
    );
    expect(() => xent.softmax(wide)).toThrow(RangeError);
    expect(() => Xent.fromDevice(owner.device, { maxBindingBytes: 100 })).toThrow(RangeError);
  });
});
