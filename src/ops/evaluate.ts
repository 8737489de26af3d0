/**
 * Evaluation in one read (kernel: shaders/evaluate.wgsl; reference: src/reference/evaluate.ts):
 * loss, perplexity, top-k accuracy, calibration and a confusion matrix from the one pass over the
 * logits that cross-entropy makes, accumulated on the GPU over any number of batches.
 */
import { checkTensor, recordOp, subgroupMerges, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { bindRange, checkRowArrays } from "../binding-slices.js";
import { defineKernel } from "../kernel-descriptor.js";
import { sharedOverrides } from "../kernel-overrides.js";
import { evaluationMetrics, type EvaluationResult, type EvaluationTotals } from "../evaluation-metrics.js";
import {
  checkEncoder,
  checkInt32,
  checkLogBase,
  checkOpOptions,
  optionalDim,
  optionalFlag,
  optionalTensor,
  type OptionChecksFor,
} from "../option-checks.js";
import { planRowOp, reduceWorkgroupSize } from "../row-plan.js";
import { describe, formatShape, normalizeDim, rowView, sameShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import evaluateWgsl from "../../shaders/evaluate.wgsl?raw";

export type { EvaluationResult, ConfusionMetrics } from "../evaluation-metrics.js";

export interface EvaluateOptions {
  /** The class dim (default 1 for rank ≥ 2, as crossEntropy; −1 for [B, T, V] language-model logits). */
  dim?: number;
  /** Targets equal to this count nowhere (default −100). */
  ignoreIndex?: number;
  /** Class weights f32 [C] for the loss (as crossEntropy's 'mean'); the accuracies are unweighted. */
  weight?: Tensor;
  /** The k of the top-k accuracies, 1 to 8 of them (default [1, 5]). */
  topK?: readonly number[];
  /** Bins of the expected calibration error, 1–512 (default 15, torchmetrics'). */
  calibrationBins?: number;
  /** Also count the [C, C] confusion matrix (C ≤ 4096; default false). */
  confusion?: boolean;
  /** The loss's logarithm base (default e; perplexity is base^loss either way). */
  base?: number;
}

const kMaxTopK = 8;
const kMaxBins = 512;
const kMaxConfusionClasses = 4096;
const kNone = 0xffffffff;
/** Accumulator words before the counts (see shaders/evaluate.wgsl). */
const kCountsWord = 8;
const kBinsWord = 11;

export const kEvaluateOptionChecks = {
  dim: optionalDim,
  ignoreIndex: (value: unknown, op: string, name: string) => checkInt32(value, op, name, -100),
  weight: optionalTensor,
  topK: (value: unknown, op: string, name: string): number[] => {
    if (value === undefined) return [1, 5];
    if (
      !Array.isArray(value) ||
      value.length < 1 ||
      value.length > kMaxTopK ||
      !value.every((k) => Number.isInteger(k) && (k as number) >= 1)
    )
      throw new TypeError(`${op}: ${name}: expected 1 to ${kMaxTopK} integers >= 1, got ${describe(value)}`);
    return (value as number[]).map((k) => Math.min(k, 0x7fffffff));
  },
  calibrationBins: (value: unknown, op: string, name: string): number => {
    if (value === undefined) return 15;
    if (!Number.isInteger(value)) throw new TypeError(`${op}: ${name}: expected an integer, got ${describe(value)}`);
    if ((value as number) < 1 || (value as number) > kMaxBins)
      throw new RangeError(`${op}: ${name}: expected 1 to ${kMaxBins}, got ${value as number}`);
    return value as number;
  },
  confusion: optionalFlag,
  base: checkLogBase,
} satisfies OptionChecksFor<EvaluateOptions>;

export const kEvaluateKernel = defineKernel({
  name: "evaluate",
  body: evaluateWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    ignore_index: "i32",
    // A batch bound in slices: the slice's first element in its range, its first row.
    x_offset: "u32",
    row_offset: "u32",
    stats_offset: "u32",
    total_rows: "u32",
    // The evaluator's batch number (for the first bad label's message).
    batch: "u32",
    n_k: "u32",
    k0: "u32",
    k1: "u32",
    k2: "u32",
    k3: "u32",
    k4: "u32",
    k5: "u32",
    k6: "u32",
    k7: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The logits' words: f32, or two packed 16-bit values (DTYPE)." },
    targets: { type: "array<u32>", access: "read", doc: "Class indices, i32 or u32 (TARGET_UNSIGNED)." },
    stats: { type: "array<f32>", access: "read_write", doc: "Per row: w_t·ℓ and w_t." },
    acc: { type: "array<atomic<u32>>", access: "read_write", doc: "The evaluator's totals (layout: shaders/evaluate.wgsl)." },
    weight: { type: "array<f32>", access: "read", optional: true, doc: "HAS_WEIGHT: class weights [C]." },
    x4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "VEC4 and SPAN4 rows of f32: the logits as vec4s." },
  },
  overrides: {
    ...sharedOverrides(
      "WG",
      "ROW_THREADS",
      "DTYPE",
      "SUBGROUPS",
      "TWO_PASS",
      "VEC4",
      "SPAN4",
      "IGNORE_INDEX",
      "TARGET_UNSIGNED",
      "HAS_WEIGHT",
    ),
    CONFUSION: { kind: "bool", doc: "Count the [C, C] confusion matrix." },
    CAL_BINS: { kind: "u32", default: 15, doc: "Calibration bins." },
    COUNT_WORDS: {
      kind: "derived",
      type: "u32",
      expression: "11u + 4u * CAL_BINS",
      doc: "Count words (rows, NaN rows, correct, hits, bins).",
    },
  },
  entryPoints: ["main", "accumulate"],
});

