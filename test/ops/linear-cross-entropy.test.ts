// linearCrossEntropy and linearCrossEntropyWithGrad: the GPU against the float64 reference (logits
// made in full, then the reference cross-entropy and its gradient) on shapes that are not multiples
// of the 64 × 64 tile, every option, 16-bit operands, bad labels, all-ignored batches, extreme
// hidden values; the V slabs and row chunks forced by a small binding limit; the same bits every
// run; and no allocation of the [N, V] logits.
import { afterAll, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { Xent, fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits, type Reduction, type Tensor } from "../../src/index.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, rng } from "../helpers/random.js";

type Half = "f32" | "f16" | "bf16";

interface Case {
  n: number;
  h: number;
  v: number;
  hidden: Float32Array;
  classifier: Float32Array;
  target: Int32Array;
  bias?: Float32Array;
  weight?: Float32Array;
}

interface Options {
  bias?: boolean;
  weight?: boolean;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
  zLoss?: number;
  softcap?: number;
  base?: number;
  unsigned?: boolean;
  dtypes?: [Half, Half];
}

const kLossTol: Tolerance = { atol: 1e-6, rtol: 1e-4 };
// Gradients are sums over H (hidden) or N (classifier) of products with p − onehot: 1e-5 relative,
// plus an absolute part for the near-zero entries of a sum of cancelling terms.
const kGradTol: Tolerance = { atol: 1e-5, rtol: 1e-4 };

function makeCase(seed: number, n: number, h: number, v: number, scale = 1): Case {
  const r = rng(seed);
  // Scaled so that logits are O(1) whatever H is (scale multiplies them).
  const hidden = randomFloats(n * h, r, (2 * scale) / Math.sqrt(h));
  const classifier = randomFloats(v * h, r, 2);
  const target = Int32Array.from({ length: n }, () => (r() < 0.1 ? -100 : Math.floor(r() * v)));
  return {
    n,
    h,
    v,
    hidden,
    classifier,
    target,
    bias: randomFloats(v, r, 1),
    weight: Float32Array.from({ length: v }, () => 0.25 + r() * 2),
  };
}

// The values the GPU sees: 16-bit operands decoded.
function asDtype(xs: Float32Array, d: Half): { upload: Float32Array | Uint16Array; seen: Float32Array } {
  if (d === "f16") {
    const bits = toFloat16Bits(xs);
    return { upload: bits, seen: fromFloat16Bits(bits) };
  }
  if (d === "bf16") {
    const bits = toBfloat16Bits(xs);
    return { upload: bits, seen: fromBfloat16Bits(bits) };
  }
  return { upload: xs, seen: xs };
}

interface Uploaded {
  hidden: Tensor;
  classifier: Tensor;
  target: Tensor;
  options: Record<string, unknown>;
  refArgs: [ref.RefTensor, ref.RefTensor, ref.RefTensor, ref.RefLinearCrossEntropyOptions];
  free(): void;
}

function upload(xent: Xent, c: Case, o: Options): Uploaded {
  const [dx, dw] = o.dtypes ?? ["f32", "f32"];
  const x = asDtype(c.hidden, dx);
  const w = asDtype(c.classifier, dw);
  const hidden = xent.tensor(x.upload, [c.n, c.h], dx);
  const classifier = xent.tensor(w.upload, [c.v, c.h], dw);
  const ignore = o.ignoreIndex ?? -100;
  // makeCase marks ignored rows −100: they take this call's ignoreIndex (a u32 label cannot be −100).
  const ignored = (t: number): number => (t === -100 ? (o.unsigned && ignore < 0 ? 0 : ignore) : t);
  const labels = o.unsigned ? Uint32Array.from(c.target, ignored) : Int32Array.from(c.target, ignored);
  const target = xent.tensor(labels, [c.n]);
  const bias = o.bias && c.bias ? xent.tensor(c.bias, [c.v]) : undefined;
  const weight = o.weight && c.weight ? xent.tensor(c.weight, [c.v]) : undefined;
  const plain = {
    ...(o.ignoreIndex !== undefined ? { ignoreIndex: o.ignoreIndex } : {}),
    ...(o.reduction ? { reduction: o.reduction } : {}),
    ...(o.labelSmoothing ? { labelSmoothing: o.labelSmoothing } : {}),
    ...(o.zLoss ? { zLoss: o.zLoss } : {}),
    ...(o.softcap ? { softcap: o.softcap } : {}),
    ...(o.base ? { base: o.base } : {}),
  };
  return {
    hidden,
    classifier,
    target,
    options: { ...plain, ...(bias ? { bias } : {}), ...(weight ? { weight } : {}) },
    refArgs: [
      ref.refTensor(x.seen, [c.n, c.h]),
      ref.refTensor(w.seen, [c.v, c.h]),
      ref.refTensor(labels, [c.n]),
      { ...plain, ...(bias ? { bias: c.bias } : {}), ...(weight ? { weight: c.weight } : {}) },
    ],
    free() {
      for (const t of [hidden, classifier, target, bias, weight]) t?.destroy();
    },
  };
}

async function checkCase(xent: Xent, c: Case, o: Options, what: string, withGrad = true): Promise<void> {
  const u = upload(xent, c, o);
  const expected = ref.linearCrossEntropy(...u.refArgs).data;
  const loss = xent.linearCrossEntropy(u.hidden, u.classifier, u.target, u.options);
  expectClose(await loss.read(), expected, kLossTol, `${what}: loss`);
  loss.destroy();
  if (withGrad) {
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, u.options);
    const g = ref.linearCrossEntropyGrad(...u.refArgs);
    expectClose(await r.loss.read(), expected, kLossTol, `${what}: loss (with grad)`);
    expectClose(await r.gradHidden.read(), g.gradHidden.data, kGradTol, `${what}: gradHidden`);
    expectClose(await r.gradClassifier.read(), g.gradClassifier.data, kGradTol, `${what}: gradClassifier`);
    if (o.bias) {
      expect(r.gradBias, `${what}: gradBias`).toBeDefined();
      expectClose(await r.gradBias!.read(), g.gradBias.data, kGradTol, `${what}: gradBias`);
    } else expect(r.gradBias).toBeUndefined();
    for (const t of [r.loss, r.gradHidden, r.gradClassifier, r.gradBias]) t?.destroy();
  }
  u.free();
}

const kShapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 3],
  [7, 13, 100],
  [65, 17, 130],
  [130, 70, 257],
  [64, 64, 64],
];

describe("linearCrossEntropy on the GPU", () => {
  it.each(kShapes)("N=%i H=%i V=%i: loss and gradients match the reference", async (n, h, v) => {
    const xent = await gpu();
    await checkCase(xent, makeCase(n * 1000 + h * 10 + v, n, h, v), { bias: true }, `[${n}, ${h}, ${v}]`);
  });
});

const kOptionSets: [string, Options][] = [
  ["class weights, ignoreIndex 3", { weight: true, ignoreIndex: 3 }],
  ["label smoothing with weights", { labelSmoothing: 0.1, weight: true, bias: true }],
  ["z-loss", { zLoss: 1e-2 }],
  ["softcap", { softcap: 3, bias: true }],
  ["bits, sum", { base: 2, reduction: "sum" }],
  ["none", { reduction: "none", bias: true }],
  ["u32 targets, ignoreIndex 5", { unsigned: true, ignoreIndex: 5, weight: true }],
  ["everything", { bias: true, weight: true, labelSmoothing: 0.2, zLoss: 1e-3, softcap: 4, base: 2, ignoreIndex: 0 }],
];

describe("linearCrossEntropy options", () => {
  it.each(kOptionSets)("%s: loss and gradients match the reference", async (what, o) => {
    const xent = await gpu();
    for (const [n, h, v] of [
      [65, 17, 130],
      [3, 70, 257],
    ] as const)
      await checkCase(xent, makeCase(n + h + v, n, h, v), o, `${what} [${n}, ${h}, ${v}]`);
  });

  it.each([
    ["f16", "f16"],
    ["bf16", "f32"],
    ["f32", "bf16"],
    ["f16", "bf16"],
  ] as [Half, Half][])("hidden %s, classifier %s (packed 16-bit, f32 accumulation)", async (dx, dw) => {
    const xent = await gpu();
    await checkCase(xent, makeCase(77, 67, 33, 129), { bias: true, dtypes: [dx, dw], labelSmoothing: 0.1 }, `${dx} × ${dw}`);
  });
});

