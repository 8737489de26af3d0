// GPU gradients against the reference on the rows that break naive kernels (±1e4 logits, −Inf
// masks, probabilities exactly 0 and 1, NaN, the Keras clip, broadcast weights). (Every plan, dtype
// and slice: test/modes/conformance.test.ts; finite differences: test/reference/finite-differences.test.ts.)
import { describe, expect, it } from "vitest";
import type { Tensor, Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, rng } from "../helpers/random.js";

const up = (xent: Xent, data: ArrayLike<number>, shape: number[]): Tensor<"f32"> => xent.tensor(Float32Array.from(data), shape);

async function readAll(...tensors: Tensor[]): Promise<Float32Array[]> {
  const out = (await Promise.all(tensors.map((t) => t.read()))) as Float32Array[];
  tensors.forEach((t) => t.destroy());
  return out;
}

describe("GPU gradients on adversarial inputs follow the reference (and PyTorch's rules)", () => {
  it("crossEntropyWithGrad: the target is the max of logits of size 1e4 (vec4 and scalar rows)", async () => {
    const xent = await gpu();
    for (const classes of [8, 7]) {
      const random = rng(classes);
      const rows = 6;
      const x = Float32Array.from({ length: rows * classes }, () => 1e4 + Math.round((random() * 2 - 1) * 8));
      const t = Int32Array.from({ length: rows }, (_, r) => {
        const row = x.subarray(r * classes, (r + 1) * classes);
        return row.indexOf(Math.max(...row));
      });
      x[3] = -Infinity;
      const X = up(xent, x, [rows, classes]);
      const T = xent.tensor(t, [rows]);
      const { loss, grad } = xent.crossEntropyWithGrad(X, T, { reduction: "none" });
      const [l, g] = await readAll(loss, grad);
      const rx = ref.refTensor(x, [rows, classes]);
      const rt = ref.refTensor(t, [rows]);
      expectClose(
        l as Float32Array,
        ref.crossEntropy(rx, rt, { reduction: "none" }).data,
        { atol: 2e-6, rtol: 3e-5 },
        `loss, ${classes} classes`,
      );
      // p = exp((z − m) − log s), never exp(z − lse) with lse rounded at 1e4: 1e-3 of p lost.
      expectClose(
        g as Float32Array,
        ref.crossEntropyGrad(rx, rt, { reduction: "none" }).data,
        { atol: 2e-6, rtol: 3e-5 },
        `grad, ${classes} classes`,
      );
      X.destroy();
      T.destroy();
    }
  });

  it("binaryCrossEntropyWithGrad: p exactly 0 and 1 (PyTorch's 1e-12 clamp, large finite slopes), NaN, p outside [0, 1]", async () => {
    const xent = await gpu();
    const p = [0, 1, 0, 1, 1e-9, NaN, 1.5, 0.25];
    const y = [1, 0, 0, 1, 1, 0.5, 1, 0.5];
    const { loss, grad } = xent.binaryCrossEntropyWithGrad(up(xent, p, [8]), up(xent, y, [8]), { reduction: "none" });
    const [l, g] = await readAll(loss, grad);
    const rp = ref.refTensor(p);
    const ry = ref.refTensor(y);
    expectClose(l as Float32Array, ref.binaryCrossEntropy(rp, ry, { reduction: "none" }).data, { atol: 1e-6, rtol: 1e-5 }, "loss");
    expectClose(g as Float32Array, ref.binaryCrossEntropyGrad(rp, ry, { reduction: "none" }).data, { atol: 1e-6, rtol: 1e-5 }, "grad");
    expect(g?.[0]).toBeCloseTo(-1e12, -6);
    expect(Number.isNaN(g?.[5])).toBe(true);
    expect(Number.isNaN(g?.[6])).toBe(true);
  });

  it("binaryCrossEntropyWithLogitsWithGrad and klDivWithGrad: ±1e4, NaN inputs as PyTorch (KL's gradient does not read the input)", async () => {
    const xent = await gpu();
    const x = [1e4, -1e4, 0, NaN, 3];
    const y = [0, 1, 0.5, 1, 0.2];
    const pw = [2];
    const b = xent.binaryCrossEntropyWithLogitsWithGrad(up(xent, x, [5]), up(xent, y, [5]), {
      posWeight: up(xent, pw, [1]),
      reduction: "sum",
    });
    const [bl, bg] = await readAll(b.loss, b.grad);
    const rx = ref.refTensor(x);
    const ry = ref.refTensor(y);
    expectClose(
      bl as Float32Array,
      ref.binaryCrossEntropyWithLogits(rx, ry, { posWeight: pw, reduction: "sum" }).data,
      { atol: 1e-6, rtol: 1e-5 },
      "bce loss",
    );
    expectClose(
      bg as Float32Array,
      ref.binaryCrossEntropyWithLogitsGrad(rx, ry, { posWeight: pw, reduction: "sum" }).data,
      { atol: 1e-6, rtol: 1e-5 },
      "bce grad",
    );
    expect(Array.from(bg as Float32Array).slice(0, 3)).toEqual([1, -2, Math.fround(0.5 * 1.5 - 1)]);

    const logq = [-1, NaN, -Infinity, -2];
    const p = [0.5, 0.25, 0, 0.25];
    const k = xent.klDivWithGrad(up(xent, logq, [2, 2]), up(xent, p, [2, 2]), { reduction: "batchmean" });
    const [, kg] = await readAll(k.loss, k.grad);
    expectClose(
      kg as Float32Array,
      ref.klDivGrad(ref.refTensor(logq, [2, 2]), ref.refTensor(p, [2, 2]), { reduction: "batchmean" }).data,
      { atol: 1e-7, rtol: 1e-6 },
      "kl grad",
    );
    expect(Array.from(kg as Float32Array)).toEqual([-0.25, -0.125, -0, -0.125]);
  });

  it("entropyWithGrad: −Inf masks have a zero gradient, p = 0 a +Inf slope (torch.special.entr), undefined rows NaN", async () => {
    const xent = await gpu();
    const logits = [2, -Infinity, 0.5, 1e4, -Infinity, -Infinity, -Infinity, -Infinity, 1, NaN, 0, 0];
    const e = xent.entropyWithGrad(up(xent, logits, [3, 4]), { fromLogits: true, reduction: "mean", base: 2 });
    const [el, eg] = await readAll(e.loss, e.grad);
    const rl = ref.refTensor(logits, [3, 4]);
    const o = { fromLogits: true, reduction: "mean", base: 2 } as const;
    expect(Number.isNaN(el?.[0])).toBe(true);
    expectClose(eg as Float32Array, ref.entropyGrad(rl, o).data, { atol: 1e-6, rtol: 1e-5 }, "entropy grad, logits");
    expect(eg?.[1]).toBe(0);
    const probs = [0, 0.5, 0.5, 1, 0, 0];
    const q = xent.entropyWithGrad(up(xent, probs, [2, 3]));
    const [, qg] = await readAll(q.loss, q.grad);
    expectClose(
      qg as Float32Array,
      ref.entropyGrad(ref.refTensor(probs, [2, 3])).data,
      { atol: 1e-6, rtol: 1e-5 },
      "entropy grad, probabilities",
    );
    expect(qg?.[0]).toBe(Infinity);
  });

  it("Keras: the clip's zero gradient where it clips, rows that do not sum to 1, bad sparse labels NaN", async () => {
    const xent = await gpu();
    // Row 0 holds a value the clip raises (1e-9 / Σ < 1e-7): its own slope is 0, only Σ's remains.
    const p = [1e-9, 0.3, 0.69, 0.2, 0.2, 0.59];
    const y = [1, 0, 0, 0, 0, 1];
    const c = xent.keras.categoricalCrossentropyWithGrad(up(xent, y, [2, 3]), up(xent, p, [2, 3]));
    const [cl, cg] = await readAll(c.loss, c.grad);
    const rp = ref.refTensor(p, [2, 3]);
    expectClose(
      cl as Float32Array,
      [ref.keras.categoricalCrossentropy(ref.refTensor(y, [2, 3]), rp)],
      { atol: 1e-6, rtol: 1e-5 },
      "categorical loss",
    );
    expectClose(
      cg as Float32Array,
      ref.keras.categoricalCrossentropyGrad(ref.refTensor(y, [2, 3]), rp).data,
      { atol: 1e-6, rtol: 1e-5 },
      "categorical grad",
    );
    // Row 0's gradient is the renormalisation's alone: (0 − Σ g·r) / Σp at the clipped class.
    expect(cg?.[0]).toBeCloseTo(cg?.[1] as number, 6);

    const ids = xent.tensor(Int32Array.from([2, 7]), [2]);
    const s = xent.keras.sparseCategoricalCrossentropyWithGrad(ids, up(xent, p, [2, 3]));
    await expect(s.loss.read()).rejects.toThrow(RangeError);
    await expect(s.grad.read()).rejects.toThrow(RangeError);
    s.loss.destroy();
    s.grad.destroy();
    ids.destroy();
  });

  it("BCE weights broadcast as PyTorch's: scalar, [N, 1], [1, C], [B, 1, C] on [B, T, C] (two runs of dims)", async () => {
    const xent = await gpu();
    const random = rng(11);
    const shape = [2, 3, 4];
    const x = randomFloats(24, random, 3);
    const y = Float32Array.from({ length: 24 }, () => Math.round(random()));
    for (const wShape of [[], [2, 1, 1], [1, 1, 4], [2, 1, 4], [3, 1], [2, 3, 1]]) {
      const n = wShape.reduce((a, b) => a * b, 1);
      const w = Float32Array.from({ length: n }, () => random() + 0.5);
      const W = up(xent, w, wShape);
      const { loss, grad } = xent.binaryCrossEntropyWithLogitsWithGrad(up(xent, x, shape), up(xent, y, shape), {
        weight: W,
        posWeight: W,
        reduction: "none",
      });
      const [l, g] = await readAll(loss, grad);
      const o = { weight: ref.refTensor(w, wShape), posWeight: ref.refTensor(w, wShape), reduction: "none" } as const;
      const rx = ref.refTensor(x, shape);
      const ry = ref.refTensor(y, shape);
      expectClose(
        l as Float32Array,
        ref.binaryCrossEntropyWithLogits(rx, ry, o).data,
        { atol: 1e-6, rtol: 1e-5 },
        `loss, weight ${JSON.stringify(wShape)}`,
      );
      expectClose(
        g as Float32Array,
        ref.binaryCrossEntropyWithLogitsGrad(rx, ry, o).data,
        { atol: 1e-6, rtol: 1e-5 },
        `grad, weight ${JSON.stringify(wShape)}`,
      );
      W.destroy();
    }
  });

  it("softmaxBackward / logSoftmaxBackward along a middle dim, 16-bit y, a −Inf logSoftmax output; sigmoidBackward", async () => {
    const xent = await gpu();
    const random = rng(5);
    const shape = [2, 5, 3];
    const x = randomFloats(30, random, 3);
    x[4] = -Infinity;
    const dy = randomFloats(30, random, 1);
    const rx = ref.refTensor(x, shape);
    const rdy = ref.refTensor(dy, shape);
    const y = ref.softmax(rx, { dim: 1 }).data;
    const ly = ref.logSoftmax(rx, { dim: 1 }).data;
    const s = await readAll(xent.softmaxBackward(up(xent, y, shape), up(xent, dy, shape), { dim: 1 }));
    expectClose(
      s[0] as Float32Array,
      ref.softmaxBackward(ref.refTensor(Float32Array.from(y), shape), rdy, { dim: 1 }).data,
      { atol: 2e-6, rtol: 2e-5 },
      "softmax",
    );
    const l = await readAll(xent.logSoftmaxBackward(up(xent, ly, shape), up(xent, dy, shape), { dim: 1 }));
    expectClose(
      l[0] as Float32Array,
      ref.logSoftmaxBackward(ref.refTensor(Float32Array.from(ly), shape), rdy, { dim: 1 }).data,
      { atol: 2e-6, rtol: 2e-5 },
      "logSoftmax",
    );
    expect(l[0]?.[4]).toBeCloseTo(dy[4] as number, 6);
    // bf16 y: compared on the values the GPU sees.
    const yBits = ref.toBfloat16Bits(Float32Array.from(y));
    const h = await readAll(xent.softmaxBackward(xent.tensor(yBits, shape, "bf16"), up(xent, dy, shape), { dim: 1 }));
    expectClose(
      h[0] as Float32Array,
      ref.softmaxBackward(ref.refTensor(ref.fromBfloat16Bits(yBits), shape), rdy, { dim: 1 }).data,
      { atol: 2e-6, rtol: 2e-5 },
      "softmax, bf16 y",
    );
    const sy = ref.sigmoid(rx).data;
    const g = await readAll(xent.sigmoidBackward(up(xent, sy, shape), up(xent, dy, shape)));
    expectClose(
      g[0] as Float32Array,
      ref.sigmoidBackward(ref.refTensor(Float32Array.from(sy), shape), rdy).data,
      { atol: 1e-7, rtol: 1e-5 },
      "sigmoid",
    );
  });

  it("nllLossWithGrad after logSoftmax, chained through logSoftmaxBackward, is crossEntropyWithGrad's gradient", async () => {
    const xent = await gpu();
    const random = rng(3);
    const x = randomFloats(40, random, 4);
    const t = Int32Array.from([0, 3, -100, 9]);
    const X = up(xent, x, [4, 10]);
    const T = xent.tensor(t, [4]);
    const logp = xent.logSoftmax(X);
    const nll = xent.nllLossWithGrad(logp, T);
    const chained = xent.logSoftmaxBackward(logp, nll.grad);
    const ce = xent.crossEntropyWithGrad(X, T);
    const [a, b, la, lb] = await readAll(chained, ce.grad, nll.loss, ce.loss);
    expectClose(a as Float32Array, b as Float32Array, { atol: 1e-7, rtol: 1e-5 }, "chained gradient");
    expectClose(la as Float32Array, lb as Float32Array, { atol: 1e-6, rtol: 1e-5 }, "loss");
    [X, T, logp, nll.grad].forEach((v) => v.destroy());
  });

  it("nllLossWithGrad never reads the input: NaN and ±Inf log-probabilities leave −w_t / Σw at the target, 0 elsewhere", async () => {
    const xent = await gpu();
    const logp = [Infinity, NaN, -1, -Infinity, -2, Infinity];
    const { loss, grad } = xent.nllLossWithGrad(up(xent, logp, [2, 3]), xent.tensor(Int32Array.from([2, 0]), [2]), {
      weight: up(xent, [1, 2, 3], [3]),
    });
    const [, g] = await readAll(loss, grad);
    expect(Array.from(g as Float32Array)).toEqual([0, 0, -0.75, -0.25, 0, 0]);
    // Vec4 rows (8 classes) too: +0 off the target, never -0.
    const wide = xent.nllLossWithGrad(up(xent, [...logp, 0, 0, ...logp, 0, 0], [2, 8]), xent.tensor(Int32Array.from([2, 7]), [2]));
    const [, g8] = await readAll(wide.loss, wide.grad);
    expect(Array.from(g8 as Float32Array)).toEqual([0, 0, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.5]);
  });

  it("logLoss takes class ids as Int32Array, Uint32Array or an i32 tensor, with the labels' answer", async () => {
    const xent = await gpu();
    const p = up(xent, [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65], [4, 2]);
    const want = 0.21616187468057912;
    const ids = xent.tensor(Int32Array.from([1, 0, 0, 1]), [4]);
    for (const yTrue of [["spam", "ham", "ham", "spam"], Int32Array.from([1, 0, 0, 1]), Uint32Array.from([1, 0, 0, 1]), ids]) {
      const [l] = await readAll(xent.logLoss(yTrue, p));
      expect(l?.[0]).toBeCloseTo(want, 6);
    }
    const { loss, grad } = xent.logLossWithGrad(ids, p);
    const [, g] = await readAll(loss, grad);
    expectClose(
      g as Float32Array,
      ref.logLossGrad(
        [1, 0, 0, 1],
        [
          [0.1, 0.9],
          [0.9, 0.1],
          [0.8, 0.2],
          [0.35, 0.65],
        ],
        { eps: 2 ** -23 },
      ),
      { atol: 1e-7, rtol: 1e-5 },
      "logLoss grad",
    );
    await expect(xent.logLoss(xent.tensor(Int32Array.from([1, 0, 2, 1]), [4]), p).read()).rejects.toThrow(RangeError);
    expect(() => xent.logLoss(ids, p, { labels: ["a", "b", "c"] })).toThrow(
      "logLoss: labels: expected 2 labels (the classes of yPred) for class-id yTrue, got 3",
    );
    ids.destroy();
    p.destroy();
  });

  it("keras.sparseCategoricalCrossentropy renormalises rows first (Keras 3): a row summing to 0.99", async () => {
    const xent = await gpu();
    const p = [0.5, 0.3, 0.19, 0.2, 0.2, 0.6];
    const ids = xent.tensor(Int32Array.from([1, 2]), [2]);
    const [l] = await readAll(xent.keras.sparseCategoricalCrossentropy(ids, up(xent, p, [2, 3])));
    const want = -(Math.log(0.3 / 0.99) + Math.log(0.6)) / 2;
    expect(l?.[0]).toBeCloseTo(want, 6);
    ids.destroy();
  });
});

// softmaxBackward's row layouts: lanes share rows longer than 64 (4 on a CPU-emulated adapter, 32
// or 256 on a GPU), vec4 rows where classes % 4 == 0 (f32 through vec4 views, 16-bit through packed
// words), scalar rows otherwise; every plan, f32 and 16-bit y and dy.
