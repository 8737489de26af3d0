// Hostile input: seeded random bad calls of every registered op (src/registry/), each a hostile
// version of one of the op's own cases. Each either throws a TypeError/RangeError at once, or
// returns tensors whose every read() gives what the float64 reference computes (NaN included) at
// the README's tolerance, or, exactly when the reference refuses the call (a bad class index),
// rejects with a RangeError. None hangs, crashes the process, or spoils a later correct call.
// FUZZ_SEED=n reproduces a run.
import { expect, it } from "vitest";
import { Tensor, type Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { kOpRegistry, type HostArray, type OpCase, type RegisteredOp } from "../../src/registry/index.js";
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

/** Hostile values of each option an op may take (and a few it may not). */
const kOptionValues: Record<string, readonly unknown[]> = {
  dim: [-3, -1, 0, 1, 2, 5, 0.5, "1", NaN],
  reduction: ["mean", "sum", "none", "avg", 1, "batchmean"],
  labelSmoothing: [0, 0.1, 1, -0.1, 2, NaN, "0.1"],
  ignoreIndex: [-100, 0, 3, 1.5, 2 ** 40],
  temperature: [1, 0.5, 0, -1, Infinity, "2"],
  base: [2, Math.E, 1, 0, -2],
  zLoss: [1e-3, -1, NaN],
  softcap: [5, 0, -1],
  fromLogits: [true, false, 1],
  logTarget: [true, false, "yes"],
  axis: [-1, 0, 1, 3],
  transposeA: [true, false],
  transposeB: [true, false],
  inPlace: [false, 1],
  gradFilter: [0, 1e-6, -1],
  bogus: [true],
};

/**
 * A hostile version of one of the op's own cases: each input (and tensor option) kept, or given
 * hostile values, another shape or another dtype; plain options drawn from kOptionValues for the
 * op's own option names (and now and then a name it does not take). Returns the case exactly as
 * uploaded, for the reference.
 */
function hostileCase(op: RegisteredOp, r: Rand, i: number): OpCase {
  const base = op.sample(rng(seed * 31 + i), 1 + Math.floor(r() * 5), 1 + Math.floor(r() * 6), pick(r, op.variants));
  const corrupt = (a: HostArray, first: boolean): HostArray => {
    const s = r() < 0.07 ? shape(r) : r() < 0.05 && a.shape.length > 0 ? a.shape.slice(1) : a.shape;
    const n = size(s);
    const integer = a.data instanceof Int32Array || a.data instanceof Uint32Array;
    // Another dtype now and then (class indices as floats, floats as u32 …).
    const kind = r() < 0.05 ? pick(r, ["f32", "i32", "u32"] as const) : integer ? (a.data instanceof Int32Array ? "i32" : "u32") : "f32";
    const keep = s === a.shape && r() < (first ? 0.4 : 0.6);
    const src = Array.from(a.data);
    const at = (k: number): number => (keep ? (src[k] as number) : r() < 0.5 ? (src[k % Math.max(1, src.length)] ?? 0) : value(r));
    if (kind === "f32") return { data: Float32Array.from({ length: n }, (_, k) => at(k)), shape: s };
    const label = (k: number): number =>
      r() < 0.1 ? pick(r, [-1, -100, 2 ** 31 - 1, 7]) : keep ? (src[k] as number) : Math.floor(r() * 6);
    if (kind === "i32") return { data: Int32Array.from({ length: n }, (_, k) => label(k) | 0), shape: s };
    return { data: Uint32Array.from({ length: n }, (_, k) => (r() < 0.1 ? 0xffffffff : Math.abs(label(k)) >>> 0)), shape: s };
  };
  const options: Record<string, unknown> = { ...base.options };
  for (const name of [...Object.keys(op.optionChecks), "bogus"]) {
    const pool = kOptionValues[name];
    if (pool && r() < (name === "bogus" ? 0.02 : 0.12)) options[name] = pick(r, pool);
  }
  return {
    inputs: base.inputs.map((a, k) => corrupt(a, k === 0)),
    tensorOptions: Object.fromEntries(Object.entries(base.tensorOptions).map(([k, a]) => [k, corrupt(a, false)])),
    options,
  };
}

interface Outcome {
  tensors: Tensor[];
  /** What was called, for the failure message. */
  call: string;
  /** The reference's answer for every tensor; it throws where the reference refuses the call. */
  expected: () => ArrayLike<number>[];
  /**
   * A product of an element of x and one of y leaves f32's range (the fuzz feeds 3.4e38 beside
   * targets of a few units): f32 arithmetic, the GPU's and PyTorch's float32 alike, makes ±inf
   * terms that meet as NaN where float64 stays finite (−Σ q·log p with log p ≈ −3.4e38).
   */
  f32Overflow: boolean;
  /** The op's fuzz hints (src/registry/types.ts): per output, the terms' magnitude and whether their sum leaves f32's range. */
  terms: { scale: number[]; overflow: boolean[] };
  tolerance: { atol: number; rtol: number };
}

const maxFinite = (a: HostArray | undefined): number => {
  let m = 0;
  for (const e of Array.from(a?.data ?? [])) if (Number.isFinite(e)) m = Math.max(m, Math.abs(e));
  return m;
};

/**
 * Whether f32 may overflow where float64 does not: the two largest magnitudes among the inputs and
 * tensor options multiply past f32's range, or one is within a factor of 10 of it (a weight of
 * 3.4e38 times a gap of a few units).
 */
function overflows(c: OpCase): boolean {
  const m = [...c.inputs, ...Object.values(c.tensorOptions)].map(maxFinite).sort((a, b) => b - a);
  const [a = 0, b = 0] = m;
  return a * b >= 3.4028234663852886e38 || a >= 3.4e37;
}

/** Uploads a host array as it is (its dtype from its array); a rare non-tensor in its place. */
function upload(xent: Xent, r: Rand, a: HostArray): unknown {
  if (r() < 0.02) return pick(r, [null, undefined, 3, "x", [1, 2], {}, new Float64Array(3)]);
  return xent.tensor(a.data, a.shape);
}

function call(xent: Xent, r: Rand, i: number): Outcome {
  const op = pick(r, kOpRegistry);
  const c = hostileCase(op, r, i);
  const made: Tensor[] = [];
  const up = (a: HostArray): unknown => {
    const t = upload(xent, r, a);
    if (t instanceof Tensor) made.push(t as Tensor);
    return t;
  };
  const inputs = c.inputs.map(up);
  const tensorOptions = Object.fromEntries(Object.entries(c.tensorOptions).map(([k, a]) => [k, up(a)]));
  // An option left undefined is no option: the reference goes without it too.
  for (const [k, v] of Object.entries(tensorOptions)) if (v === undefined) delete c.tensorOptions[k];
  const callText = `${op.name}(${c.inputs.map(show).join(", ")}, ${JSON.stringify(c.options)}${
    Object.keys(tensorOptions).length
      ? ` + ${Object.entries(c.tensorOptions)
          .map(([k, a]) => `${k}: ${show(a)}`)
          .join(", ")}`
      : ""
  })`;
  try {
    const tensors = op.run(xent, inputs as Tensor[], { ...c.options, ...tensorOptions }, c);
    return {
      tensors,
      call: callText,
      expected: () => op.reference(c),
      f32Overflow: overflows(c),
      terms: op.fuzz?.termScale?.(c) ?? { scale: [], overflow: [] },
      tolerance: { atol: Math.max(op.tolerance.atol, kTol.atol), rtol: Math.max(op.tolerance.rtol, kTol.rtol) },
    };
  } finally {
    // The inputs go once the op has recorded its work (its outputs do not need them).
    made.forEach((t) => t.destroy());
  }
}

function show(a: HostArray): string {
  const kind = a.data instanceof Float32Array ? "f32" : a.data instanceof Int32Array ? "i32" : "u32";
  // String(), not JSON: JSON prints NaN and ±Infinity alike as null.
  return `${kind}[${a.shape}] [${Array.from(a.data).slice(0, 64).map(String).join(", ")}]`;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);

it(`${kCalls} hostile calls (seed ${seed}): a clear error or the reference's answer, never a hang`, { timeout: 300_000 }, async () => {
  const xent = await gpu();
  const r = rng(seed);
  const tally = { syncErrors: 0, resolved: 0, rejected: 0, compared: 0 };
  {
    for (let i = 0; i < kCalls; i++) {
      const what = `seed ${seed}, call ${i}`;
      let outcome: Outcome;
      try {
        outcome = call(xent, r, i);
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
          (v) => v as Float32Array | Int32Array,
          (e: unknown) => e,
        );
        t.destroy();
        // Values (f32) or indices and tokens (i32: the decoding ops).
        if (!(got instanceof Float32Array || got instanceof Int32Array)) {
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
          if (outcome.terms.overflow[k] && !Number.isFinite(g)) return g;
          return Math.abs(v) >= 1e20 && Math.sign(g) === Math.sign(v) && Math.abs(g) >= 1e20 ? g : v;
        });
        // One f32 ulp of the largest term (see termScale) on top of the README's tolerance.
        const tol = { ...outcome.tolerance, atol: outcome.tolerance.atol + 2 ** -23 * (outcome.terms.scale[k] ?? 0) };
        expectClose(got, expected, tol, `${what}: ${outcome.call}: output ${k}`);
        tally.compared++;
      }
      if (i % 100 === 99) {
        // A correct call still gives the right answer.
        const logits = [1, 2, 3, 4, 0, -1];
        const loss = (
          await xent.crossEntropy(xent.tensor(new Float32Array(logits), [2, 3]), xent.tensor(new Int32Array([2, 0]), [2])).read()
        )[0];
        expect(loss).toBeCloseTo(ref.crossEntropy(ref.refTensor(logits, [2, 3]), ref.refTensor([2, 0], [2])).data[0] as number, 5);
      }
    }
  }
  console.log(`fuzz seed ${seed}: ${JSON.stringify(tally)}`);
  expect(tally.syncErrors).toBeGreaterThan(100);
  expect(tally.resolved).toBeGreaterThan(100);
  expect(tally.compared).toBeGreaterThan(50);
});
