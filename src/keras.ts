/**
 * Keras 3 (TensorFlow backend) and scikit-learn named losses, the names the tutorials use.
 * Each returns the batch mean as a scalar tensor, computed on the GPU.
 */
import { checkTensor, type RecordOptions, type XentContext } from "./context.js";
import { defineKernel } from "./kernel-descriptor.js";
import { bindSlice, planBindingSlices } from "./binding-slices.js";
import { LabelCheck } from "./label-check.js";
import { crossEntropy } from "./ops/cross-entropy.js";
import {
  checkEncoder,
  checkOpOptions,
  optionalDim,
  optionalFlag,
  checkUnitInterval,
  type CheckedOptions,
  type OptionChecksFor,
} from "./option-checks.js";
import { runLoss } from "./ops/loss-reduction.js";
import { defineElementwiseLoss, runElementwiseLoss } from "./ops/elementwise-loss.js";
import kerasCrossEntropyWgsl from "../shaders/keras-cross-entropy.wgsl?raw";
import kerasBinaryCrossentropyWgsl from "../shaders/keras-binary-crossentropy.wgsl?raw";
import { describe, formatShape, normalizeDim, rowView, sameShape } from "./shape.js";
import { SharedBuffers, type Tensor } from "./tensor.js";

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
  },
  bindings: {
    p: { type: "array<f32>", access: "read" },
    targets: { type: "array<u32>", access: "read", doc: "Class indices, or (categorical) f32 probabilities as bits." },
    loss: { type: "array<f32>", access: "read_write" },
    status: { type: "array<atomic<u32>>", access: "read_write", optional: true, doc: "First bad label position (class indices)." },
  },
  overrides: {
    WG: { kind: "u32", default: 64 },
    MODE: { kind: "enum", values: ["keras-categorical", "keras-sparse", "sklearn"] satisfies ProbMode[] },
    BINARY_COLUMN: { kind: "bool", doc: "One probability per row (of class 1 of two)." },
  },
});

export const kKerasBinaryCrossentropyKernel = defineElementwiseLoss("keras-binary-crossentropy", kerasBinaryCrossentropyWgsl, {
  FROM_LOGITS: { kind: "bool" },
});