describe("linearCrossEntropy edge cases", () => {
  it("no rows (N = 0): zero classifier and bias gradients, readable, and a caller's own work in its encoder survives", async () => {
    const xent = await gpu();
    const hidden = xent.tensor(new Float32Array(0), [0, 3]);
    const classifier = xent.tensor(
      Float32Array.from({ length: 12 }, (_, i) => i),
      [4, 3],
    );
    const bias = xent.tensor(new Float32Array(4), [4]);
    const target = xent.tensor(new Int32Array(0), [0]);
    const r = xent.linearCrossEntropyWithGrad(hidden, classifier, target, { bias, reduction: "sum" });
    expect(Array.from(await r.loss.read())).toEqual([0]);
    expect(Array.from(await r.gradClassifier.read())).toEqual(new Array(12).fill(0));
    expect(Array.from(await r.gradBias!.read())).toEqual([0, 0, 0, 0]);
    // In a caller's encoder: the clears end our open pass first, so the whole submit is valid.
    const mine = xent.tensor(Float32Array.from([7, 8, 9, 10]), [4]);
    const copy = xent.tensor(new Float32Array(4), [4]);
    const encoder = xent.device.createCommandEncoder();
    encoder.copyBufferToBuffer(mine.buffer, 0, copy.buffer, 0, 16);
    const inEncoder = xent.linearCrossEntropyWithGrad(hidden, classifier, target, { bias, reduction: "sum", encoder });
    xent.device.queue.submit([encoder.finish()]);
    expect(Array.from(await copy.read())).toEqual([7, 8, 9, 10]);
    expect(Array.from(await inEncoder.gradClassifier.read())).toEqual(new Array(12).fill(0));
    for (const t of [hidden, classifier, bias, target, mine, copy]) t.destroy();
  });

  it("every row ignored: mean NaN (0 / 0, as PyTorch), sum 0, zero gradients", async () => {
    const xent = await gpu();
    const c = makeCase(5, 6, 9, 70);
    c.target.fill(-100);
    for (const reduction of ["mean", "sum"] as const) await checkCase(xent, c, { reduction, bias: true }, `all ignored, ${reduction}`);
    const u = upload(xent, c, {});
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target);
    expect(Number.isNaN((await r.loss.read())[0])).toBe(true);
    expect((await r.gradHidden.read()).every((g) => g === 0)).toBe(true);
    expect((await r.gradClassifier.read()).every((g) => g === 0)).toBe(true);
    u.free();
  });

  it("large hidden values whose target is the largest logit: small losses out of logits in the thousands", async () => {
    const xent = await gpu();
    const c = makeCase(9, 20, 23, 130, 3000);
    const z = ref.linearLogits(ref.refTensor(c.hidden, [20, 23]), ref.refTensor(c.classifier, [130, 23])).data;
    for (let n = 0; n < 20; n++) {
      let best = 0;
      for (let v = 1; v < 130; v++) if ((z[n * 130 + v] as number) > (z[n * 130 + best] as number)) best = v;
      c.target[n] = best;
    }
    const u = upload(xent, c, { reduction: "none" });
    const loss = await xent.linearCrossEntropy(u.hidden, u.classifier, u.target, u.options).read();
    const expected = ref.linearCrossEntropy(...u.refArgs).data;
    // An f32 dot product of H terms is off by up to about H·2⁻²⁴·Σ|x·w| (here logits ~ 3000 → ~1e-3),
    // whatever the kernel: the loss (lse − z_t) inherits that, and not the naive form's cancellation.
    let bound = 0;
    for (let n = 0; n < 20; n++)
      for (let v = 0; v < 130; v++) {
        let s = 0;
        for (let k = 0; k < 23; k++) s += Math.abs((c.hidden[n * 23 + k] as number) * (c.classifier[v * 23 + k] as number));
        bound = Math.max(bound, s);
      }
    const atol = 2 * 23 * 2 ** -24 * bound;
    expect(Math.min(...Array.from(expected))).toBeLessThan(1);
    expectClose(loss, expected, { atol, rtol: 1e-5 }, "large logits, target the max");
    u.free();
  });

  it("logits that overflow f32: −inf classes drop out of the softmax, a +inf logit makes the row NaN (as PyTorch in f32)", async () => {
    const xent = await gpu();
    // Row 0: class 0 is 1e38·(−10) = −inf in f32; row 1: class 0 is +inf. The float64 reference of
    // the f32-rounded logits is what PyTorch computes in f32 (the plain reference never overflows).
    const hidden = Float32Array.of(1e38, 0, -1e38, 0);
    // (2e-38, not a subnormal: GPUs may flush those to 0.)
    const classifier = Float32Array.of(-10, 0, 0, 1, 2e-38, 2);
    const z = ref.refTensor(
      Array.from(ref.linearLogits(ref.refTensor(hidden, [2, 2]), ref.refTensor(classifier, [3, 2])).data, Math.fround),
      [2, 3],
    );
    expect([z.data[0], z.data[3]]).toEqual([-Infinity, Infinity]);
    const x = xent.tensor(hidden, [2, 2]);
    const w = xent.tensor(classifier, [3, 2]);
    for (const target of [
      [1, 2],
      [0, 1],
    ]) {
      const t = xent.tensor(Int32Array.from(target), [2]);
      const rt = ref.refTensor(target, [2]);
      const r = xent.linearCrossEntropyWithGrad(x, w, t, { reduction: "none" });
      expectClose(await r.loss.read(), ref.crossEntropy(z, rt, { reduction: "none" }).data, kLossTol, `loss, targets ${target.join(", ")}`);
      const g = ref.crossEntropyGrad(z, rt, { reduction: "none" }).data;
      const gx = Array.from({ length: 4 }, (_, i) => {
        const [n, k] = [Math.floor(i / 2), i % 2];
        return [0, 1, 2].reduce((s, v) => s + (g[n * 3 + v] as number) * (classifier[v * 2 + k] as number), 0);
      });
      expectClose(await r.gradHidden.read(), gx, kGradTol, `gradHidden, targets ${target.join(", ")}`);
      // Row 1's NaN gradient reaches every class of d/d(classifier) (NaN · 0 is NaN), as in PyTorch.
      expect((await r.gradClassifier.read()).every(Number.isNaN)).toBe(true);
      for (const tt of [t, r.loss, r.gradHidden, r.gradClassifier]) tt.destroy();
    }
  });

  it("a NaN in hidden makes its row's loss and gradient NaN and leaves the other rows alone", async () => {
    const xent = await gpu();
    const c = makeCase(11, 4, 5, 66);
    c.hidden[5] = NaN;
    c.target.set([1, 2, 3, 4]);
    await checkCase(xent, c, { reduction: "none", bias: true }, "NaN in row 1");
  });

  it("a bad label rejects read() with a RangeError, for the loss and every gradient", async () => {
    const xent = await gpu();
    const c = makeCase(12, 6, 5, 40);
    c.target[4] = 40;
    const u = upload(xent, c, { bias: true });
    await expect(xent.linearCrossEntropy(u.hidden, u.classifier, u.target).read()).rejects.toThrow(RangeError);
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, u.options);
    for (const t of [r.loss, r.gradHidden, r.gradClassifier, r.gradBias!])
      await expect(t.read()).rejects.toThrow(/target.*40.*position 4|position 4.*40/);
    u.free();
  });

  it("clear synchronous errors for mismatched shapes and dtypes", async () => {
    const xent = await gpu();
    const x = xent.tensor(new Float32Array(12), [3, 4]);
    const w = xent.tensor(new Float32Array(20), [5, 4]);
    const t = xent.tensor(new Int32Array(3), [3]);
    expect(() => xent.linearCrossEntropy(x, xent.tensor(new Float32Array(15), [5, 3]), t)).toThrow(/classifier: expected shape \[V, 4\]/);
    expect(() => xent.linearCrossEntropy(xent.tensor(new Float32Array(12), [12]), w, t)).toThrow(/hidden: expected shape \[N, H\]/);
    expect(() => xent.linearCrossEntropy(x, w, xent.tensor(new Int32Array(4), [4]))).toThrow(/target: expected shape \[3\]/);
    expect(() => xent.linearCrossEntropy(x, w, xent.tensor(new Float32Array(3), [3]))).toThrow(TypeError);
    expect(() => xent.linearCrossEntropy(x, w, t, { bias: xent.tensor(new Float32Array(4), [4]) })).toThrow(/bias: expected shape \[5\]/);
    expect(() => xent.linearCrossEntropy(x, w, t, { weight: xent.tensor(new Int32Array(5), [5]) })).toThrow(TypeError);
    expect(() => xent.linearCrossEntropy(x, w, t, { dim: 0 } as never)).toThrow(/dim/);
    expect(() => xent.linearCrossEntropy(x, w, t, { labelSmoothing: 2 })).toThrow(RangeError);
  });

  it("recorded into a caller's encoder: the same answers once the caller submits; xent.matmul in every layout", async () => {
    const xent = await gpu();
    const c = makeCase(24, 70, 20, 130);
    const u = upload(xent, c, { bias: true, weight: true });
    const encoder = xent.device.createCommandEncoder();
    const loss = xent.linearCrossEntropy(u.hidden, u.classifier, u.target, { ...u.options, encoder });
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, { ...u.options, encoder });
    xent.device.queue.submit([encoder.finish()]);
    const expected = ref.linearCrossEntropy(...u.refArgs).data;
    const g = ref.linearCrossEntropyGrad(...u.refArgs);
    expectClose(await loss.read(), expected, kLossTol, "loss (encoder)");
    expectClose(await r.gradHidden.read(), g.gradHidden.data, kGradTol, "gradHidden (encoder)");
    expectClose(await r.gradClassifier.read(), g.gradClassifier.data, kGradTol, "gradClassifier (encoder)");
    expectClose(await r.gradBias!.read(), g.gradBias.data, kGradTol, "gradBias (encoder)");
    for (const t of [loss, r.loss, r.gradHidden, r.gradClassifier, r.gradBias]) t?.destroy();
    // The product alone: a [70, 20] · [130, 20]ᵀ, and its transposed forms.
    const [x, w] = [ref.refTensor(c.hidden, [70, 20]), ref.refTensor(c.classifier, [130, 20])];
    const z = ref.linearLogits(x, w).data;
    expectClose(await xent.matmul(u.hidden, u.classifier, { transposeB: true }).read(), z, kGradTol, "matmul a·bᵀ");
    const zt = Array.from({ length: 130 * 70 }, (_, k) => z[(k % 70) * 130 + Math.floor(k / 70)] as number);
    const hT = xent.tensor(
      Float32Array.from({ length: 20 * 70 }, (_, k) => c.hidden[(k % 70) * 20 + Math.floor(k / 70)] as number),
      [20, 70],
    );
    expectClose(await xent.matmul(u.classifier, hT).read(), zt, kGradTol, "matmul a·b (b = hiddenᵀ)");
    expectClose(await xent.matmul(hT, u.classifier, { transposeA: true, transposeB: true }).read(), z, kGradTol, "matmul aᵀ·bᵀ");
    expect(() => xent.matmul(u.hidden, u.classifier)).toThrow(/inner dimensions differ/);
    hT.destroy();
    u.free();
  });

  it("the same bits every run (fixed merge order, no atomics)", async () => {
    const xent = await gpu();
    const u = upload(xent, makeCase(13, 130, 70, 300), { bias: true, labelSmoothing: 0.1 });
    const run = async () => {
      const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, u.options);
      const out = await Promise.all([r.loss.read(), r.gradHidden.read(), r.gradClassifier.read(), r.gradBias!.read()]);
      for (const t of [r.loss, r.gradHidden, r.gradClassifier, r.gradBias]) t?.destroy();
      return out.map((a) => Array.from(new Uint32Array(a.buffer)));
    };
    expect(await run()).toEqual(await run());
    u.free();
  });
});

