// Hostile input: seeded random bad calls. Each either throws a TypeError/RangeError at once, or
// returns tensors whose every read() gives what the float64 reference computes (NaN included) at
// the README's tolerance, or, exactly when the reference refuses the call (a bad class index),
// rejects with a RangeError. None hangs, crashes the process, or spoils a later correct call.
// FUZZ_SEED=n reproduces a run.
import { expect, it } from "vitest";
import { Tensor, type Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { rng } from "../helpers/random.js";

const seed = Number(process.env.FUZZ_SEED ?? 20261123);
// The README's loosest stated tolerance (losses with label smoothing or probability targets; 1e-6
// absolute for probabilities).
const kTol = { atol: 1e-6, rtol: 3e-5 };
const kCalls = 1200;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function value(r: Rand): number {
  const u = r();
  if (u < 0.04) return NaN;
  if (u < 0.07) return Infinity;
  if (u < 0.12) return -Infinity;
  if (u < 0.15) return pick(r, [1e30, -1e30, 1e4, -1e4, -0, 3.4e38]);
  return (r() * 2 - 1) * 8;
}

function shape(r: Rand): number[] {
  const rank = Math.floor(r() * 4);
  return Array.from({ length: rank }, () => (r() < 0.08 ? 0 : 1 + Math.floor(r() * 6)));
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A random argument: usually a tensor of a random shape and dtype, sometimes not a tensor at all. */
function arg(xent: Xent, r: Rand, like?: readonly number[]): unknown {
  const u = r();
  if (u < 0.03) return pick(r, [null, undefined, 3, "x", [1, 2], {}, new Float64Array(3)]);
  const s = like && r() < 0.9 ? [...like] : shape(r);
  const n = size(s);
  const kind = like && r() < 0.5 ? "f32" : pick(r, ["f32", "f32", "f32", "i32", "u32"] as const);
  if (kind === "f32")
    return xent.tensor(
      Float32Array.from({ length: n }, () => value(r)),
      s,
    );
  if (kind === "i32")
    return xent.tensor(
      Int32Array.from({ length: n }, () => (r() < 0.1 ? pick(r, [-1, -100, 2 ** 31 - 1, 7]) : Math.floor(r() * 6))),
      s,
    );
  return xent.tensor(
    Uint32Array.from({ length: n }, () => (r() < 0.1 ? 0xffffffff : Math.floor(r() * 6))),
    s,
  );
}

function options(r: Rand): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (r() < 0.3) o.dim = pick(r, [-3, -1, 0, 1, 2, 5, 0.5, "1", NaN]);
  if (r() < 0.2) o.reduction = pick(r, ["mean", "sum", "none", "avg", 1, "batchmean"]);
  if (r() < 0.15) o.labelSmoothing = pick(r, [0, 0.1, 1, -0.1, 2, NaN, "0.1"]);
  if (r() < 0.15) o.ignoreIndex = pick(r, [-100, 0, 3, 1.5, 2 ** 40]);
  if (r() < 0.1) o.temperature = pick(r, [1, 0.5, 0, -1, Infinity, "2"]);
  if (r() < 0.1) o.base = pick(r, [2, Math.E, 1, 0, -2]);
  if (r() < 0.05) o.bogus = true;
  if (r() < 0.05) o.zLoss = pick(r, [1e-3, -1, NaN]);
  if (r() < 0.05) o.softcap = pick(r, [5, 0, -1]);
  return o;
}

interface Outcome {
  tensors: Tensor[];
  /** What was called, for the failure message. */
  call?: string;
  /** The reference's answer for every tensor; it throws where the reference refuses the call. */
  expected: () => ArrayLike<number>[];
  /**
   * A product of an element of x and one of y leaves f32's range (the fuzz feeds 3.4e38 beside
   * targets of a few units): f32 arithmetic, the GPU's and PyTorch's float32 alike, makes ±inf
   * terms that meet as NaN where float64 stays finite (−Σ q·log p with log p ≈ −3.4e38).
   */
  f32Overflow?: boolean;
  /**
   * Per output, the magnitude of the terms that f32 adds up to make each element (0 where the
   * README's tolerance covers it): a cancelling sum is only as exact as its largest term.
   */
  termScale?: number[];
  /**
   * Per output: a sum of the inputs that the kernel forms leaves f32's range (a gradient row's
   * W = Σ q with targets of 3.4e38), so ±inf/NaN is f32's answer there. (PyTorch's autograd divides
   * the targets by N first and stays finite for 'mean'; our kernel scales after summing.)
   */
  f32SumOverflow?: boolean[];
}

/**
 * crossEntropyWithGrad with probability targets: g = (W·p − q)/N with W = Σ q over the row, so an
 * element is a difference of terms as large as max-row Σ|q| / N even when it is tiny itself (targets
 * of −1e4 on one class: W·p and q cancel to 5e-5, and p's last-ulp error times 1e4 shows).
 */
function gradTermScale(x: unknown, y: unknown, opts: Record<string, unknown>): { scale: number; overflow: boolean } {
  if (!(y instanceof Tensor) || y.dtype !== "f32" || !(x instanceof Tensor)) return { scale: 0, overflow: false };
  const rank = x.shape.length;
  const dim = typeof opts.dim === "number" ? (opts.dim < 0 ? opts.dim + rank : opts.dim) : rank >= 2 ? 1 : 0;
  const q = refOf(y).data;
  const outer = x.shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const classes = x.shape[dim] ?? 1;
  const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  let rowMax = 0;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const v = Math.abs(q[(o * classes + c) * inner + i] as number);
        if (Number.isFinite(v)) sum += v;
      }
      rowMax = Math.max(rowMax, sum);
    }
  const rows = outer * inner;
  const scale = opts.reduction === "sum" || opts.reduction === "none" || rows === 0 ? rowMax : rowMax / rows;
  return { scale, overflow: rowMax >= 3.4028234663852886e38 };
}

