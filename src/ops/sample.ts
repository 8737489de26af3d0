/** The LLM sampler on the GPU (kernel: shaders/sample.wgsl; reference: src/reference/decode.ts). */
import { checkTensor, recordOp, type RecordOptions, type XentContext } from "../context.js";
import { kLogitDTypes, type LogitDType } from "../dtype.js";
import { defineKernel } from "../kernel-descriptor.js";
import { sharedOverrides } from "../kernel-overrides.js";
import { checkEncoder, checkOpOptions, optionalTensor, type OptionChecksFor } from "../option-checks.js";
import { describe, formatShape } from "../shape.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
import { bindRange, planSlicedBindings, type SlicedTensor } from "../binding-slices.js";
import { planSplit } from "../row-plan.js";
import { kBytesPerElement } from "../dtype.js";
import { SampleCheck } from "./sample-check.js";
import { selectWorkgroupSize } from "./topk.js";
import sampleWgsl from "../../shaders/sample.wgsl?raw";

export interface SampleOptions extends RecordOptions {
  /** Tokens generated so far, i32 [N, L] ([L] for a [V] row); −1 is padding. Needed by the three penalties. */
  history?: Tensor;
  /** The CTRL rule: a seen token's logit divided by this when positive, multiplied when negative (default 1: off). */
  repetitionPenalty?: number;
  /** OpenAI's: minus this from every seen token's logit (default 0). */
  presencePenalty?: number;
  /** OpenAI's: minus this times the token's count in the history (default 0). */
  frequencyPenalty?: number;
  /** Added to the logits: f32 [V] (every row) or [N, V]; −Infinity bans a token. */
  logitBias?: Tensor;
  /** u32 (or i32) bitmask [N, ⌈V/32⌉]: bit c % 32 of word ⌊c/32⌋ allows token c (grammar-constrained decoding). */
  allowed?: Tensor;
  /** Divides the processed logits (default 1); 0 is greedy: the argmax of the processed logits. */
  temperature?: number;
  /** Keep the logits ≥ the k-th largest (ties kept; default 0: off). */
  topK?: number;
  /** Keep the smallest set of most probable tokens whose mass reaches p (ties kept; default 1: off). */
  topP?: number;
  /** Keep the tokens with p ≥ minP · p_max (default 0: off). */
  minP?: number;
  /** The Philox key: an integer in [0, 2⁵³) (default 0). */
  seed?: number;
  /** The Philox counter: the decoding step, an integer in [0, 2³²) (default 0). */
  step?: number;
  /** Also return the sampled token's log-probability and the n (0–20) most probable alternatives. */
  logprobs?: number;
  /** "raw" (default): log_softmax of the logits as given; "processed": of the distribution sampled from. */
  logprobsOf?: "raw" | "processed";
}

export interface SampleResult {
  /** One token a row, i32 [N] ([1] for a [V] row). */
  tokens: Tensor<"i32">;
  /** With `logprobs`: the sampled token's log-probability, f32 [N]. */
  logprob?: Tensor<"f32">;
  /** With `logprobs` ≥ 1: the most probable alternatives, best first: f32 and i32 [N, n]. */
  topLogprobs?: { values: Tensor<"f32">; indices: Tensor<"i32"> };
}

const kMaxLogprobs = 20;

function numberIn(value: unknown, op: string, name: string, fallback: number, ok: (v: number) => boolean, range: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw new TypeError(`${op}: ${name}: expected a number ${range}, got ${describe(value)}`);
  if (!ok(value)) throw new RangeError(`${op}: ${name}: expected a number ${range}, got ${value}`);
  return value;
}

function integerIn(value: unknown, op: string, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value)) throw new TypeError(`${op}: ${name}: expected an integer, got ${describe(value)}`);
  const v = value as number;
  if (v < 0 || v > max) throw new RangeError(`${op}: ${name}: expected an integer in [0, ${max}], got ${v}`);
  return v;
}

