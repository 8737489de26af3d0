/**
 * webgpu-xent/tfjs: the losses on tf.Tensors of TF.js's webgpu backend, on its own GPUDevice,
 * with custom gradients (model.compile / model.fit, tf.grad, tf.variableGrads,
 * optimizer.minimize). TF.js is an optional peer: this entry takes your `tf` and never imports it.
 *
 * Data paths: inputs are read in place (the backend's buffer of each tensor, uploaded first if it
 * still lives on the CPU: no copy); the loss and the gradient come back as TF.js tensors by one
 * GPU→GPU copy each into a buffer TF.js allocates for them (TF.js adopts a foreign buffer only as
 * `zeroCopy`, leaving its lifetime to the caller), after which ours are freed.
 */
import type * as TF from "@tensorflow/tfjs-core";
import { Xent } from "../xent.js";
import type { Tensor } from "../tensor.js";
import type { LossAndGrad } from "../ops/loss-reduction.js";
import type { CrossEntropyOptions, NllLossOptions } from "../ops/cross-entropy.js";
import type { BinaryCrossEntropyOptions } from "../ops/binary-cross-entropy.js";
import type { EntropyOptions } from "../ops/entropy.js";
import type { BinaryCrossEntropyWithLogitsOptions } from "../ops/binary-cross-entropy-with-logits.js";
import type { KlDivOptions } from "../ops/kl-div.js";
import type { KerasOptions, SparseKerasOptions } from "../keras.js";
import type { LinearCrossEntropyWithGradOptions } from "../ops/linear-cross-entropy.js";
import type { SampleOptions, SampleResult } from "../ops/sample.js";
import type { EvaluateOptions, EvaluationResult } from "../ops/evaluate.js";

/** The `tf` namespace of @tensorflow/tfjs-core (or @tensorflow/tfjs). */
export type Tf = typeof TF;

/** The members of TF.js's WebGPUBackend this adapter uses (all public in its typings). */
interface WebGPUBackendLike {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource?: unknown } | undefined };
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  makeTensorInfo(shape: number[], dtype: TF.DataType): TF.TensorInfo;
}

/** Tensor options of the losses as tf.Tensors (class weights, posWeight). */
type WithTfTensors<O> = { [K in keyof O]: O[K] extends Tensor | undefined ? TF.Tensor | undefined : O[K] };

export type TfCrossEntropyOptions = WithTfTensors<Omit<CrossEntropyOptions, "encoder">>;
export type TfBinaryCrossEntropyWithLogitsOptions = WithTfTensors<Omit<BinaryCrossEntropyWithLogitsOptions, "encoder">>;
export type TfSampleOptions = WithTfTensors<Omit<SampleOptions, "encoder">>;
/** xent.sample's result as tf.Tensors (dispose them as any). */
export interface TfSampleResult {
  tokens: TF.Tensor;
  logprob?: TF.Tensor;
  topLogprobs?: { values: TF.Tensor; indices: TF.Tensor };
}
export type TfEvaluateOptions = WithTfTensors<Omit<EvaluateOptions, "dim">>;
/** An evaluator over TF.js batches (see xent.evaluator). */
export interface TfEvaluator {
  add(logits: TF.Tensor, target: TF.Tensor): void;
  read(): Promise<EvaluationResult>;
  reset(): void;
  destroy(): void;
}
export type TfKlDivOptions = Omit<KlDivOptions, "encoder">;
export type TfNllLossOptions = WithTfTensors<Omit<NllLossOptions, "encoder">>;
export type TfBinaryCrossEntropyOptions = WithTfTensors<Omit<BinaryCrossEntropyOptions, "encoder">>;
export type TfEntropyOptions = Omit<EntropyOptions, "encoder">;
export type TfKerasOptions = Omit<KerasOptions, "encoder">;
export type TfSparseKerasOptions = Omit<SparseKerasOptions, "encoder">;
/** linearCrossEntropy's options with bias and class weights as tf.Tensors; 'mean' or 'sum' (see TfLosses.linearCrossEntropy). */
export type TfLinearCrossEntropyOptions = WithTfTensors<Omit<LinearCrossEntropyWithGradOptions, "encoder" | "reduction">> & {
  reduction?: "mean" | "sum";
};

