/**
 * Keras 3 (TensorFlow backend) and scikit-learn named losses, the names the tutorials use.
 * Each returns the batch mean as a scalar tensor, computed on the GPU.
 */
import { sharedOverrides } from "./kernel-overrides.js";
import { checkTensor, subgroupMerges, type RecordOptions, type XentContext } from "./context.js";
import { defineKernel } from "./kernel-descriptor.js";
import { bindRange, checkRowArrays, planSlicedBindings } from "./binding-slices.js";
import { LabelCheck } from "./label-check.js";
import { crossEntropy, crossEntropyWithGrad, type CrossEntropyOptions } from "./ops/cross-entropy.js";
import {
  checkEncoder,
  checkOpOptions,
  optionalDim,
  optionalFlag,
  checkUnitInterval,
  type CheckedOptions,
  type OptionChecksFor,
} from "./option-checks.js";
import { recordLoss, type LossAndGrad, type LossAndMaybeGrad } from "./ops/loss-reduction.js";
import { defineElementwiseLoss, runElementwiseLoss, runElementwiseLossWithGrad } from "./ops/elementwise-loss.js";
import kerasCrossEntropyWgsl from "../shaders/keras-cross-entropy.wgsl?raw";
import kerasBinaryCrossentropyWgsl from "../shaders/keras-binary-crossentropy.wgsl?raw";
import { planRows, vec4Rows, type RowPlan } from "./row-plan.js";
import { describe, formatShape, normalizeDim, rowView, sameShape, type RowView } from "./shape.js";
import { outputBufferSize, SharedBuffers, Tensor } from "./tensor.js";

/** Keras' backend.epsilon(): probabilities are clipped to [1e-7, 1 − 1e-7]. */
export const kKerasEpsilon = 1e-7;
/** float32 machine epsilon: scikit-learn's log_loss clip for float32 predictions. */
export const kFloat32Epsilon = 2 ** -23;

export interface KerasOptions extends RecordOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** ε in [0, 1]: one-hot targets become (1 − ε)·y + ε/C (binary: + ε/2) (default 0). */
  labelSmoothing?: number;
  /** The class axis (default −1). */
  axis?: number;
}

export type SparseKerasOptions = Omit<KerasOptions, "labelSmoothing">;

export interface LogLossOptions extends RecordOptions {
  /** All class labels; default: the sorted distinct values of yTrue. */
  labels?: readonly (string | number)[];
}

type ProbMode = "keras-categorical" | "keras-sparse" | "sklearn";

export const kKerasCrossEntropyKernel = defineKernel({
  name: "keras-cross-entropy",
  body: kerasCrossEntropyWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    eps: "f32",
    smoothing: "f32",
    // A tensor bound in slices: the slice's first element within the bound ranges of p (and of
    // probability targets), and its first row among all rows.
    x_offset: "u32",
    row_offset: "u32",
    // Multiplies the gradient: 1 / rows (the batch mean).
    grad_scale: "f32",
  },
  bindings: {
    p: { type: "array<f32>", access: "read" },
    targets: { type: "array<u32>", access: "read", doc: "Class indices, or (categorical) f32 probabilities as bits." },
    loss: { type: "array<f32>", access: "read_write" },
    status: { type: "array<atomic<u32>>", access: "read_write", optional: true, doc: "First bad label position (class indices)." },
    grad: { type: "array<f32>", access: "read_write", optional: true, doc: "d(loss)/d(p), laid out like p (HAS_GRAD, scalar rows)." },
    p4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "p as vec4s (VEC4 rows)." },
    t4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "Categorical targets as vec4s (VEC4 rows)." },
    grad4: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "The gradient as vec4s (HAS_GRAD, VEC4 rows)." },
  },
  overrides: {
    ...sharedOverrides("WG", "ROW_THREADS", "HAS_GRAD", "VEC4", "SUBGROUPS"),
    MODE: { kind: "enum", values: ["keras-categorical", "keras-sparse", "sklearn"] satisfies ProbMode[] },
    BINARY_COLUMN: { kind: "bool", doc: "One probability per row (of class 1 of two)." },
  },
});

export const kKerasBinaryCrossentropyKernel = defineElementwiseLoss("keras-binary-crossentropy", kerasBinaryCrossentropyWgsl, {
  overrides: sharedOverrides("FROM_LOGITS"),
  // Keras' clip epsilon and label smoothing.
  uniforms: { eps: "f32", smoothing: "f32" },
});

