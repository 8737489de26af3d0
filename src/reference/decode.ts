/**
 * Float64 reference of the decoding ops: argmax, topK and sample (issue #27; the GPU kernels are
 * still to come). The sampler's uniform draw comes from a counter-based Philox4x32-10 stream that
 * the GPU kernel will compute too, so a token is a pure function of (logits, options, seed, step)
 * and this module reproduces it.
 */
import { normalizeDim, rowView } from "../shape.js";
import { forEachRow, gatherRow, logSumExp, type RefTensor } from "./ref-tensor.js";

const kPhiloxM0 = 0xd2511f53;
const kPhiloxM1 = 0xcd9e8d57;
const kPhiloxW0 = 0x9e3779b9;
const kPhiloxW1 = 0xbb67ae85;

/** The high and low 32 bits of a·b for u32 a, b. */
function mulHiLo(a: number, b: number): [number, number] {
  const product = BigInt(a >>> 0) * BigInt(b >>> 0);
  return [Number(product >> 32n) >>> 0, Number(product & 0xffffffffn) >>> 0];
}

/** Philox4x32-10 (Salmon et al., Random123) of a 128-bit counter under a 64-bit key. */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0) as [number, number, number, number];
  let [k0, k1] = key.map((v) => v >>> 0) as [number, number];
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulHiLo(kPhiloxM0, c0);
    const [hi1, lo1] = mulHiLo(kPhiloxM1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + kPhiloxW0) >>> 0;
    k1 = (k1 + kPhiloxW1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The sampler's uniform of row `row` at decoding step `step`: u = (bits >>> 8)·2⁻²⁴ ∈ [0, 1), bits = Philox((step, row, 0, 0), seed). */
export function sampleUniform(seed: number, step: number, row: number): number {
  const [bits] = philox4x32([step, row, 0, 0], [seed % 2 ** 32, Math.floor(seed / 2 ** 32)]);
  return (bits >>> 8) * 2 ** -24;
}

/** Whether `a` beats `b` in a descending order where NaN is the largest value (torch.argmax / topk). */
function beats(a: number, b: number): boolean {
  if (Number.isNaN(b)) return false;
  return Number.isNaN(a) || a > b;
}

/** torch.argmax along `dim` (default −1): the first index of the row's maximum, NaN counting as the maximum. */
export function argmax(x: RefTensor, options: { dim?: number } = {}): { data: Int32Array; shape: number[] } {
  const dim = normalizeDim(options.dim ?? -1, x.shape.length);
  const view = rowView(x.shape, dim);
  if (view.classes === 0 && view.rows > 0) throw new RangeError("argmax: the dim has size 0");
  const out = new Int32Array(view.rows);
  forEachRow(view, (row, base, stride) => {
    out[row] = argmaxOf(gatherRow(x.data, base, stride, view.classes));
  });
  return { data: out, shape: x.shape.filter((_, d) => d !== dim) };
}

/** The k elements of each row that come first in (value descending, NaN first, index ascending) order, or ascending with largest = false. */
function topIndices(values: ArrayLike<number>, k: number, largest: boolean): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  const before = (a: number, b: number): boolean => {
    const va = values[a] as number;
    const vb = values[b] as number;
    // NaN is the largest value either way: first when largest, last otherwise.
    if (largest ? beats(va, vb) : beats(vb, va)) return true;
    if (largest ? beats(vb, va) : beats(va, vb)) return false;
    return a < b;
  };
  order.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return order.slice(0, k);
}