/** What `compile` needs of a tf.LayersModel (tf.sequential(), tf.model()). */
export interface LayersModelLike {
  // Any compile signature (tf.LayersModel's takes ModelCompileArgs).
  compile(args: never): void;
  lossFunctions?: unknown[];
}

export type KerasLossName = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "binaryCrossentropy";

/** model.compile's arguments with one of our Keras-named losses and its options. */
export interface TfCompileArgs extends TfKerasOptions {
  optimizer: unknown;
  loss: KerasLossName;
  metrics?: unknown;
}

/** The losses, bound to TF.js's device; each returns a TF.js tensor with a custom gradient. */
export interface TfLosses {
  /** The Xent on TF.js's device (for the other ops, and `xent.stats()`). */
  readonly xent: Xent;
  /**
   * PyTorch's cross_entropy with every crossEntropy option (class dim last): `target` int32 class
   * indices [N] (float class ids, e.g. model.fit's [N, 1], are cast), or probabilities shaped like
   * the logits. Gradient w.r.t. the logits.
   */
  crossEntropy(logits: TF.Tensor, target: TF.Tensor, options?: TfCrossEntropyOptions): TF.Tensor;
  /** PyTorch's binary_cross_entropy_with_logits (weight, posWeight, reduction). */
  binaryCrossEntropyWithLogits(logits: TF.Tensor, target: TF.Tensor, options?: TfBinaryCrossEntropyWithLogitsOptions): TF.Tensor;
  /** PyTorch's kl_div(input = log q, target). */
  klDiv(input: TF.Tensor, target: TF.Tensor, options?: TfKlDivOptions): TF.Tensor;
  /** PyTorch's nll_loss on log-probabilities (class dim last), class ids as for crossEntropy. */
  nllLoss(logProbs: TF.Tensor, target: TF.Tensor, options?: TfNllLossOptions): TF.Tensor;
  /** PyTorch's binary_cross_entropy on probabilities (weight as a tf.Tensor). */
  binaryCrossEntropy(probs: TF.Tensor, target: TF.Tensor, options?: TfBinaryCrossEntropyOptions): TF.Tensor;
  /** Shannon entropy per row (fromLogits: of softmax(x), the policy-gradient bonus); gradient w.r.t. x. */
  entropy(x: TF.Tensor, options?: TfEntropyOptions): TF.Tensor;
  /** scikit-learn's log_loss with class ids (int32 or float) [N] and probabilities [N, C]. */
  logLoss(yTrue: TF.Tensor, yPred: TF.Tensor): TF.Tensor;
  /**
   * cross_entropy(hidden · classifierᵀ + bias, target) without the [N, V] logits (xent.linearCrossEntropy):
   * hidden [N, H], classifier [V, H] (a tf.layers.dense kernel is [H, V]: pass its transpose, or
   * keep the weights as a [V, H] variable), `bias` [V]; gradients w.r.t. hidden, classifier and
   * bias. 'mean' (default) or 'sum': with 'none' an upstream gradient per row would reweight the
   * classifier's gradient row by row, which the fused kernel does not take.
   */
  linearCrossEntropy(hidden: TF.Tensor, classifier: TF.Tensor, target: TF.Tensor, options?: TfLinearCrossEntropyOptions): TF.Tensor;
  /** Keras' categorical_crossentropy (yTrue, yPred): a `loss` for model.compile. */
  categoricalCrossentropy(yTrue: TF.Tensor, yPred: TF.Tensor, options?: TfKerasOptions): TF.Tensor;
  /** Keras' sparse_categorical_crossentropy (yTrue class ids, any numeric dtype; yPred). */
  sparseCategoricalCrossentropy(yTrue: TF.Tensor, yPred: TF.Tensor, options?: TfSparseKerasOptions): TF.Tensor;
  /** Keras' binary_crossentropy (yTrue, yPred). */
  binaryCrossentropy(yTrue: TF.Tensor, yPred: TF.Tensor, options?: TfKerasOptions): TF.Tensor;
  /**
   * The LLM sampler (xent.sample) on TF.js logits [N, V] or [V] (float32), with `history` (int32)
   * and `allowed` (int32 bit patterns of the u32 mask words) and `logitBias` as tf.Tensors: int32
   * tokens [N], and with `logprobs` their log-probabilities and the top alternatives. The logits
   * are read where TF.js keeps them; a row that cannot be sampled (NaN, nothing allowed) gives
   * token −1 and makes check() reject.
   */
  sample(logits: TF.Tensor, options?: TfSampleOptions): TfSampleResult;
  /**
   * xent.evaluator on TF.js tensors (class dim last; class ids int32 or float, as crossEntropy's):
   * `add(logits, target)` per batch without a sync, `await read()` once for loss, perplexity,
   * accuracy, top-k, confidence, ECE and the confusion metrics. A `weight` tensor must outlive it.
   */
  evaluator(options?: TfEvaluateOptions): TfEvaluator;
  /**
   * `model.compile` with our Keras-named loss. TF.js layers checks the targets' shape by the loss
   * function's identity (only its own sparseCategoricalCrossentropy takes class ids [N, 1]), so this
   * compiles with TF.js's loss of that name — its target rules — and then computes ours in its place.
   */
  compile(model: LayersModelLike, args: TfCompileArgs): void;
  /**
   * Resolves when every loss computed since the last check had valid labels; rejects with the
   * first one's RangeError (a bad class index: the loss itself is NaN on the GPU).
   */
  check(): Promise<void>;
}