describe("linearCrossEntropyWithGrad's gradient filtering (gradFilter)", () => {
  const grads = async (xent: Xent, u: Uploaded, gradFilter?: number) => {
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, {
      ...u.options,
      ...(gradFilter !== undefined ? { gradFilter } : {}),
    });
    const out = await Promise.all([r.loss.read(), r.gradHidden.read(), r.gradClassifier.read(), r.gradBias!.read()]);
    for (const t of [r.loss, r.gradHidden, r.gradClassifier, r.gradBias]) t?.destroy();
    return out;
  };
  const bits = (xs: Float32Array[]) => xs.map((a) => Array.from(new Uint32Array(a.buffer)));

  it("0 is off; a filter no tile falls under changes no bit; one every tile falls under zeroes the gradients, not the loss", async () => {
    const xent = await gpu();
    // Sliced too (16 KiB bindings): the flags follow each slab.
    for (const x of [xent, Xent.fromDevice(xent.device, { maxBindingBytes: 16 * 1024 })]) {
      const u = upload(x, makeCase(21, 130, 70, 257), { bias: true });
      const plain = await grads(x, u);
      expect(bits(await grads(x, u, 0))).toEqual(bits(plain));
      expect(bits(await grads(x, u, 1e-30))).toEqual(bits(plain));
      const all = await grads(x, u, 1e9);
      expect(bits([all[0]])).toEqual(bits([plain[0]]));
      for (const g of all.slice(1)) expect(g.every((v) => v === 0)).toBe(true);
      u.free();
    }
  });

  it.each(["first", "last"])(
    "on a peaked softmax (frequent classes %s) it skips tiles, within its bound: each gradient moves by at most filter × the other factor's column sum",
    async (where) => {
      const xent = await gpu();
      // A trained-looking head over a Zipf-like vocabulary: the targets among 256 frequent classes
      // (the first or the last: the tile flags of G and of Gᵀ index differently), the other 2304
      // biased down (rare tokens), so their tiles of G are all tiny.
      const [n, h, v] = [130, 32, 2560];
      const c = makeCase(22, n, h, v);
      const r = rng(22);
      const first = where === "first" ? 0 : v - 256;
      for (let i = 0; i < n; i++) c.target[i] = first + Math.floor(r() * 256);
      for (let k = 0; k < v; k++) if (k < first || k >= first + 256) (c.bias as Float32Array)[k] = -30;
      const u = upload(xent, c, { bias: true });
      const eps = 1e-6;
      const [, gx, gw, gb] = await grads(xent, u, eps);
      const g = ref.linearCrossEntropyGrad(...u.refArgs);
      // |Δ gradHidden[i, k]| ≤ ε Σ_v |W[v, k]|; |Δ gradClassifier[v, k]| ≤ ε Σ_i |x[i, k]|; |Δ gradBias| ≤ ε N.
      const colSum = (m: Float32Array, rows: number, k: number) =>
        Array.from({ length: rows }, (_, r) => Math.abs(m[r * h + k] as number)).reduce((a, b) => a + b);
      const wSum = Array.from({ length: h }, (_, k) => colSum(c.classifier, v, k));
      const xSum = Array.from({ length: h }, (_, k) => colSum(c.hidden, n, k));
      let changed = 0;
      for (let i = 0; i < n * h; i++) {
        const d = Math.abs((gx[i] as number) - (g.gradHidden.data[i] as number));
        expect(d).toBeLessThanOrEqual(
          eps * (wSum[i % h] as number) + kGradTol.atol + kGradTol.rtol * Math.abs(g.gradHidden.data[i] as number),
        );
      }
      for (let i = 0; i < v * h; i++) {
        const d = Math.abs((gw[i] as number) - (g.gradClassifier.data[i] as number));
        if (gw[i] === 0 && g.gradClassifier.data[i] !== 0) changed++;
        expect(d).toBeLessThanOrEqual(
          eps * (xSum[i % h] as number) + kGradTol.atol + kGradTol.rtol * Math.abs(g.gradClassifier.data[i] as number),
        );
      }
      for (let i = 0; i < v; i++)
        expect(Math.abs((gb[i] as number) - (g.gradBias.data[i] as number))).toBeLessThanOrEqual(eps * n + kGradTol.atol);
      // It did skip something: classifier rows whose every tile was filtered out are exactly 0.
      expect(changed).toBeGreaterThan(0);
      u.free();
    },
  );

  it("rejects a negative or non-number filter, and the forward op does not take it", async () => {
    const xent = await gpu();
    const u = upload(xent, makeCase(23, 4, 4, 8), {});
    expect(() => xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, { gradFilter: -1 })).toThrow(RangeError);
    expect(() => xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, { gradFilter: "auto" as never })).toThrow(TypeError);
    expect(() => xent.linearCrossEntropy(u.hidden, u.classifier, u.target, { gradFilter: 1e-6 } as never)).toThrow(/gradFilter/);
    u.free();
  });
});