interface ProbRun {
  op: string;
  mode: ProbMode;
  probs: Tensor;
  target: Tensor;
  classAxis: number;
  binaryColumn: boolean;
  eps: number;
  smoothing: number;
  encoder: GPUCommandEncoder | undefined;
}

function runProbCrossEntropy(ctx: XentContext, r: ProbRun, withGrad: boolean): LossAndMaybeGrad {
  const { op, mode, probs, target } = r;
  const view = r.binaryColumn ? { outer: probs.size, classes: 2, inner: 1, rows: probs.size } : rowView(probs.shape, r.classAxis);
  // Larger than one binding: slices of whole row blocks of the data (one value per row for a binary column).
  const dataView = r.binaryColumn ? { ...view, classes: 1 } : view;
  // The per-row losses (and class indices) are bound whole: refuse at the call what one binding cannot hold.
  // (A binary column's row arrays are its data: sliced with it.)
  if (!r.binaryColumn)
    checkRowArrays(
      op,
      view.rows,
      4,
      mode === "keras-categorical" ? "their losses" : "their per-row arrays (class indices, losses)",
      ctx.maxBindingBytes,
    );
  // Probability targets (categorical) and the gradient share the predictions' layout.
  const slices = planSlicedBindings(
    dataView,
    {
      p: { bufferSize: probs.buffer.size, bytesPerElement: 4 },
      t: { bufferSize: mode === "keras-categorical" ? target.buffer.size : probs.buffer.size, bytesPerElement: 4 },
      grad: { bufferSize: outputBufferSize(probs.size * 4), bytesPerElement: 4 },
    },
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    `${op}: yPred`,
  );
  const wholeRows = !r.binaryColumn && (mode !== "sklearn" || withGrad);
  const vec4 = wholeRows && vec4Rows(view);
  const check = mode === "keras-categorical" ? undefined : new LabelCheck(ctx.device, op, target, view.classes, undefined, !r.encoder);
  return recordLoss(ctx, {
    op,
    encoder: r.encoder,
    reduction: "mean",
    shape: [],
    count: view.rows,
    mean: "mean-by-count",
    labels: check ? { target, check } : undefined,
    inputs: [probs, target],
    gradShape: withGrad ? probs.shape : undefined,
    record: (rec, loss, _denom, grad) => {
      for (const slice of slices) {
        const plan = rowPlan(ctx, view, wholeRows, slice.rows);
        const probabilities = bindRange(probs.buffer, slice.ranges.p);
        const targets = mode === "keras-categorical" ? bindRange(target.buffer, slice.ranges.t) : target.buffer;
        const gradient = grad ? { [vec4 ? "grad4" : "grad"]: bindRange(grad.buffer, slice.ranges.grad) } : {};
        rec.dispatch(kKerasCrossEntropyKernel, {
          constants: {
            WG: plan.workgroupSize,
            ROW_THREADS: plan.rowThreads,
            MODE: mode,
            BINARY_COLUMN: r.binaryColumn,
            HAS_GRAD: !!grad,
            VEC4: vec4,
          },
          uniforms: {
            rows: slice.rows,
            classes: view.classes,
            inner: view.inner,
            eps: r.eps,
            smoothing: r.smoothing,
            x_offset: slice.offsets.p,
            row_offset: slice.firstRow,
            grad_scale: 1 / view.rows,
          },
          bindings: {
            p: probabilities,
            targets,
            loss,
            ...(check ? { status: check.buffer } : {}),
            ...gradient,
            ...(vec4 ? { p4: probabilities, ...(mode === "keras-categorical" ? { t4: targets } : {}) } : {}),
          },
          workgroups: Math.ceil(slice.rows / (plan.workgroupSize / plan.rowThreads)),
          subgroups: subgroupMerges(ctx, plan.rowThreads),
        });
      }
    },
  });
}

/**
 * The row ops' plan (row-plan.ts: lanes share long rows) where a row is read or written whole.
 * Otherwise (a binary column; scikit-learn's loss alone, which reads one value a row) a thread per
 * row, 64 to a workgroup; on a CPU-emulated adapter, which runs a workgroup on one core, fewer when
 * there are few rows so that about 16 workgroups share the cores, but never under 4 (one SIMD
 * vector: four one-thread workgroups ran 2.5× slower than one of four). logLoss on [1024, 1000]
 * with the row plan: 7× slower (256 workgroups of one value a lane).
 */