function runProbCrossEntropy(
  ctx: XentContext,
  op: string,
  mode: ProbMode,
  probs: Tensor,
  target: Tensor,
  classAxis: number,
  binaryColumn: boolean,
  eps: number,
  smoothing: number,
  encoder: GPUCommandEncoder | undefined,
): Tensor<"f32"> {
  const view = binaryColumn ? { outer: probs.size, classes: 2, inner: 1, rows: probs.size } : rowView(probs.shape, classAxis);
  // Larger than one binding: slices of whole row blocks of the data (one value per row for a binary column).
  const dataView = binaryColumn ? { ...view, classes: 1 } : view;
  const slices = planBindingSlices(
    dataView,
    4,
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    probs.buffer.size,
    `${op}: yPred`,
  );
  const check = mode === "keras-categorical" ? undefined : new LabelCheck(ctx.device, op, target, view.classes, undefined, !encoder);
  return runLoss(ctx, {
    op,
    encoder,
    reduction: "mean",
    shape: [],
    count: view.rows,
    mean: "mean-by-count",
    labels: check ? { target, check } : undefined,
    inputs: [probs, target],
    record: (rec, loss) => {
      for (const slice of slices) {
        const range = (buffer: GPUBuffer): GPUBuffer | GPUBufferBinding => bindSlice(buffer, slices.length > 1 ? slice : undefined);
        rec.dispatch(kKerasCrossEntropyKernel, {
          constants: { WG: 64, MODE: mode, BINARY_COLUMN: binaryColumn },
          uniforms: {
            rows: slice.rows,
            classes: view.classes,
            inner: view.inner,
            eps,
            smoothing,
            x_offset: slice.elementOffset,
            row_offset: slice.firstRow,
          },
          // Probability targets (categorical) share the predictions' layout, so their slice too.
          bindings: {
            p: range(probs.buffer),
            targets: mode === "keras-categorical" ? range(target.buffer) : target.buffer,
            loss,
            ...(check ? { status: check.buffer } : {}),
          },
          workgroups: Math.ceil(slice.rows / 64),
        });
      }
    },
  });
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

/**
 * keras.losses.categorical_crossentropy, batch mean. Probabilities: q = clip(p / Σp, 1e-7, 1 − 1e-7),
 * ℓ = −Σ y·log q; logits: softmax cross-entropy. Targets are smoothed to (1 − ε)·y + ε/C.
 */
export function categoricalCrossentropy(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: KerasOptions): Tensor<"f32"> {
  const op = "keras.categoricalCrossentropy";
  const a = kerasArgs(op, options, kKerasOptionChecks);
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const y = checkTensor(ctx, yTrue, `${op}: yTrue`, ["f32"]);
  if (!sameShape(y.shape, pred.shape))
    throw new RangeError(`${op}: yTrue: expected the yPred shape ${formatShape(pred.shape)}, got ${formatShape(y.shape)}`);
  if (pred.shape.length === 0) throw new RangeError(`${op}: yPred: expected rank >= 1, got a scalar`);
  const axis = normalizeDim(a.axis, pred.shape.length, `${op}: axis`);
  if (a.fromLogits)
    return crossEntropy(ctx, pred, y, {
      dim: axis,
      labelSmoothing: a.smoothing,
      reduction: "mean",
      ...(a.encoder ? { encoder: a.encoder } : {}),
    });
  return runProbCrossEntropy(ctx, op, "keras-categorical", pred, y, axis, false, kKerasEpsilon, a.smoothing, a.encoder);
}

/**
 * keras.losses.sparse_categorical_crossentropy, batch mean, integer class targets. Probabilities:
 * ℓ = log Σ clip(p) − log clip(p_t) (Keras takes softmax of log clip(p)); logits: softmax cross-entropy.
 */
export function sparseCategoricalCrossentropy(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: SparseKerasOptions) {
  const op = "keras.sparseCategoricalCrossentropy";
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
    return crossEntropy(
      ctx,
      pred,
      y,
      { dim: axis, reduction: "mean", ...(a.encoder ? { encoder: a.encoder } : {}) },
      { ignoreNothing: true },
    );
  return runProbCrossEntropy(ctx, op, "keras-sparse", pred, y, axis, false, kKerasEpsilon, 0, a.encoder);
}

/**
 * keras.losses.binary_crossentropy: mean over the last axis, then over the batch (= the mean of
 * every element). Probabilities clipped to [1e-7, 1 − 1e-7]; logits: max(x, 0) − x·y + log1p(e^−|x|).
 * Targets are smoothed to (1 − ε)·y + ε/2.
 */
export function binaryCrossentropy(ctx: XentContext, yTrue: unknown, yPred: unknown, options?: KerasOptions): Tensor<"f32"> {
  const op = "keras.binaryCrossentropy";
  const a = kerasArgs(op, options, kKerasOptionChecks);
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const y = checkTensor(ctx, yTrue, `${op}: yTrue`, ["f32"]);
  if (!sameShape(y.shape, pred.shape))
    throw new RangeError(`${op}: yTrue: expected the yPred shape ${formatShape(pred.shape)}, got ${formatShape(y.shape)}`);
  // Every row has the same length, so the mean of row means is the mean of all elements, whatever the axis.
  if (pred.shape.length > 0) normalizeDim(a.axis, pred.shape.length, `${op}: axis`);
  return runElementwiseLoss(ctx, {
    op,
    kernel: kKerasBinaryCrossentropyKernel,
    constants: { FROM_LOGITS: a.fromLogits },
    input: pred,
    target: y,
    reduction: "mean",
    encoder: a.encoder,
    eps: kKerasEpsilon,
    smoothing: a.smoothing,
  });
}

/** The class order scikit-learn uses: sorted distinct labels (numbers numerically, strings by code point). */
export function sortedLabels(labels: readonly (string | number)[]): (string | number)[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((l) => typeof l === "number");
  return distinct.sort(
    numeric ? (a, b) => (a as number) - (b as number) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0),
  );
}