describe("linearCrossEntropy in slices", () => {
  it("V slabs and row chunks forced by a 16 KiB binding limit (not tile multiples) give the same answers", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device, { maxBindingBytes: 16 * 1024 });
    // classifier [257, 70] f32 = 72 KB: slabs of 57 classes; hidden [130, 70]: chunks of 57 rows.
    for (const o of [
      { bias: true, weight: true, labelSmoothing: 0.1 },
      { reduction: "none" as const, dtypes: ["f16", "bf16"] as [Half, Half] },
    ])
      await checkCase(xent, makeCase(14, 130, 70, 257), o, `sliced ${JSON.stringify(o)}`);
  });

  it("never allocates the [N, V] logits or their gradient (xent.stats().peakBytes on a fresh device)", { timeout: 120_000 }, async () => {
    await gpu();
    const xent = await Xent.create();
    const [n, h, v] = [1024, 8, 16384];
    const c = makeCase(15, n, h, v);
    const u = upload(xent, c, { bias: true });
    const before = xent.stats();
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, u.options);
    await r.loss.read();
    await r.gradClassifier.read();
    const logitsBytes = n * v * 4; // 64 MiB
    const outputs = (n * h + v * h + v) * 4;
    const extra = xent.stats().peakBytes - before.liveBytes - outputs;
    expect(extra).toBeLessThan(logitsBytes / 8);
    xent.destroy();
  });
});