function rowPlan(ctx: XentContext, view: RowView, wholeRows: boolean, rows: number): Pick<RowPlan, "workgroupSize" | "rowThreads"> {
  if (wholeRows) return planRows({ ...view, rows }, ctx.device.limits, ctx.adapterKind);
  const workgroupSize = ctx.adapterKind === "cpu" ? Math.min(64, Math.max(4, 2 ** Math.floor(Math.log2(Math.max(1, rows / 16))))) : 64;
  return { workgroupSize, rowThreads: 1 };
}

export const kKerasOptionChecks = {
  fromLogits: optionalFlag,
  labelSmoothing: checkUnitInterval,
  axis: optionalDim,
  encoder: checkEncoder,
} satisfies OptionChecksFor<KerasOptions>;

const { labelSmoothing: _smoothing, ...sparseChecks } = kKerasOptionChecks;
export const kSparseKerasOptionChecks = sparseChecks satisfies OptionChecksFor<SparseKerasOptions>;

function labelsOption(value: unknown, op: string, name: string): readonly (string | number)[] | undefined {
  if (value !== undefined && !Array.isArray(value)) throw new TypeError(`${op}: ${name}: expected an array, got ${describe(value)}`);
  return value as readonly (string | number)[] | undefined;
}

export const kLogLossOptionChecks = { labels: labelsOption, encoder: checkEncoder } satisfies OptionChecksFor<LogLossOptions>;

/** The checked Keras options; the sparse loss has no labelSmoothing (0). */
function kerasArgs(op: string, options: unknown, checks: typeof kKerasOptionChecks | typeof kSparseKerasOptionChecks) {
  const o: { labelSmoothing?: number } & CheckedOptions<typeof kSparseKerasOptionChecks> = checkOpOptions(options, op, checks);
  return { fromLogits: o.fromLogits, smoothing: o.labelSmoothing ?? 0, axis: o.axis ?? -1, encoder: o.encoder };
}

type Outcome = { loss: Tensor<"f32">; grad: Tensor<"f32"> | undefined };

/** The from-logits Keras losses: PyTorch-style softmax cross-entropy (its gradient pass when asked). */
function logitsCrossEntropy(
  ctx: XentContext,
  op: string,
  pred: Tensor,
  y: Tensor,
  options: CrossEntropyOptions,
  withGrad: boolean,
  ignoreNothing: boolean,
): Outcome {
  if (withGrad) return crossEntropyWithGrad(ctx, pred, y, options, { ignoreNothing, op });
  return { loss: crossEntropy(ctx, pred, y, options, { ignoreNothing }), grad: undefined };
}

const encoderOf = (encoder: GPUCommandEncoder | undefined) => (encoder ? { encoder } : {});

function categorical(ctx: XentContext, op: string, yTrue: unknown, yPred: unknown, options: unknown, withGrad: boolean): Outcome {
  const a = kerasArgs(op, options, kKerasOptionChecks);
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const y = checkTensor(ctx, yTrue, `${op}: yTrue`, ["f32"]);
  if (!sameShape(y.shape, pred.shape))
    throw new RangeError(`${op}: yTrue: expected the yPred shape ${formatShape(pred.shape)}, got ${formatShape(y.shape)}`);
  if (pred.shape.length === 0) throw new RangeError(`${op}: yPred: expected rank >= 1, got a scalar`);
  const axis = normalizeDim(a.axis, pred.shape.length, `${op}: axis`);
  if (a.fromLogits)
    return logitsCrossEntropy(
      ctx,
      op,
      pred,
      y,
      { dim: axis, labelSmoothing: a.smoothing, reduction: "mean", ...encoderOf(a.encoder) },
      withGrad,
      false,
    );
  const run = { op, mode: "keras-categorical", probs: pred, target: y, classAxis: axis, binaryColumn: false } as const;
  return runProbCrossEntropy(ctx, { ...run, eps: kKerasEpsilon, smoothing: a.smoothing, encoder: a.encoder }, withGrad);
}