export interface RefTopKOptions {
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

/**
 * torch.topk / ONNX TopK along `dim`: the k largest (or smallest) values and their indices, ties
 * in index order, NaN the largest value. Unsorted results are in index order.
 */
export function topK(
  x: RefTensor,
  k: number,
  options: RefTopKOptions = {},
): { values: Float64Array; indices: Int32Array; shape: number[] } {
  const dim = normalizeDim(options.dim ?? -1, x.shape.length);
  const view = rowView(x.shape, dim);
  if (!Number.isInteger(k) || k < 0 || k > view.classes)
    throw new RangeError(`topK: k: expected an integer in [0, ${view.classes}], got ${k}`);
  const shape = x.shape.map((s, d) => (d === dim ? k : s));
  const values = new Float64Array(view.rows * k);
  const indices = new Int32Array(view.rows * k);
  forEachRow(view, (row, base, stride) => {
    const r = gatherRow(x.data, base, stride, view.classes);
    let top = topIndices(r, k, options.largest ?? true);
    if (options.sorted === false) top = top.sort((a, b) => a - b);
    // Output laid out like the input, k along `dim`.
    const o = Math.floor(row / view.inner);
    const i = row - o * view.inner;
    top.forEach((c, j) => {
      values[o * k * view.inner + j * view.inner + i] = r[c] as number;
      indices[o * k * view.inner + j * view.inner + i] = c;
    });
  });
  return { values, indices, shape };
}

export interface RefSampleOptions {
  /** Tokens generated so far, [N, L] row-major (−1 = padding). */
  history?: { data: ArrayLike<number>; length: number };
  repetitionPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** [V] (every row) or [N, V]. */
  logitBias?: ArrayLike<number>;
  /** u32 words [N, ⌈V/32⌉]: bit c % 32 of word c / 32 allows class c. */
  allowed?: ArrayLike<number>;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  seed?: number;
  step?: number;
  logprobs?: number;
  logprobsOf?: "raw" | "processed";
}

export interface RefSampleResult {
  tokens: Int32Array;
  /** The sampled token's log-probability (logprobs given). */
  logprob: Float64Array;
  /** [N, n] top log-probabilities and their ids, best first. */
  topLogprobs: { values: Float64Array; indices: Int32Array };
  /**
   * Per row, |prefix − u·total| / total at the nearest prefix boundary of the draw (Infinity for
   * greedy rows): where it is below f32's reach the GPU may pick the neighbouring token.
   */
  margin: Float64Array;
  /** Per row, the kept (filtered) probabilities, renormalised: the exact distribution a draw follows. */
  kept: Float64Array[];
}

/** HF's processors then warpers on one row of logits: penalties, bias, mask, temperature (0: none). */
function processRow(x: readonly number[], row: number, o: RefSampleOptions): number[] {
  const v = x.length;
  const y = x.slice();
  if (o.history) {
    const counts = new Map<number, number>();
    for (let j = 0; j < o.history.length; j++) {
      const t = o.history.data[row * o.history.length + j] as number;
      if (t === -1) continue;
      if (!Number.isInteger(t) || t < 0 || t >= v)
        throw new RangeError(`sample: history[${row}, ${j}] is ${t}: expected a token in [0, ${v}) or -1`);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const rep = o.repetitionPenalty ?? 1;
    for (const [t, count] of counts) {
      let value = y[t] as number;
      if (rep !== 1) value = value > 0 ? value / rep : value * rep;
      value -= (o.presencePenalty ?? 0) + (o.frequencyPenalty ?? 0) * count;
      y[t] = value;
    }
  }
  if (o.logitBias) {
    const shared = o.logitBias.length === v;
    for (let c = 0; c < v; c++) y[c] = (y[c] as number) + (o.logitBias[(shared ? 0 : row * v) + c] as number);
  }
  if (o.allowed) {
    const words = Math.ceil(v / 32);
    for (let c = 0; c < v; c++) if ((((o.allowed[row * words + (c >> 5)] as number) >>> (c & 31)) & 1) === 0) y[c] = -Infinity;
  }
  const t = o.temperature ?? 1;
  return t === 0 ? y : y.map((value) => value / t);
}

/** Which classes of the processed row top-k, top-p and min-p keep, in that order (HF's warpers, ties at a threshold kept). */
function keptMask(y: readonly number[], o: RefSampleOptions): boolean[] {
  const { max } = logSumExp(y);
  const e = y.map((value) => Math.exp(value - max));
  let kept = y.map((value) => value !== -Infinity);
  const k = o.topK ?? 0;
  if (k > 0 && k < y.length) {
    const threshold = [...y].sort((a, b) => b - a)[k - 1] as number;
    kept = kept.map((on, c) => on && (y[c] as number) >= threshold);
  }
  const p = o.topP ?? 1;
  if (p < 1) {
    const order = y.map((_, c) => c).filter((c) => kept[c]);
    order.sort((a, b) => (y[b] as number) - (y[a] as number) || a - b);
    const total = order.reduce((s, c) => s + (e[c] as number), 0);
    let mass = 0;
    let threshold = -Infinity;
    for (const c of order) {
      mass += e[c] as number;
      threshold = y[c] as number;
      if (mass >= p * total) break;
    }
    kept = kept.map((on, c) => on && (y[c] as number) >= threshold);
  }
  const minP = o.minP ?? 0;
  if (minP > 0) kept = kept.map((on, c) => on && (e[c] as number) >= minP);
  return kept;
}

function logSoftmaxAt(values: readonly number[]): (c: number) => number {
  const { max, logSum } = logSumExp(values);
  return (c) => (values[c] as number) - max - logSum;
}

/**
 * The sampler on logits [N, V] (or [V]): per row, the processed logits y (history penalties, bias,
 * allowed mask, temperature), then top-k, top-p and min-p filters, then the smallest index whose
 * prefix sum of kept probabilities (vocabulary order) exceeds u·(their total), u from
 * {@link sampleUniform}(seed, step, row). Temperature 0 gives the argmax of y.
 */
export function sample(logits: RefTensor, options: RefSampleOptions = {}): RefSampleResult {
  const v = logits.shape.at(-1) ?? 0;
  const rows = logits.shape.length === 2 ? (logits.shape[0] as number) : 1;
  const n = options.logprobs ?? 0;
  const tokens = new Int32Array(rows);
  const logprob = new Float64Array(rows);
  const topValues = new Float64Array(rows * n);
  const topIds = new Int32Array(rows * n);
  const margin = new Float64Array(rows).fill(Infinity);
  const keptRows: Float64Array[] = [];
  for (let row = 0; row < rows; row++) {
    const x = Array.from({ length: v }, (_, c) => logits.data[row * v + c] as number);
    const y = processRow(x, row, options);
    if (y.some((value) => Number.isNaN(value) || value === Infinity))
      throw new RangeError(`sample: row ${row}: the processed logits hold NaN or +Infinity`);
    if (y.every((value) => value === -Infinity)) throw new RangeError(`sample: row ${row}: no token is allowed`);
    const greedy = (options.temperature ?? 1) === 0;
    const best = argmaxOf(y);
    const kept = greedy ? y.map((_, c) => c === best) : keptMask(y, options);
    const { max } = logSumExp(y);
    const e = y.map((value, c) => (kept[c] ? Math.exp(value - max) : 0));
    const total = e.reduce((s, value) => s + value, 0);
    keptRows.push(Float64Array.from(e, (value) => value / total));
    let token = best;
    if (!greedy) {
      const target = sampleUniform(options.seed ?? 0, options.step ?? 0, row) * total;
      let prefix = 0;
      token = -1;
      for (let c = 0; c < v; c++) {
        if (!kept[c]) continue;
        prefix += e[c] as number;
        margin[row] = Math.min(margin[row] as number, Math.abs(prefix - target) / total);
        if (token < 0 && prefix > target) token = c;
      }
      if (token < 0) token = kept.lastIndexOf(true);
    }
    tokens[row] = token;
    if (n > 0 || options.logprobs !== undefined) {
      const processed = options.logprobsOf === "processed";
      // Greedy rows keep one token; their processed distribution is softmax(y) unfiltered.
      const source = processed ? (greedy ? y : y.map((value, c) => (kept[c] ? value : -Infinity))) : x;
      const at = logSoftmaxAt(source);
      logprob[row] = at(token);
      topIndices(source, n, true).forEach((c, j) => {
        topValues[row * n + j] = at(c);
        topIds[row * n + j] = c;
      });
    }
  }
  return { tokens, logprob, topLogprobs: { values: topValues, indices: topIds }, margin, kept: keptRows };
}

function argmaxOf(values: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (beats(values[c] as number, values[best] as number)) best = c;
  return best;
}