const maxFinite = (v: unknown): number => {
  const data = v instanceof Tensor ? (v as unknown as { __data?: ArrayLike<number> }).__data : undefined;
  let m = 0;
  for (const e of Array.from(data ?? [])) if (Number.isFinite(e)) m = Math.max(m, Math.abs(e));
  return m;
};

/** yPred as scikit-learn takes it: rows of probabilities, or one value per row. */
function sklearnRows(t: unknown): (number | number[])[] {
  const x = refOf(t);
  // [N] or [N, 1]: the positive class's probability per row (binary).
  if (x.shape.length === 1 || (x.shape.length === 2 && x.shape[1] === 1)) return Array.from(x.data);
  const c = x.shape[1] ?? 1;
  return Array.from({ length: x.shape[0] ?? 0 }, (_, r) => Array.from(x.data).slice(r * c, (r + 1) * c));
}

function refOf(t: unknown): ref.RefTensor {
  const tensor = t as Tensor & { __data?: ArrayLike<number> };
  return ref.refTensor(tensor.__data as ArrayLike<number>, tensor.shape);
}

function call(xent: Xent, r: Rand): Outcome {
  const x = arg(xent, r);
  const likeX = x instanceof Tensor ? x.shape : undefined;
  const opts = options(r);
  const op = pick(r, [
    "softmax",
    "logSoftmax",
    "sigmoid",
    "crossEntropy",
    "crossEntropyRows",
    "nllLoss",
    "bce",
    "bceLogits",
    "klDiv",
    "entropy",
    "grad",
    "keras",
    "logLoss",
  ] as const);
  const y =
    op === "crossEntropyRows" && likeX
      ? arg(
          xent,
          r,
          likeX.filter((_, d) => d !== (likeX.length >= 2 ? 1 : 0)),
        )
      : arg(xent, r, likeX);
  const described = (o: Outcome): Outcome => ({
    call: `${op}(${show(x)}, ${show(y)}, ${JSON.stringify(opts)})`,
    f32Overflow: maxFinite(x) * maxFinite(y) >= 3.4028234663852886e38,
    ...o,
  });
  return described(dispatchCall());
  function dispatchCall(): Outcome {
    const one = (r: ref.RefResult): ArrayLike<number>[] => [r.data];
    switch (op) {
      case "softmax":
      case "logSoftmax": {
        const out = op === "softmax" ? xent.softmax(x as Tensor, opts) : xent.logSoftmax(x as Tensor, opts);
        return { tensors: [out], expected: () => one((op === "softmax" ? ref.softmax : ref.logSoftmax)(refOf(x), opts)) };
      }
      case "sigmoid":
        return { tensors: [xent.sigmoid(x as Tensor, r() < 0.1 ? opts : undefined)], expected: () => one(ref.sigmoid(refOf(x))) };
      case "crossEntropy":
      case "crossEntropyRows":
        return {
          tensors: [xent.crossEntropy(x as Tensor, y as Tensor, opts)],
          expected: () => one(ref.crossEntropy(refOf(x), refOf(y), opts)),
        };
      case "nllLoss":
        return { tensors: [xent.nllLoss(x as Tensor, y as Tensor, opts)], expected: () => one(ref.nllLoss(refOf(x), refOf(y), opts)) };
      case "bce":
        return {
          tensors: [xent.binaryCrossEntropy(x as Tensor, y as Tensor, opts)],
          expected: () => one(ref.binaryCrossEntropy(refOf(x), refOf(y), opts)),
        };
      case "bceLogits":
        return {
          tensors: [xent.binaryCrossEntropyWithLogits(x as Tensor, y as Tensor, opts)],
          expected: () => one(ref.binaryCrossEntropyWithLogits(refOf(x), refOf(y), opts)),
        };
      case "klDiv":
        return { tensors: [xent.klDiv(x as Tensor, y as Tensor, opts)], expected: () => one(ref.klDiv(refOf(x), refOf(y), opts)) };
      case "entropy": {
        const o = { ...opts, fromLogits: r() < 0.5 };
        return {
          tensors: [xent.entropy(x as Tensor, o)],
          expected: () => one(ref.entropy(refOf(x), o)),
        };
      }
      case "grad": {
        const { loss, grad } = xent.crossEntropyWithGrad(x as Tensor, y as Tensor, opts);
        const terms = gradTermScale(x, y, opts);
        return {
          tensors: [loss, grad],
          termScale: [0, terms.scale],
          f32SumOverflow: [false, terms.overflow],
          expected: () => [ref.crossEntropy(refOf(x), refOf(y), opts).data, ref.crossEntropyGrad(refOf(x), refOf(y), opts).data],
        };
      }
      case "keras": {
        const k = pick(r, ["categoricalCrossentropy", "sparseCategoricalCrossentropy", "binaryCrossentropy"] as const);
        const o = { fromLogits: r() < 0.5, axis: opts.dim as number };
        return {
          tensors: [xent.keras[k](y as Tensor, x as Tensor, o)],
          expected: () => [[ref.keras[k](refOf(y), refOf(x), o)]],
          call: `keras.${k}(${show(y)}, ${show(x)}, ${JSON.stringify(o)})`,
        };
      }
      case "logLoss": {
        const yTrue = pick(r, [["a", "b"], [1, 2, 1], [], ["x"], [null]]) as never;
        return {
          tensors: [xent.logLoss(yTrue, x as Tensor, opts)],
          expected: () => [
            [ref.logLoss(yTrue, sklearnRows(x), { eps: 2 ** -23, ...(opts.labels ? { labels: opts.labels as string[] } : {}) })],
          ],
        };
      }
    }
  }
}