/**
 * keras.losses.categorical_crossentropy, batch mean. Probabilities: q = clip(p / Σp, 1e-7, 1 − 1e-7),
 * ℓ = −Σ y·log q; logits: softmax cross-entropy. Targets are smoothed to (1 − ε)·y + ε/C.
 */
export function categoricalCrossentropy(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: KerasOptions): Tensor<"f32"> {
  return categorical(ctx, "keras.categoricalCrossentropy", yTrue, yPred, options, false).loss;
}

/**
 * categoricalCrossentropy and d(loss)/d(yPred) as TensorFlow computes it: through the
 * renormalisation, (g_j − Σ_c g_c·r_c) / Σp with r = p / Σp, g_c = −y'_c / q_c where the clip passes
 * r (0 where it clips); from logits, the softmax cross-entropy gradient. Over the batch.
 */
export function categoricalCrossentropyWithGrad(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: KerasOptions): LossAndGrad {
  return withGradOf(categorical(ctx, "keras.categoricalCrossentropyWithGrad", yTrue, yPred, options, true));
}

function sparse(ctx: XentContext, op: string, yTrue: unknown, yPred: unknown, options: unknown, withGrad: boolean): Outcome {
  const a = kerasArgs(op, options, kSparseKerasOptionChecks);
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const y = checkTensor(ctx, yTrue, `${op}: yTrue`, ["i32", "u32"]);
  if (pred.shape.length === 0) throw new RangeError(`${op}: yPred: expected rank >= 1, got a scalar`);
  const axis = normalizeDim(a.axis, pred.shape.length, `${op}: axis`);
  const rowShape = pred.shape.filter((_, d) => d !== axis);
  if (!sameShape(y.shape, rowShape))
    throw new RangeError(
      `${op}: yTrue: expected shape ${formatShape(rowShape)} (yPred without the class axis), got ${formatShape(y.shape)}`,
    );
  if (a.fromLogits)
    // Keras ignores no class index: every out-of-range one is a bad label.
    return logitsCrossEntropy(ctx, op, pred, y, { dim: axis, reduction: "mean", ...encoderOf(a.encoder) }, withGrad, true);
  const run = { op, mode: "keras-sparse", probs: pred, target: y, classAxis: axis, binaryColumn: false } as const;
  return runProbCrossEntropy(ctx, { ...run, eps: kKerasEpsilon, smoothing: 0, encoder: a.encoder }, withGrad);
}

/**
 * keras.losses.sparse_categorical_crossentropy, batch mean, integer class targets. Probabilities:
 * each row renormalised first, ℓ = −log clip(p_t / Σp, 1e-7, 1 − 1e-7) (Keras 3's JAX, NumPy and
 * Torch backends); logits: softmax cross-entropy.
 */
export function sparseCategoricalCrossentropy(
  ctx: XentContext,
  yTrue: unknown,
  yPred: unknown,
  options?: SparseKerasOptions,
): Tensor<"f32"> {
  return sparse(ctx, "keras.sparseCategoricalCrossentropy", yTrue, yPred, options, false).loss;
}

/** sparseCategoricalCrossentropy and d(loss)/d(yPred) through the renormalisation and the clip (see categoricalCrossentropyWithGrad). */
export function sparseCategoricalCrossentropyWithGrad(
  ctx: XentContext,
  yTrue: unknown,
  yPred: unknown,
  options?: SparseKerasOptions,
): LossAndGrad {
  return withGradOf(sparse(ctx, "keras.sparseCategoricalCrossentropyWithGrad", yTrue, yPred, options, true));
}

function binaryRun(ctx: XentContext, op: string, yTrue: unknown, yPred: unknown, options: unknown) {
  const a = kerasArgs(op, options, kKerasOptionChecks);
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const y = checkTensor(ctx, yTrue, `${op}: yTrue`, ["f32"]);
  if (!sameShape(y.shape, pred.shape))
    throw new RangeError(`${op}: yTrue: expected the yPred shape ${formatShape(pred.shape)}, got ${formatShape(y.shape)}`);
  // Every row has the same length, so the mean of row means is the mean of all elements, whatever the axis.
  if (pred.shape.length > 0) normalizeDim(a.axis, pred.shape.length, `${op}: axis`);
  return {
    op,
    kernel: kKerasBinaryCrossentropyKernel,
    constants: { FROM_LOGITS: a.fromLogits },
    input: pred,
    target: y,
    reduction: "mean" as const,
    encoder: a.encoder,
    uniforms: { eps: kKerasEpsilon, smoothing: a.smoothing },
  };
}