export const kSampleOptionChecks = {
  history: optionalTensor,
  repetitionPenalty: (v: unknown, op: string, name: string) => numberIn(v, op, name, 1, (x) => x > 0 && Number.isFinite(x), "> 0 (finite)"),
  presencePenalty: (v: unknown, op: string, name: string) => numberIn(v, op, name, 0, Number.isFinite, "(finite)"),
  frequencyPenalty: (v: unknown, op: string, name: string) => numberIn(v, op, name, 0, Number.isFinite, "(finite)"),
  logitBias: optionalTensor,
  allowed: optionalTensor,
  temperature: (v: unknown, op: string, name: string) =>
    numberIn(
      v,
      op,
      name,
      1,
      (x) => x === 0 || (x > 0 && Number.isFinite(x) && Number.isFinite(Math.fround(1 / x))),
      ">= 0 (0: greedy; 1 / temperature finite in f32)",
    ),
  topK: (v: unknown, op: string, name: string) => integerIn(v, op, name, 0, 0x7fffffff),
  topP: (v: unknown, op: string, name: string) => numberIn(v, op, name, 1, (x) => x > 0 && x <= 1, "in (0, 1]"),
  minP: (v: unknown, op: string, name: string) => numberIn(v, op, name, 0, (x) => x >= 0 && x <= 1, "in [0, 1]"),
  seed: (v: unknown, op: string, name: string) => integerIn(v, op, name, 0, Number.MAX_SAFE_INTEGER),
  step: (v: unknown, op: string, name: string) => integerIn(v, op, name, 0, 0xffffffff),
  logprobs: (v: unknown, op: string, name: string) => (v === undefined ? undefined : integerIn(v, op, name, 0, kMaxLogprobs)),
  logprobsOf: (v: unknown, op: string, name: string) => {
    if (v === undefined) return "raw" as const;
    if (v !== "raw" && v !== "processed") throw new TypeError(`${op}: ${name}: expected "raw" or "processed", got ${describe(v)}`);
    return v;
  },
  encoder: checkEncoder,
} satisfies OptionChecksFor<SampleOptions>;

export const kSampleKernel = defineKernel({
  name: "sample",
  body: sampleWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    // Rows bound in slices: the slice's first row, and each tensor's first element in its range.
    first_row: "u32",
    x_offset: "u32",
    y_offset: "u32",
    hist_offset: "u32",
    bias_offset: "u32",
    allowed_offset: "u32",
    tokens_offset: "u32",
    hist_len: "u32",
    repetition_penalty: "f32",
    presence_penalty: "f32",
    frequency_penalty: "f32",
    // 0: one bias row for every row; V: a row each.
    bias_stride: "u32",
    // Words of a row of the allowed mask: ⌈V / 32⌉.
    words: "u32",
    // 1 / temperature (1 when greedy: unused).
    inv_temp: "f32",
    // 0: off (also for k ≥ V).
    top_k: "u32",
    // p · 2²⁴ rounded; 2²⁴: off.
    top_p24: "u32",
    min_p: "f32",
    seed_lo: "u32",
    seed_hi: "u32",
    step: "u32",
    n_logprobs: "u32",
    // Split rows: chunks a row, classes a chunk.
    chunks: "u32",
    chunk_len: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The logits' words: f32, or two packed 16-bit values (DTYPE)." },
    tokens: { type: "array<i32>", access: "read_write" },
    status: { type: "array<atomic<u32>>", access: "read_write", doc: "First failing row · 4 + reason; first bad history position." },
    scratch: {
      type: "array<u32>",
      access: "read_write",
      optional: true,
      doc: "HISTORY: the penalised logits [N, V] (f32 bits); split rows: the chunks' states and masses.",
    },
    history: { type: "array<i32>", access: "read", optional: true, doc: "HISTORY: the tokens seen [N, L], −1 padding." },
    bias: { type: "array<f32>", access: "read", optional: true, doc: "BIAS: [V] or [N, V]." },
    allowed: { type: "array<u32>", access: "read", optional: true, doc: "ALLOWED: [N, ⌈V/32⌉] bitmask words." },
    logprobs_out: {
      type: "array<u32>",
      access: "read_write",
      optional: true,
      // One binding, copied into the three outputs after: a device may offer only 8 storage bindings.
      doc: "LOGPROBS: the token's log-probability [N], the top alternatives' [N, n] (f32 bits), their ids [N, n].",
    },
  },
  overrides: {
    ...sharedOverrides("WG", "DTYPE"),
    HISTORY: { kind: "bool", default: false, doc: "Penalties from a history: scratch holds the penalised logits." },
    BIAS: { kind: "bool", default: false, doc: "A logit bias is added." },
    ALLOWED: { kind: "bool", default: false, doc: "An allowed-token bitmask." },
    GREEDY: { kind: "bool", default: false, doc: "Temperature 0: the argmax, no draw." },
    LOGPROBS: { kind: "bool", default: false, doc: "Write logprob (and n_logprobs alternatives)." },
    PROCESSED: { kind: "bool", default: false, doc: "Log-probabilities of the processed, filtered distribution (else of the raw logits)." },
  },
  entryPoints: ["main", "split_max", "split_mass", "split_draw"],
});