describe("linearCrossEntropy on a real 128 MiB binding limit", () => {
  let device: Xent | undefined;
  afterAll(() => device?.destroy());

  // Past one binding, but no larger: the slabs' logic is the same at any multiple, and every test
  // planning with a small maxBindingBytes checks its bind groups against the plan.
  it("V = 65 600, H = 1024, f16: a 134 MB classifier and its 269 MB gradient in binding-sized V slabs", { timeout: 600_000 }, async () => {
    await gpu(); // names the adapter in the run's GPU-case count
    device = await Xent.create({ requiredLimits: { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 29 } });
    const xent = Xent.fromDevice(device.device);
    expect(xent.device.limits.maxStorageBufferBindingSize).toBe(2 ** 27);
    const [n, h, v] = [3, 1024, 65_600];
    const r = rng(16);
    // A classifier of 263M f16 values from a table of 4096 random ones (cheap to fill, rows differ).
    const table = toFloat16Bits(randomFloats(4096, r, 1));
    const wBits = new Uint16Array(v * h);
    for (let c = 0; c < v; c++) {
      const shift = (c * 2654435761) >>> 20;
      for (let k = 0; k < h; k++) wBits[c * h + k] = table[(shift + k * 7) & 4095] as number;
    }
    const xBits = toFloat16Bits(randomFloats(n * h, r, 2 / Math.sqrt(h)));
    const target = Int32Array.of(5, 65_599, 40_000);
    const hidden = xent.tensor(xBits, [n, h]);
    const classifier = xent.tensor(wBits, [v, h]);
    const t = xent.tensor(target, [n]);
    const out = xent.linearCrossEntropyWithGrad(hidden, classifier, t, { reduction: "sum" });

    // The float64 reference on the decoded values: logits and G in full ([3, V] is small), the
    // gradients from G.
    const xs = fromFloat16Bits(xBits);
    const tableValues = fromFloat16Bits(table);
    const wAt = (c: number, k: number): number => tableValues[(((c * 2654435761) >>> 20) + k * 7) & 4095] as number;
    const z = new Float64Array(n * v);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < v; c++) {
        let s = 0;
        for (let k = 0; k < h; k++) s += (xs[i * h + k] as number) * wAt(c, k);
        z[i * v + c] = s;
      }
    const zt = ref.refTensor(z, [n, v]);
    const tt = ref.refTensor(target, [n]);
    expectClose(await out.loss.read(), ref.crossEntropy(zt, tt, { reduction: "sum" }).data, kLossTol, "loss");
    const g = ref.crossEntropyGrad(zt, tt, { reduction: "sum" }).data;
    const gx = new Float64Array(n * h);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < v; c++) {
        const gic = g[i * v + c] as number;
        for (let k = 0; k < h; k++) gx[i * h + k] = (gx[i * h + k] as number) + gic * wAt(c, k);
      }
    expectClose(await out.gradHidden.read(), gx, kGradTol, "gradHidden");
    // d/d(classifier): the targets' rows, both sides of every slab boundary (32 767 classes of
    // 4 KiB f32 gradient rows per 128 MiB binding) and the last row.
    const gw = await out.gradClassifier.read();
    const rows = [0, 5, 40_000, v - 1, ...Array.from({ length: 2 }, (_, k) => [32_767 * (k + 1) - 1, 32_767 * (k + 1)]).flat()];
    for (const c of rows) {
      const expected = Array.from({ length: h }, (_, k) =>
        [0, 1, 2].reduce((s, i) => s + (g[i * v + c] as number) * (xs[i * h + k] as number), 0),
      );
      expectClose(gw.subarray(c * h, (c + 1) * h), expected, kGradTol, `gradClassifier row ${c}`);
    }
    for (const tensor of [hidden, classifier, t, out.loss, out.gradHidden, out.gradClassifier]) tensor.destroy();
  });
});

describe("linearCrossEntropy past maxBufferSize", () => {
  it("refuses, at the call, gradients a buffer cannot hold (WebGPU's default 256 MiB maxBufferSize)", async () => {
    await gpu();
    const device = await Xent.create({ requiredLimits: { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 } });
    const xent = Xent.fromDevice(device.device);
    // A 134 MB f16 classifier fits; its f32 gradient (269 MB) does not.
    const [v, h] = [65_600, 1024];
    const classifier = xent.tensor(new Uint16Array(v * h), [v, h], "f16");
    const hidden = xent.tensor(new Float32Array(2 * h), [2, h]);
    const target = xent.tensor(Int32Array.of(0, 1), [2]);
    const before = xent.stats().liveBuffers;
    expect(() => xent.linearCrossEntropyWithGrad(hidden, classifier, target)).toThrow(
      /linearCrossEntropyWithGrad: gradClassifier would take 268697600 bytes, past this device's maxBufferSize \(268435456 bytes\)/,
    );
    expect(xent.stats().liveBuffers).toBe(before); // nothing allocated
    [classifier, hidden, target].forEach((t) => t.destroy());
    device.destroy();
  });
});