/**
 * keras.losses.binary_crossentropy: mean over the last axis, then over the batch (= the mean of
 * every element). Probabilities clipped to [1e-7, 1 − 1e-7]; logits: max(x, 0) − x·y + log1p(e^−|x|).
 * Targets are smoothed to (1 − ε)·y + ε/2.
 */
export function binaryCrossentropy(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: KerasOptions): Tensor<"f32"> {
  return runElementwiseLoss(ctx, binaryRun(ctx, "keras.binaryCrossentropy", yTrue, yPred, options));
}

/**
 * binaryCrossentropy and d(loss)/d(yPred) as TensorFlow computes it: logits σ(x) − y';
 * probabilities (1 − y') / (1 − q) − y' / q where the clip passes p, 0 where it clips; over every element.
 */
export function binaryCrossentropyWithGrad(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: KerasOptions): LossAndGrad {
  return runElementwiseLossWithGrad(ctx, binaryRun(ctx, "keras.binaryCrossentropyWithGrad", yTrue, yPred, options));
}

function withGradOf(r: Outcome): LossAndGrad {
  return { loss: r.loss, grad: r.grad as Tensor<"f32"> };
}

/** The class order scikit-learn uses: sorted distinct labels (numbers numerically, strings by code point). */
export function sortedLabels(labels: readonly (string | number)[]): (string | number)[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((l) => typeof l === "number");
  return distinct.sort(
    numeric ? (a, b) => (a as number) - (b as number) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0),
  );
}

/** What logLoss takes as yTrue: labels (mapped to classes in sorted order), or class ids. */
export type LogLossLabels = readonly (string | number)[] | Int32Array | Uint32Array | Tensor;

/** yTrue as class ids on the GPU, and whether we uploaded them (then they live as long as the loss). */
function logLossTargets(
  ctx: XentContext,
  op: string,
  yTrue: unknown,
  pred: Tensor,
  labels: readonly (string | number)[] | undefined,
): { target: Tensor; owned: boolean; classes: number; n: number } {
  if (yTrue instanceof Tensor) {
    // Class ids as they are, checked on the GPU (a bad one rejects read()); C from yPred.
    const ids = checkTensor(ctx, yTrue, `${op}: yTrue`, ["i32", "u32"]);
    if (ids.shape.length !== 1) throw new RangeError(`${op}: yTrue: expected class ids of shape [N], got ${formatShape(ids.shape)}`);
    const classes = pred.shape.length === 2 && pred.shape[1] !== 1 ? (pred.shape[1] as number) : 2;
    if (labels !== undefined && labels.length !== classes)
      throw new RangeError(`${op}: labels: expected ${classes} labels (the classes of yPred) for class-id yTrue, got ${labels.length}`);
    return { target: ids, owned: false, classes, n: ids.size };
  }
  const list: readonly unknown[] | undefined =
    yTrue instanceof Int32Array || yTrue instanceof Uint32Array ? Array.from(yTrue) : Array.isArray(yTrue) ? yTrue : undefined;
  if (!list || list.some((l) => typeof l !== "string" && typeof l !== "number"))
    throw new TypeError(
      `${op}: yTrue: expected an array of string or number labels, an Int32Array/Uint32Array or an i32/u32 Tensor of class ids, got ${describe(yTrue)}`,
    );
  const values = list as readonly (string | number)[];
  const sorted = sortedLabels(labels ?? values);
  const index = new Map(sorted.map((l, i) => [l, i]));
  const encoded = Int32Array.from(values, (l, i) => {
    const c = index.get(l);
    if (c === undefined) throw new RangeError(`${op}: yTrue[${i}] = ${JSON.stringify(l)} is not one of labels ${JSON.stringify(sorted)}`);
    return c;
  });
  if (sorted.length < 2)
    throw new RangeError(`${op}: yTrue: needs at least 2 classes (got ${JSON.stringify(sorted)}); pass labels to name them`);
  return { target: ctx.upload(encoded, [values.length]), owned: true, classes: sorted.length, n: values.length };
}

