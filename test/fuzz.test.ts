// Hostile input: seeded random bad calls. Each either throws a TypeError/RangeError at once, or
// returns tensors whose read() resolves (to what the float64 reference computes, NaN included,
// where the reference has the op) or rejects with a RangeError (a bad class index). None hangs,
// crashes the process, or spoils a later correct call. FUZZ_SEED=n reproduces a run.
import { expect, it } from "vitest";
import { Tensor, type Xent } from "../src/index.js";
import * as ref from "../src/reference/index.js";
import { expectClose } from "./helpers/compare.js";
import { gpu } from "./helpers/gpu.js";
import { rng } from "./helpers/random.js";

const seed = Number(process.env.FUZZ_SEED ?? 20261123);
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
  /** The reference's answer for the first tensor, when the reference has this op and accepts the call. */
  expected?: () => ArrayLike<number>;
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
  const sameF32 = x instanceof Tensor && y instanceof Tensor && x.dtype === "f32";
  const described = (o: Outcome): Outcome => ({ ...o, call: `${op}(${show(x)}, ${show(y)}, ${JSON.stringify(opts)})` });
  return described(dispatchCall());
  function dispatchCall(): Outcome {
    switch (op) {
      case "softmax":
      case "logSoftmax": {
        const out = op === "softmax" ? xent.softmax(x as Tensor, opts) : xent.logSoftmax(x as Tensor, opts);
        return { tensors: [out], expected: () => (op === "softmax" ? ref.softmax : ref.logSoftmax)(refOf(x), opts).data };
      }
      case "sigmoid":
        return {
          tensors: [xent.sigmoid(x as Tensor, r() < 0.1 ? opts : undefined)],
          expected: () => ref.sigmoid(refOf(x)).data,
        };
      case "crossEntropy":
      case "crossEntropyRows": {
        const out = xent.crossEntropy(x as Tensor, y as Tensor, opts);
        return sameF32 && !("zLoss" in opts) && !("softcap" in opts)
          ? { tensors: [out], expected: () => ref.crossEntropy(refOf(x), refOf(y), opts).data }
          : { tensors: [out] };
      }
      case "nllLoss":
        return { tensors: [xent.nllLoss(x as Tensor, y as Tensor, opts)] };
      case "bce":
        return { tensors: [xent.binaryCrossEntropy(x as Tensor, y as Tensor, opts)] };
      case "bceLogits": {
        const out = xent.binaryCrossEntropyWithLogits(x as Tensor, y as Tensor, opts);
        return { tensors: [out], expected: () => ref.binaryCrossEntropyWithLogits(refOf(x), refOf(y), opts).data };
      }
      case "klDiv": {
        const out = xent.klDiv(x as Tensor, y as Tensor, opts);
        return { tensors: [out], expected: () => ref.klDiv(refOf(x), refOf(y), opts).data };
      }
      case "entropy": {
        const out = xent.entropy(x as Tensor, { ...opts, fromLogits: r() < 0.5 });
        return { tensors: [out] };
      }
      case "grad": {
        const { loss, grad } = xent.crossEntropyWithGrad(x as Tensor, y as Tensor, opts);
        return { tensors: [loss, grad] };
      }
      case "keras": {
        const k = pick(r, ["categoricalCrossentropy", "sparseCategoricalCrossentropy", "binaryCrossentropy"] as const);
        return { tensors: [xent.keras[k](y as Tensor, x as Tensor, { fromLogits: r() < 0.5, axis: opts.dim as number })] };
      }
      case "logLoss":
        return { tensors: [xent.logLoss(pick(r, [["a", "b"], [1, 2, 1], [], ["x"], [null]]) as never, x as Tensor, opts)] };
    }
  }
}

function show(v: unknown): string {
  if (!(v instanceof Tensor)) return String(v);
  const data = (v as unknown as { __data?: ArrayLike<number> }).__data;
  return `${v.dtype}[${v.shape}] ${data ? JSON.stringify(Array.from(data).slice(0, 12)) : ""}`;
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
      for (const [k, t] of outcome.tensors.entries()) {
        try {
          const got = await withTimeout(t.read(), 20_000, what);
          tally.resolved++;
          if (k === 0 && outcome.expected) {
            let want: ArrayLike<number> | undefined;
            try {
              want = outcome.expected();
            } catch {
              want = undefined; // the reference refuses (e.g. a bad label); the GPU must then reject, checked below
            }
            if (want) {
              if (process.env.FUZZ_DEBUG && i === Number(process.env.FUZZ_DEBUG))
                console.log(
                  "DEBUG",
                  outcome.call,
                  Array.from(got),
                  Array.from(want),
                  outcome.tensors.map((t) => t.shape),
                );
              expectClose(got, want, { atol: 1e-5, rtol: 1e-4 }, `${what}: ${outcome.call}`);
              tally.compared++;
            }
          }
        } catch (e) {
          if (!(e instanceof RangeError)) throw new Error(`${what}: read() failed with ${String(e)}`);
          tally.rejected++;
        }
        t.destroy();
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