function checkRowTensor(
  t: Tensor | undefined,
  name: string,
  rows: number,
  width: number,
  matrix: boolean,
  dtypes: readonly string[],
): void {
  if (!t) return;
  if (!dtypes.includes(t.dtype)) throw new TypeError(`sample: ${name}: expected dtype ${dtypes.join(" or ")}, got ${t.dtype}`);
  const ok = matrix ? t.shape.length === 2 && t.shape[0] === rows && t.shape[1] === width : t.shape.length === 1 && t.shape[0] === width;
  if (!ok)
    throw new RangeError(`sample: ${name}: expected shape ${formatShape(matrix ? [rows, width] : [width])}, got ${formatShape(t.shape)}`);
}

/**
 * token_r = min { c : Σ_{c' ≤ c, kept} p_{c'} > u_r · Σ_kept p } with p = softmax(processed logits / T),
 * u_r from Philox4x32-10 keyed by `seed`, counted by (`step`, r); kept by top-k, top-p, min-p in
 * that order (temperature 0: the argmax). The whole row never leaves the GPU; read() of the
 * tokens moves 4 bytes a row.
 * @op
 */
export function sample(ctx: XentContext, logits: Tensor, options?: SampleOptions): SampleResult {
  const op = "sample";
  const o = checkOpOptions(options, op, kSampleOptionChecks);
  const x = checkTensor(ctx, logits, `${op}: logits`, kLogitDTypes);
  if (x.shape.length !== 1 && x.shape.length !== 2)
    throw new RangeError(`${op}: logits: expected [N, V] or [V], got ${formatShape(x.shape)}`);
  const single = x.shape.length === 1;
  const rows = single ? 1 : (x.shape[0] as number);
  const v = x.shape.at(-1) as number;
  if (v === 0 && rows > 0) throw new RangeError(`${op}: logits: the vocabulary dim has size 0`);
  const words = Math.ceil(v / 32);
  const tensors = [o.history, o.logitBias, o.allowed].filter((t): t is Tensor => t !== undefined);
  for (const [name, t] of [
    ["history", o.history],
    ["logitBias", o.logitBias],
    ["allowed", o.allowed],
  ] as const)
    if (t) checkTensor(ctx, t, `${op}: ${name}`, [t.dtype]);
  const historyLength = o.history ? (o.history.shape.at(-1) ?? 0) : 0;
  checkRowTensor(o.history, "history", rows, historyLength, !single, ["i32"]);
  if (o.logitBias && o.logitBias.shape.length === 2) checkRowTensor(o.logitBias, "logitBias", rows, v, true, ["f32"]);
  else checkRowTensor(o.logitBias, "logitBias", rows, v, false, ["f32"]);
  checkRowTensor(o.allowed, "allowed", rows, words, !single, ["u32", "i32"]);
  if (o.logprobs !== undefined && o.logprobs > v && rows > 0)
    throw new RangeError(`${op}: logprobs: expected at most the vocabulary size ${v}, got ${o.logprobs}`);
  const perRowBias = !!o.logitBias && o.logitBias.shape.length === 2;
  if (o.logitBias && !perRowBias && v * 4 > ctx.maxBindingBytes)
    throw new RangeError(`${op}: logitBias: ${v * 4} bytes do not fit one storage binding (${ctx.maxBindingBytes} bytes)`);

  const greedy = o.temperature === 0;
  const n = o.logprobs ?? 0;
  // Larger than one binding: slices of rows, each row-indexed tensor at its own offset (the
  // log-probabilities go to a temporary per slice, copied into their three outputs after).
  const row = (t: Tensor, classes: number): SlicedTensor => ({ bufferSize: t.buffer.size, bytesPerElement: 4, classes });
  const sliced = {
    x: { bufferSize: x.buffer.size, bytesPerElement: kBytesPerElement[x.dtype] },
    tokens: { bufferSize: outputBufferSize(rows * 4), bytesPerElement: 4, classes: 1 },
    ...(o.history
      ? { scratch: { bufferSize: outputBufferSize(rows * v * 4), bytesPerElement: 4 }, history: row(o.history, historyLength) }
      : {}),
    ...(o.logitBias && perRowBias ? { bias: row(o.logitBias, v) } : {}),
    ...(o.allowed ? { allowed: row(o.allowed, words) } : {}),
    ...(o.logprobs !== undefined
      ? { lp: { bufferSize: outputBufferSize(rows * (1 + 2 * n) * 4), bytesPerElement: 4, classes: 1 + 2 * n } }
      : {}),
  } as Record<"x" | "tokens" | "scratch" | "history" | "bias" | "allowed" | "lp", SlicedTensor>;
  const view = { outer: rows, classes: v, inner: 1, rows };
  const slices =
    rows === 0
      ? []
      : planSlicedBindings(view, sliced, ctx.maxBindingBytes, ctx.device.limits.minStorageBufferOffsetAlignment, `${op}: logits`);

  const check = new SampleCheck(ctx.device, op, v, historyLength, !o.encoder);
  const checks = [check];
  const outputs = recordOp(ctx, op, o.encoder, [x, ...tensors], (rec) => {
    const tokens = ctx.output(single ? [1] : [rows], "i32", op, checks);
    const logprob = o.logprobs !== undefined ? ctx.output(single ? [1] : [rows], "f32", op, checks) : undefined;
    const topValues = n > 0 ? ctx.output(single ? [n] : [rows, n], "f32", op, checks) : undefined;
    const topIds = n > 0 ? ctx.output(single ? [n] : [rows, n], "i32", op, checks) : undefined;
    const scratch = o.history && rows > 0 ? rec.temporary(rows * v * 4, "penalised-logits") : undefined;
    const constants = {
      WG: selectWorkgroupSize(ctx, v),
      DTYPE: x.dtype as LogitDType,
      HISTORY: !!o.history,
      BIAS: !!o.logitBias,
      ALLOWED: !!o.allowed,
      GREEDY: greedy,
      LOGPROBS: o.logprobs !== undefined,
      PROCESSED: o.logprobsOf === "processed",
    };
    const uniformsFor = (
      slice: { rows: number; firstRow: number; offsets: Partial<Record<string, number>> },
      chunks = 1,
      chunkLength = v,
    ) => ({
      rows: slice.rows,
      classes: v,
      first_row: slice.firstRow,
      x_offset: slice.offsets.x ?? 0,
      y_offset: slice.offsets.scratch ?? 0,
      hist_offset: slice.offsets.history ?? 0,
      bias_offset: slice.offsets.bias ?? 0,
      allowed_offset: slice.offsets.allowed ?? 0,
      tokens_offset: slice.offsets.tokens ?? 0,
      hist_len: historyLength,
      repetition_penalty: o.repetitionPenalty,
      presence_penalty: o.presencePenalty,
      frequency_penalty: o.frequencyPenalty,
      bias_stride: perRowBias ? v : 0,
      words,
      inv_temp: greedy ? 1 : 1 / o.temperature,
      top_k: o.topK >= v ? 0 : o.topK,
      top_p24: Math.min(2 ** 24, Math.round(o.topP * 2 ** 24)),
      min_p: o.minP,
      seed_lo: o.seed % 2 ** 32,
      seed_hi: Math.floor(o.seed / 2 ** 32),
      step: o.step,
      n_logprobs: n,
      chunks,
      chunk_len: chunkLength,
    });
    // Plain sampling and greedy rows, long and few (a GPU): split across workgroups (split_max,
    // split_mass, split_draw); the filters, penalties and log-probabilities take one workgroup a row.
    const plain = !o.history && (o.topK === 0 || o.topK >= v) && o.topP === 1 && o.minP === 0 && o.logprobs === undefined;
    const split = plain && slices.length === 1 ? planSplit(view, ctx.device.limits, ctx.adapterKind) : undefined;
    if (split) {
      const states = rec.temporary(rows * split.chunks * 24, "chunk-states");
      const splitConstants = { ...constants, WG: split.workgroupSize };
      const uniforms = uniformsFor({ rows, firstRow: 0, offsets: {} }, split.chunks, split.chunkLength);
      const bindings = {
        xw: x.buffer,
        tokens: tokens.buffer,
        status: check.buffer,
        scratch: states,
        ...(o.logitBias ? { bias: o.logitBias.buffer } : {}),
        ...(o.allowed ? { allowed: o.allowed.buffer } : {}),
      };
      rec.dispatch(kSampleKernel, {
        constants: splitConstants,
        entryPoint: "split_max",
        uniforms,
        bindings,
        workgroups: rows * split.chunks,
      });
      if (!greedy)
        rec.dispatch(kSampleKernel, {
          constants: splitConstants,
          entryPoint: "split_mass",
          uniforms,
          bindings,
          workgroups: rows * split.chunks,
        });
      rec.dispatch(kSampleKernel, { constants: splitConstants, entryPoint: "split_draw", uniforms, bindings, workgroups: rows });
      return [tokens];
    }
    for (const slice of slices) {
      const lpOut = logprob ? rec.temporary(slice.rows * (1 + 2 * n) * 4, "logprobs") : undefined;
      rec.dispatch(kSampleKernel, {
        constants,
        uniforms: uniformsFor(slice),
        bindings: {
          xw: bindRange(x.buffer, slice.ranges.x),
          tokens: bindRange(tokens.buffer, slice.ranges.tokens),
          status: check.buffer,
          ...(scratch ? { scratch: bindRange(scratch, slice.ranges.scratch) } : {}),
          ...(o.history ? { history: bindRange(o.history.buffer, slice.ranges.history) } : {}),
          ...(o.logitBias ? { bias: perRowBias ? bindRange(o.logitBias.buffer, slice.ranges.bias) : o.logitBias.buffer } : {}),
          ...(o.allowed ? { allowed: bindRange(o.allowed.buffer, slice.ranges.allowed) } : {}),
          ...(lpOut ? { logprobs_out: lpOut } : {}),
        },
        workgroups: slice.rows,
      });
      if (lpOut && logprob) {
        rec.copy(lpOut, 0, logprob.buffer, slice.firstRow * 4, slice.rows * 4);
        if (topValues && topIds) {
          rec.copy(lpOut, slice.rows * 4, topValues.buffer, slice.firstRow * n * 4, slice.rows * n * 4);
          rec.copy(lpOut, slice.rows * (1 + n) * 4, topIds.buffer, slice.firstRow * n * 4, slice.rows * n * 4);
        }
      }
    }
    return [tokens, logprob, topValues, topIds].filter((t) => t !== undefined);
  });
  const [tokens, ...rest] = outputs as [Tensor<"i32">, ...Tensor[]];
  const result: SampleResult = { tokens };
  if (o.logprobs !== undefined) result.logprob = rest[0] as Tensor<"f32">;
  if (n > 0) result.topLogprobs = { values: rest[1] as Tensor<"f32">, indices: rest[2] as Tensor<"i32"> };
  return result;
}