function show(v: unknown): string {
  if (!(v instanceof Tensor)) return String(v);
  const data = (v as unknown as { __data?: ArrayLike<number> }).__data;
  // String(), not JSON: JSON prints NaN and ±Infinity alike as null.
  return `${v.dtype}[${v.shape}] ${data ? `[${Array.from(data).slice(0, 12).map(String).join(", ")}]` : ""}`;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);

it(`${kCalls} hostile calls (seed ${seed}): a clear error or the reference's answer, never a hang`, { timeout: 300_000 }, async () => {
  const xent = await gpu();
  // Keep every uploaded tensor's data so the reference can see exactly what the GPU saw.
  const upload = xent.tensor.bind(xent);
  (xent as { tensor: typeof upload }).tensor = ((data: Float32Array, s?: number[]) => {
    const t = upload(data, s);
    (t as unknown as { __data: unknown }).__data = data;
    return t;
  }) as typeof upload;
  const r = rng(seed);
  const tally = { syncErrors: 0, resolved: 0, rejected: 0, compared: 0 };
  try {
    for (let i = 0; i < kCalls; i++) {
      const what = `seed ${seed}, call ${i}`;
      let outcome: Outcome;
      try {
        outcome = call(xent, r);
      } catch (e) {
        if (!(e instanceof TypeError || e instanceof RangeError))
          throw new Error(`${what}: threw ${String(e)} instead of a TypeError/RangeError`);
        tally.syncErrors++;
        continue;
      }
      // The reference's answer, or its refusal (a bad class index): then every read() must reject with a RangeError.
      let want: ArrayLike<number>[] | undefined;
      let refused: unknown;
      try {
        want = outcome.expected();
      } catch (e) {
        refused = e;
      }
      for (const [k, t] of outcome.tensors.entries()) {
        const got = await withTimeout(t.read(), 20_000, what).then(
          (v) => v as Float32Array,
          (e: unknown) => e,
        );
        t.destroy();
        if (!(got instanceof Float32Array)) {
          if (!(got instanceof RangeError)) throw new Error(`${what}: read() failed with ${String(got)}: ${outcome.call}`);
          if (want) throw new Error(`${what}: read() rejected (${got.message}) but the reference accepts: ${outcome.call}`);
          tally.rejected++;
          continue;
        }
        if (!want) throw new Error(`${what}: read() resolved but the reference refuses (${String(refused)}): ${outcome.call}`);
        tally.resolved++;
        // Values near f32's limits (the fuzz feeds ±1e30 and 3.4e38): f32 sums overflow to ±Inf where
        // float64 stays finite (PyTorch's float32 does the same), and f32 log's error near 1 (2^-21)
        // is multiplied by them. Beyond 1e20 only the sign and the hugeness are compared.
        // And where a product of the inputs overflows f32, NaN is f32's answer (see Outcome).
        const expected = Array.from(want[k] as ArrayLike<number>, (v, e) => {
          const g = got[e] as number;
          if (outcome.f32Overflow && Number.isNaN(g)) return g;
          if (outcome.f32SumOverflow?.[k] && !Number.isFinite(g)) return g;
          return Math.abs(v) >= 1e20 && Math.sign(g) === Math.sign(v) && Math.abs(g) >= 1e20 ? g : v;
        });
        // One f32 ulp of the largest term (see termScale) on top of the README's tolerance.
        const tol = { ...kTol, atol: kTol.atol + 2 ** -23 * (outcome.termScale?.[k] ?? 0) };
        expectClose(got, expected, tol, `${what}: ${outcome.call}: output ${k}`);
        tally.compared++;
      }
      if (i % 100 === 99) {
        // A correct call still gives the right answer.
        const logits = [1, 2, 3, 4, 0, -1];
        const loss = (await xent.crossEntropy(upload(new Float32Array(logits), [2, 3]), upload(new Int32Array([2, 0]), [2])).read())[0];
        expect(loss).toBeCloseTo(ref.crossEntropy(ref.refTensor(logits, [2, 3]), ref.refTensor([2, 0], [2])).data[0] as number, 5);
      }
    }
  } finally {
    (xent as { tensor: typeof upload }).tensor = upload;
  }
  console.log(`fuzz seed ${seed}: ${JSON.stringify(tally)}`);
  expect(tally.syncErrors).toBeGreaterThan(100);
  expect(tally.resolved).toBeGreaterThan(100);
  expect(tally.compared).toBeGreaterThan(50);
});