function sklearnLogLoss(ctx: XentContext, op: string, yTrue: unknown, yPred: unknown, options: unknown, withGrad: boolean): Outcome {
  const opts = checkOpOptions(options, op, kLogLossOptionChecks);
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const { target, owned, classes, n } = logLossTargets(ctx, op, yTrue, pred, opts.labels);
  let out: Outcome;
  try {
    const binaryColumn = pred.shape.length === 1 || (pred.shape.length === 2 && pred.shape[1] === 1 && classes === 2);
    if (binaryColumn ? pred.size !== n || classes !== 2 : !sameShape(pred.shape, [n, classes])) {
      throw new RangeError(
        `${op}: yPred: expected shape ${formatShape(binaryColumn && classes === 2 ? [n] : [n, classes])} for ${n} labels of ${classes} classes, got ${formatShape(pred.shape)}`,
      );
    }
    const run = { op, mode: "sklearn", probs: pred, target, classAxis: 1, binaryColumn } as const;
    out = runProbCrossEntropy(ctx, { ...run, eps: kFloat32Epsilon, smoothing: 0, encoder: opts.encoder }, withGrad);
  } catch (error) {
    if (owned) target.destroy(); // a refused call leaves nothing behind
    throw error;
  }
  if (owned) {
    // The encoded labels are ours: they live as long as the outputs.
    const shared = new SharedBuffers([target.buffer]);
    out.loss.keepAliveUntilDestroyed(shared);
    out.grad?.keepAliveUntilDestroyed(shared);
  }
  return out;
}

/**
 * sklearn.metrics.log_loss: −mean log clip(p[i, yTrue[i]]), labels sorted into class order.
 * @op
 */
export function logLoss(ctx: XentContext, yTrue: LogLossLabels, yPred: Tensor, options?: LogLossOptions): Tensor<"f32"> {
  return sklearnLogLoss(ctx, "logLoss", yTrue, yPred, options, false).loss;
}

/**
 * logLoss and d/d(yPred): −1 / (N·clip(p_t)) at each row's class where the clip passes p_t, 0 elsewhere.
 * @op
 */
export function logLossWithGrad(ctx: XentContext, yTrue: LogLossLabels, yPred: Tensor, options?: LogLossOptions): LossAndGrad {
  return withGradOf(sklearnLogLoss(ctx, "logLossWithGrad", yTrue, yPred, options, true));
}

/** The Keras-named losses, bound to one Xent: `xent.keras.categoricalCrossentropy(yTrue, yPred)`. */
export interface KerasLosses {
  categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options?: KerasOptions): Tensor<"f32">;
  sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options?: SparseKerasOptions): Tensor<"f32">;
  binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options?: KerasOptions): Tensor<"f32">;
  /** The loss and d(loss)/d(yPred) as TensorFlow computes it (renormalisation and clip included). */
  categoricalCrossentropyWithGrad(yTrue: Tensor, yPred: Tensor, options?: KerasOptions): LossAndGrad;
  /** The loss and d(loss)/d(yPred) as TensorFlow computes it (renormalisation and clip included). */
  sparseCategoricalCrossentropyWithGrad(yTrue: Tensor, yPred: Tensor, options?: SparseKerasOptions): LossAndGrad;
  /** The loss and d(loss)/d(yPred) as TensorFlow computes it (the clip's zero gradient included). */
  binaryCrossentropyWithGrad(yTrue: Tensor, yPred: Tensor, options?: KerasOptions): LossAndGrad;
}

export function kerasLosses(ctx: XentContext): KerasLosses {
  return {
    categoricalCrossentropy: (yTrue, yPred, options) => categoricalCrossentropy(ctx, yTrue, yPred, options),
    sparseCategoricalCrossentropy: (yTrue, yPred, options) => sparseCategoricalCrossentropy(ctx, yTrue, yPred, options),
    binaryCrossentropy: (yTrue, yPred, options) => binaryCrossentropy(ctx, yTrue, yPred, options),
    categoricalCrossentropyWithGrad: (yTrue, yPred, options) => categoricalCrossentropyWithGrad(ctx, yTrue, yPred, options),
    sparseCategoricalCrossentropyWithGrad: (yTrue, yPred, options) => sparseCategoricalCrossentropyWithGrad(ctx, yTrue, yPred, options),
    binaryCrossentropyWithGrad: (yTrue, yPred, options) => binaryCrossentropyWithGrad(ctx, yTrue, yPred, options),
  };
}