/** Where an evaluation's totals accumulate: `add` a batch at a time (no sync), `read` once. */
export class Evaluator {
  #ctx: XentContext;
  #op: string;
  #o: ReturnType<typeof checkOptions>;
  #acc: Tensor<"u32"> | undefined;
  #classes = -1;
  #batches = 0;
  #destroyed = false;

  /** @internal Use `xent.evaluator()`. */
  constructor(ctx: XentContext, op: string, options: unknown) {
    this.#ctx = ctx;
    this.#op = op;
    this.#o = checkOptions(ctx, op, options);
  }

  /** Batches added since the last reset(). */
  get batches(): number {
    return this.#batches;
  }

  /**
   * Adds a batch: logits (f32/f16/bf16, class dim `dim`) and class-index targets (i32/u32, the
   * logits' shape without the class dim). Records into `encoder` when given (submit it before read()).
   */
  add(logits: Tensor, target: Tensor, options?: { encoder?: GPUCommandEncoder }): void {
    const op = `${this.#op}`;
    if (this.#destroyed) throw new Error(`${op}: the evaluator was destroyed`);
    const { encoder } = checkOpOptions(options, op, { encoder: checkEncoder });
    const x = checkTensor(this.#ctx, logits, `${op}: logits`, kLogitDTypes);
    const t = checkTensor(this.#ctx, target, `${op}: target`, ["i32", "u32"]);
    if (x.shape.length === 0) throw new RangeError(`${op}: logits: expected rank >= 1, got a scalar`);
    const dim = normalizeDim(this.#o.dim ?? (x.shape.length >= 2 ? 1 : 0), x.shape.length, `${op}: dim`);
    const view = rowView(x.shape, dim);
    const rowShape = x.shape.filter((_, d) => d !== dim);
    if (!sameShape(t.shape, rowShape))
      throw new RangeError(
        `${op}: target: expected shape ${formatShape(rowShape)} (the logits' without dim ${dim}), got ${formatShape(t.shape)}`,
      );
    if (view.classes === 0 && view.rows > 0) throw new RangeError(`${op}: logits: the class dim ${dim} has size 0`);
    if (this.#classes >= 0 && view.classes !== this.#classes)
      throw new RangeError(`${op}: logits: ${view.classes} classes, but the evaluator's earlier batches had ${this.#classes}`);
    if (this.#o.confusion && view.classes > kMaxConfusionClasses)
      throw new RangeError(`${op}: confusion: at most ${kMaxConfusionClasses} classes, got ${view.classes}`);
    const weight = this.#o.weight;
    if (weight) {
      checkTensor(this.#ctx, weight, `${op}: weight`, ["f32"]);
      if (!sameShape(weight.shape, [view.classes]))
        throw new RangeError(`${op}: weight: expected shape [${view.classes}], got ${formatShape(weight.shape)}`);
    }
    checkRowArrays(op, view.rows, 8, "their statistics and targets", this.#ctx.maxBindingBytes);
    const ctx = this.#ctx;
    const plan = planRowOp({
      view,
      tensors: { x: { bufferSize: x.buffer.size, bytesPerElement: kBytesPerElement[x.dtype] } },
      input: "x",
      inputDType: x.dtype,
      limits: ctx.device.limits,
      adapter: ctx.adapterKind,
      maxBindingBytes: ctx.maxBindingBytes,
      what: `${op}: logits`,
    });
    const acc = this.#accumulator(view.classes);
    const batch = this.#batches;
    const ks = this.#o.topK;
    const k = (j: number): number => ks[j] ?? 0;
    recordOp(ctx, op, encoder, [x, t, acc, ...(weight ? [weight] : [])], (rec) => {
      if (view.rows === 0) return [acc] as const;
      const stats = rec.temporary(view.rows * 8, "row-statistics");
      const constants = {
        DTYPE: x.dtype as LogitDType,
        TWO_PASS: ctx.adapterKind === "cpu",
        IGNORE_INDEX: true,
        TARGET_UNSIGNED: t.dtype === "u32",
        HAS_WEIGHT: !!weight,
        CONFUSION: this.#o.confusion,
        CAL_BINS: this.#o.calibrationBins,
        VEC4: plan.vec4,
        SPAN4: plan.span4,
      };
      const uniforms = {
        classes: view.classes,
        inner: view.inner,
        ignore_index: this.#o.ignoreIndex,
        total_rows: view.rows,
        batch,
        n_k: ks.length,
        k0: k(0),
        k1: k(1),
        k2: k(2),
        k3: k(3),
        k4: k(4),
        k5: k(5),
        k6: k(6),
        k7: k(7),
      };
      const common = { targets: t.buffer, stats, acc: acc.buffer, ...(weight ? { weight: weight.buffer } : {}) };
      const rowsPerGroup = plan.rows.workgroupSize / plan.rows.rowThreads;
      for (const slice of plan.slices) {
        rec.dispatch(kEvaluateKernel, {
          constants: { ...constants, WG: plan.rows.workgroupSize, ROW_THREADS: plan.rows.rowThreads },
          uniforms: {
            ...uniforms,
            rows: slice.rows,
            x_offset: slice.offsets.x,
            row_offset: slice.firstRow,
            stats_offset: 2 * slice.firstRow,
          },
          bindings: { xw: bindRange(x.buffer, slice.ranges.x), ...(plan.x4 ? { x4: bindRange(x.buffer, slice.ranges.x) } : {}), ...common },
          workgroups: Math.ceil(slice.rows / rowsPerGroup),
          subgroups: subgroupMerges(ctx, plan.rows.rowThreads),
        });
      }
      rec.dispatch(kEvaluateKernel, {
        constants: { ...constants, WG: reduceWorkgroupSize(ctx.adapterKind) },
        entryPoint: "accumulate",
        uniforms: { ...uniforms, rows: view.rows, x_offset: 0, row_offset: 0, stats_offset: 0 },
        bindings: { xw: x.buffer, ...common },
        workgroups: 1,
      });
      return [acc] as const;
    });
    this.#batches++;
  }

  /** The metrics of every batch added since the last reset(): one read of the totals. Rejects with a RangeError for a bad label (naming the batch). */
  async read(): Promise<EvaluationResult> {
    if (this.#destroyed) throw new Error(`${this.#op}: the evaluator was destroyed`);
    const o = this.#o;
    const bins = o.calibrationBins;
    const classes = Math.max(0, this.#classes);
    const words = this.#acc ? new Uint32Array((await this.#acc.read()).slice().buffer) : this.#initialWords(classes);
    if (words[5] !== kNone) {
      const label = this.#acc?.dtype === "u32" ? words[7] : (words[7] ?? 0) | 0;
      throw new RangeError(
        `${this.#op}: batch ${words[5]}: target (flat position ${words[6]}) is ${label}: expected a class index in [0, ${classes}) and not ignoreIndex (${o.ignoreIndex})`,
      );
    }
    const f32 = new Float32Array(words.buffer, words.byteOffset, 4);
    const c = (i: number): number => words[kCountsWord + i] as number;
    const totals: EvaluationTotals = {
      lossSum: f32[0] as number,
      weightSum: f32[2] as number,
      count: c(0),
      nanRows: c(1),
      correct: c(2),
      hits: o.topK.map((_, j) => c(3 + j)),
      binCount: Array.from({ length: bins }, (_, b) => c(kBinsWord + b)),
      binCorrect: Array.from({ length: bins }, (_, b) => c(kBinsWord + bins + b)),
      binConfidence: Array.from(
        { length: bins },
        (_, b) => c(kBinsWord + 2 * bins + 2 * b) / 2 ** 32 + c(kBinsWord + 2 * bins + 2 * b + 1),
      ),
    };
    if (o.confusion) {
      const first = kCountsWord + kBinsWord + 4 * bins;
      totals.confusion = words.slice(first, first + classes * classes);
    }
    return evaluationMetrics(totals, o.topK, o.base, classes);
  }

  /** Starts over: the totals go (their buffer is freed). */
  reset(): void {
    this.#acc?.destroy();
    this.#acc = undefined;
    this.#classes = -1;
    this.#batches = 0;
  }

  /** Frees the totals; the evaluator cannot be used after. */
  destroy(): void {
    this.reset();
    this.#destroyed = true;
  }

  #initialWords(classes: number): Uint32Array<ArrayBuffer> {
    const words = new Uint32Array(kCountsWord + kBinsWord + 4 * this.#o.calibrationBins + (this.#o.confusion ? classes * classes : 0));
    words.fill(kNone, 4, 8);
    return words;
  }

  #accumulator(classes: number): Tensor<"u32"> {
    if (this.#acc) return this.#acc;
    const init = this.#initialWords(classes);
    if (init.byteLength > this.#ctx.maxBindingBytes)
      throw new RangeError(
        `${this.#op}: the totals (${init.byteLength} bytes with the confusion matrix) do not fit one storage binding (${this.#ctx.maxBindingBytes} bytes)`,
      );
    const acc = this.#ctx.output([init.length], "u32", this.#op);
    this.#ctx.device.queue.writeBuffer(acc.buffer, 0, init);
    this.#acc = acc;
    this.#classes = classes;
    return acc;
  }
}

function checkOptions(ctx: XentContext, op: string, options: unknown) {
  ctx.assertUsable(op);
  return checkOpOptions(options, op, kEvaluateOptionChecks);
}

/**
 * An evaluator: `add(logits, target)` per batch (no sync), `await read()` once → loss (crossEntropy's
 * 'mean'), perplexity, accuracy, top-k accuracy, mean confidence, ECE and (with `confusion`) the
 * confusion matrix with precision / recall / F1 / IoU, over every batch since the last reset().
 * @op
 */
export function evaluator(ctx: XentContext, options?: EvaluateOptions): Evaluator {
  return new Evaluator(ctx, "evaluator", options);
}

/** What evaluate() returns: its metrics, one read away. */
export interface Evaluation {
  read(): Promise<EvaluationResult>;
  destroy(): void;
}

/**
 * The metrics of one batch from one pass over its logits: loss = Σ w_t·ℓ / Σ w_t (crossEntropy's
 * 'mean', in `base`), perplexity = base^loss, top-k accuracy = mean [rank_t < k] with rank_t =
 * #{c : x_c > x_t} + #{c < t : x_c = x_t}, confidence = mean max softmax, ECE (torchmetrics),
 * and with `confusion` the [C, C] counts with precision, recall, F1 and IoU.
 * @op
 */
export function evaluate(
  ctx: XentContext,
  logits: Tensor,
  target: Tensor,
  options?: EvaluateOptions & { encoder?: GPUCommandEncoder },
): Evaluation {
  const { encoder, ...rest } = options ?? {};
  if (options !== undefined && (options === null || typeof options !== "object")) checkOpOptions(options, "evaluate", {});
  const ev = new Evaluator(ctx, "evaluate", rest);
  try {
    ev.add(logits, target, encoder ? { encoder } : {});
  } catch (error) {
    ev.destroy();
    throw error;
  }
  return { read: () => ev.read(), destroy: () => ev.destroy() };
}