/**
 * sklearn.metrics.log_loss: −mean log clip(p[i, class of yTrue[i]], ε, 1 − ε), ε = float32 epsilon.
 * Labels (strings or numbers) map to classes in sorted order; yPred is [N, C] probabilities, or
 * [N] (or [N, 1]) probabilities of the positive class when there are two classes.
 */
export function logLoss(ctx: XentContext, yTrue: readonly (string | number)[], yPred: unknown, options?: LogLossOptions): Tensor<"f32"> {
  const op = "logLoss";
  const opts = checkOpOptions(options, op, kLogLossOptionChecks);
  if (!Array.isArray(yTrue) || yTrue.some((l) => typeof l !== "string" && typeof l !== "number")) {
    throw new TypeError(`${op}: yTrue: expected an array of string or number labels, got ${describe(yTrue)}`);
  }
  const pred = checkTensor(ctx, yPred, `${op}: yPred`, ["f32"]);
  const classes = sortedLabels(opts.labels ?? yTrue);
  const index = new Map(classes.map((l, i) => [l, i]));
  const encoded = Int32Array.from(yTrue, (l: string | number, i) => {
    const c = index.get(l);
    if (c === undefined) throw new RangeError(`${op}: yTrue[${i}] = ${JSON.stringify(l)} is not one of labels ${JSON.stringify(classes)}`);
    return c;
  });
  if (classes.length < 2)
    throw new RangeError(`${op}: yTrue: needs at least 2 classes (got ${JSON.stringify(classes)}); pass labels to name them`);
  const n = yTrue.length;
  const binaryColumn = pred.shape.length === 1 || (pred.shape.length === 2 && pred.shape[1] === 1 && classes.length === 2);
  const expected = binaryColumn ? [n] : [n, classes.length];
  if (binaryColumn ? pred.size !== n || classes.length !== 2 : !sameShape(pred.shape, expected)) {
    throw new RangeError(
      `${op}: yPred: expected shape ${formatShape(binaryColumn && classes.length === 2 ? [n] : [n, classes.length])} for ${n} labels of ${classes.length} classes, got ${formatShape(pred.shape)}`,
    );
  }
  const encoder = opts.encoder;
  const target = ctx.upload(encoded, [n]);
  let out: Tensor<"f32">;
  try {
    out = runProbCrossEntropy(ctx, op, "sklearn", pred, target, 1, binaryColumn, kFloat32Epsilon, 0, encoder);
  } catch (error) {
    target.destroy(); // a refused call leaves nothing behind
    throw error;
  }
  // The encoded labels are ours: they live as long as the loss.
  out.keepAliveUntilDestroyed(new SharedBuffers([target.buffer]));
  return out;
}

/** The Keras-named losses, bound to one Xent: `xent.keras.categoricalCrossentropy(yTrue, yPred)`. */
export interface KerasLosses {
  categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options?: KerasOptions): Tensor<"f32">;
  sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options?: SparseKerasOptions): Tensor<"f32">;
  binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options?: KerasOptions): Tensor<"f32">;
}

export function kerasLosses(ctx: XentContext): KerasLosses {
  return {
    categoricalCrossentropy: (yTrue, yPred, options) => categoricalCrossentropy(ctx, yTrue, yPred, options),
    sparseCategoricalCrossentropy: (yTrue, yPred, options) => sparseCategoricalCrossentropy(ctx, yTrue, yPred, options),
    binaryCrossentropy: (yTrue, yPred, options) => binaryCrossentropy(ctx, yTrue, yPred, options),
  };
}