/**
 * The losses on tf.Tensors of TF.js's active webgpu backend (`await tf.setBackend("webgpu")`
 * first), sharing its GPUDevice.
 */
export function tfLosses(tf: Tf): TfLosses {
  const backend = tf.backend() as unknown as Partial<WebGPUBackendLike>;
  if (tf.getBackend() !== "webgpu" || !backend.device || typeof backend.uploadToGPU !== "function" || !backend.tensorMap)
    throw new TypeError(`webgpu-xent/tfjs: needs TF.js's webgpu backend (await tf.setBackend("webgpu")), got "${tf.getBackend()}"`);
  const b = backend as WebGPUBackendLike;
  const xent = Xent.fromDevice(b.device);
  // Loss status checks in flight, and the first failure they found with a count of the rest (until
  // check() reports them): bounded, however many steps run between checks.
  const inFlight = new Set<Promise<void>>();
  let firstFailure: Error | undefined;
  let moreFailures = 0;
  const fail = (error: unknown): void => {
    if (firstFailure) moreFailures++;
    else firstFailure = error instanceof Error ? error : new Error(String(error));
  };

  /** TF.js's recorded work (that made our inputs, or uploaded them) goes to the queue before ours. */
  const flush = (): void => {
    b.ensureCommandEncoderReady();
    b.endComputePassEncoder();
    b.submitQueue();
  };

  /** A view of a tf.Tensor's GPU buffer (uploaded first if it is still on the CPU). */
  const view = (t: TF.Tensor, what: string): Tensor => {
    const dtype = t.dtype === "float32" ? "f32" : t.dtype === "int32" ? "i32" : undefined;
    if (!dtype) throw new TypeError(`webgpu-xent/tfjs: ${what}: expected a float32 or int32 tensor, got ${t.dtype}`);
    // An empty tensor's GPU buffer is 0 bytes, which no binding takes: an empty tensor of ours instead.
    if (t.size === 0) return dtype === "f32" ? xent.tensor(new Float32Array(0), t.shape) : xent.tensor(new Int32Array(0), t.shape);
    b.uploadToGPU(t.dataId);
    const buffer = b.tensorMap.get(t.dataId)?.resource as GPUBuffer | undefined;
    if (!buffer || typeof buffer.mapAsync !== "function") throw new TypeError(`webgpu-xent/tfjs: ${what}: the tensor has no GPU buffer`);
    return xent.wrap(buffer, t.shape, dtype);
  };

  /**
   * Ours as a TF.js tensor: copied into a buffer TF.js allocates for the shape (its own, exactly
   * sized: ours are padded to 16 bytes), then ours is freed — a loss once its status words (its
   * label checks) have come back, for check().
   */
  const toTf = (x: Tensor<"f32"> | Tensor<"i32">, checked: boolean): TF.Tensor => {
    const dtype = x.dtype === "i32" ? "int32" : "float32";
    if (x.size === 0) {
      x.destroy();
      return tf.zeros([...x.shape], dtype);
    }
    const info = b.makeTensorInfo([...x.shape], dtype);
    b.uploadToGPU(info.dataId);
    const target = b.tensorMap.get(info.dataId)?.resource as GPUBuffer;
    const encoder = b.device.createCommandEncoder({ label: "webgpu-xent/tfjs" });
    encoder.copyBufferToBuffer(x.buffer, 0, target, 0, x.size * 4);
    b.device.queue.submit([encoder.finish()]);
    const out = tf.engine().makeTensorFromTensorInfo(info);
    if (!checked) {
      x.destroy();
      return out;
    }
    const done = x.validate().then(
      () => undefined,
      (error: unknown) => fail(error),
    );
    inFlight.add(done);
    void done.finally(() => {
      inFlight.delete(done);
      x.destroy();
    });
    return out;
  };

  /**
   * `run` on views of the inputs (and of the tensor options, e.g. class weights, under their own
   * names) gives our loss and gradient w.r.t. the first input; the result is a TF.js loss whose
   * gradient is that one times dy (per row for a per-position loss). The views go after `run`.
   */
  const lossOf = <O extends Record<string, TF.Tensor | undefined>>(
    inputs: TF.Tensor[],
    names: string[],
    run: (views: Tensor[], options: { [K in keyof O]?: Tensor }) => LossAndGrad,
    tensorOptions: O = {} as O,
  ): TF.Tensor => {
    const [first, ...rest] = inputs as [TF.Tensor, ...TF.Tensor[]];
    const loss = tf.customGrad((...args: (TF.Tensor | TF.GradSaveFunc)[]) => {
      const [x, save] = args as [TF.Tensor, TF.GradSaveFunc];
      const views = [x, ...rest].map((t, i) => view(t, names[i] ?? "input"));
      const optionViews = Object.entries(tensorOptions).flatMap(([k, t]) => (t ? [[k, view(t, k)] as const] : []));
      // After the views: an upload may have recorded a staging copy into TF.js's encoder.
      flush();
      let result: LossAndGrad;
      try {
        result = run(views, Object.fromEntries(optionViews) as { [K in keyof O]?: Tensor });
      } finally {
        for (const v of [...views, ...optionViews.map(([, v]) => v)]) v.destroy();
      }
      const value = toTf(result.loss, true);
      const grad = toTf(result.grad, false);
      save([grad]);
      return {
        value,
        gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
          const g = saved[0] as TF.Tensor;
          // A per-position loss: dy has the positions' shape, broadcast over the class dim.
          return tf.mul(g, dy.rank === 0 || dy.rank === g.rank ? dy : tf.expandDims(dy, -1));
        },
      };
    });
    return loss(first);
  };

  /**
   * `loss` of class ids as int32 [rows…] from any numeric tensor (model.fit passes float32
   * [N, 1]); a cast made here is disposed once our kernels that read it are submitted.
   */
  const withClassIds = (t: TF.Tensor, rows: number[], loss: (ids: TF.Tensor) => TF.Tensor, ignoreIndex?: number): TF.Tensor => {
    const ids = t.dtype === "int32" ? (t.shape.length === rows.length ? t : tf.reshape(t, rows)) : floatIds(t, rows, ignoreIndex);
    try {
      return loss(ids);
    } finally {
      if (ids !== t) ids.dispose();
    }
  };
  /**
   * Float class ids as int32, on the GPU: TF.js's cast makes NaN and ±Infinity class 0, a finite
   * loss; here they become a label no op accepts (−2³¹, or −2³¹ + 1 where that is the
   * ignoreIndex), so the loss is NaN and check() rejects with a RangeError, as for an int32 bad label.
   */
  const floatIds = (t: TF.Tensor, rows: number[], ignoreIndex: number | undefined): TF.Tensor =>
    tf.tidy(() => {
      const f = tf.reshape(t, rows);
      const bad = ignoreIndex === -0x80000000 ? -0x7fffffff : -0x80000000;
      return tf.where(tf.isFinite(f), tf.cast(f, "int32"), tf.fill(rows, bad, "int32"));
    });
  const positions = (x: TF.Tensor): number[] => x.shape.slice(0, -1);
  const reductionOf = (r: TfBinaryCrossEntropyOptions["reduction"]) => (r ? { reduction: r } : {});

  return {
    xent,
    crossEntropy: (logits, target, options = {}) => {
      const { weight, ...rest } = options;
      const loss = (t: TF.Tensor): TF.Tensor =>
        lossOf(
          [logits, t],
          ["logits", "target"],
          ([x, y], w) => xent.crossEntropyWithGrad(x as Tensor, y as Tensor, { ...rest, dim: -1, ...w }),
          { weight },
        );
      // Probabilities are shaped like the logits; anything else is class ids.
      const prob = target.shape.length === logits.shape.length && target.shape[target.rank - 1] === logits.shape[logits.rank - 1];
      return prob ? loss(target) : withClassIds(target, positions(logits), loss, rest.ignoreIndex);
    },
    linearCrossEntropy: (hidden, classifier, target, options = {}) => {
      const { weight, bias, ...rest } = options;
      if ((rest.reduction as string | undefined) === "none")
        throw new RangeError(
          "webgpu-xent/tfjs: linearCrossEntropy: reduction 'none' is not supported (an upstream gradient per row would reweight the classifier's gradient row by row); use 'mean' or 'sum'",
        );
      return withClassIds(
        target,
        hidden.shape.slice(0, 1),
        (ids) => {
          const loss = tf.customGrad((...args: (TF.Tensor | TF.GradSaveFunc)[]) => {
            const save = args.pop() as TF.GradSaveFunc;
            const [x, w, b] = (args as TF.Tensor[]).map((t, i) => view(t, ["hidden", "classifier", "bias"][i] as string));
            const t = view(ids, "target");
            const classWeights = weight ? view(weight, "weight") : undefined;
            flush();
            let r;
            try {
              r = xent.linearCrossEntropyWithGrad(x as Tensor, w as Tensor, t, {
                ...rest,
                ...(b ? { bias: b } : {}),
                ...(classWeights ? { weight: classWeights } : {}),
              });
            } finally {
              for (const v of [x, w, b, t, classWeights]) v?.destroy();
            }
            const value = toTf(r.loss, true);
            const grads = [toTf(r.gradHidden, false), toTf(r.gradClassifier, false), ...(r.gradBias ? [toTf(r.gradBias, false)] : [])];
            save(grads);
            // A scalar loss: dy scales every gradient.
            return { value, gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => saved.map((g) => tf.mul(g, dy)) };
          });
          return bias ? loss(hidden, classifier, bias) : loss(hidden, classifier);
        },
        rest.ignoreIndex,
      );
    },
    binaryCrossEntropyWithLogits: (logits, target, { weight, posWeight, reduction } = {}) =>
      lossOf(
        [logits, target],
        ["logits", "target"],
        ([x, y], w) => xent.binaryCrossEntropyWithLogitsWithGrad(x as Tensor, y as Tensor, { ...reductionOf(reduction), ...w }),
        { weight, posWeight },
      ),
    klDiv: (input, target, options = {}) =>
      lossOf([input, target], ["input", "target"], ([x, y]) => xent.klDivWithGrad(x as Tensor, y as Tensor, options)),
    nllLoss: (logProbs, target, options = {}) => {
      const { weight, ...rest } = options;
      return withClassIds(
        target,
        positions(logProbs),
        (ids) =>
          lossOf(
            [logProbs, ids],
            ["logProbs", "target"],
            ([x, t], w) => xent.nllLossWithGrad(x as Tensor, t as Tensor, { ...rest, dim: -1, ...w }),
            { weight },
          ),
        rest.ignoreIndex,
      );
    },
    binaryCrossEntropy: (probs, target, { weight, reduction } = {}) =>
      lossOf(
        [probs, target],
        ["probs", "target"],
        ([p, y], w) => xent.binaryCrossEntropyWithGrad(p as Tensor, y as Tensor, { ...reductionOf(reduction), ...w }),
        { weight },
      ),
    entropy: (x, options = {}) => lossOf([x], ["x"], ([v]) => xent.entropyWithGrad(v as Tensor, options)),
    logLoss: (yTrue, yPred) =>
      withClassIds(yTrue, positions(yPred), (ids) =>
        lossOf([yPred, ids], ["yPred", "yTrue"], ([p, y]) => xent.logLossWithGrad(y as Tensor, p as Tensor)),
      ),
    categoricalCrossentropy: (yTrue, yPred, options = {}) =>
      lossOf([yPred, yTrue], ["yPred", "yTrue"], ([p, y]) => xent.keras.categoricalCrossentropyWithGrad(y as Tensor, p as Tensor, options)),
    sparseCategoricalCrossentropy: (yTrue, yPred, options = {}) =>
      withClassIds(yTrue, positions(yPred), (ids) =>
        lossOf([yPred, ids], ["yPred", "yTrue"], ([p, y]) =>
          xent.keras.sparseCategoricalCrossentropyWithGrad(y as Tensor, p as Tensor, options),
        ),
      ),
    binaryCrossentropy: (yTrue, yPred, options = {}) =>
      lossOf([yPred, yTrue], ["yPred", "yTrue"], ([p, y]) => xent.keras.binaryCrossentropyWithGrad(y as Tensor, p as Tensor, options)),
    sample: (logits, options = {}) => {
      const { history, logitBias, allowed, ...rest } = options;
      const x = view(logits, "logits");
      const tensors = { history, logitBias, allowed };
      const views = Object.fromEntries(Object.entries(tensors).flatMap(([k, t]) => (t ? [[k, view(t, k)] as const] : [])));
      flush();
      let r: SampleResult;
      try {
        r = xent.sample(x, { ...rest, ...views });
      } finally {
        for (const v of [x, ...Object.values(views)]) v.destroy();
      }
      return {
        tokens: toTf(r.tokens, true),
        ...(r.logprob ? { logprob: toTf(r.logprob, false) } : {}),
        ...(r.topLogprobs
          ? { topLogprobs: { values: toTf(r.topLogprobs.values, false), indices: toTf(r.topLogprobs.indices, false) } }
          : {}),
      };
    },
    evaluator: (options = {}) => {
      const { weight, ...rest } = options;
      const weightView = weight ? view(weight, "weight") : undefined;
      const ev = xent.evaluator({ ...rest, dim: -1, ...(weightView ? { weight: weightView } : {}) });
      return {
        add: (logits, target) => {
          const rows = positions(logits);
          // int32 ids as given ([N, 1] reshaped), float ids cast on the GPU (NaN and ±Infinity bad labels).
          const ids =
            target.dtype === "int32"
              ? target.shape.length === rows.length
                ? target
                : tf.reshape(target, rows)
              : floatIds(target, rows, rest.ignoreIndex);
          const views = [view(logits, "logits"), view(ids, "target")];
          flush();
          try {
            ev.add(views[0] as Tensor, views[1] as Tensor);
          } finally {
            for (const v of views) v.destroy();
            if (ids !== target) ids.dispose();
          }
        },
        read: () => ev.read(),
        reset: () => ev.reset(),
        destroy: () => {
          ev.destroy();
          weightView?.destroy();
        },
      };
    },
    compile(model, { optimizer, loss, metrics, ...options }) {
      const compile = model.compile.bind(model) as (args: object) => void;
      compile({ optimizer, loss, ...(metrics === undefined ? {} : { metrics }) });
      const { labelSmoothing, ...sparseOptions } = options;
      const ours =
        loss === "sparseCategoricalCrossentropy"
          ? (yTrue: TF.Tensor, yPred: TF.Tensor) => this.sparseCategoricalCrossentropy(yTrue, yPred, sparseOptions)
          : (yTrue: TF.Tensor, yPred: TF.Tensor) =>
              this[loss](yTrue, yPred, { ...sparseOptions, ...(labelSmoothing === undefined ? {} : { labelSmoothing }) });
      // tf.Sequential keeps its loss functions in its inner (private) model.
      const compiled = model.lossFunctions ? model : (model as unknown as { model?: { lossFunctions?: unknown[] } }).model;
      if (!compiled?.lossFunctions)
        throw new TypeError("webgpu-xent/tfjs: compile: expected a tf.LayersModel (tf.sequential() or tf.model())");
      compiled.lossFunctions = compiled.lossFunctions.map(() => ours);
    },
    check: async () => {
      await Promise.all([...inFlight]);
      const [first, more] = [firstFailure, moreFailures];
      firstFailure = undefined;
      moreFailures = 0;
      if (first === undefined) return;
      if (more === 0) throw first;
      // The first error, its type kept, naming how many more losses failed since the last check.
      const error = new (first.constructor as ErrorConstructor)(`${first.message} (and ${more} more losses since the last check)`);
      throw Object.assign(error, { cause: first });
    },
  };
}
