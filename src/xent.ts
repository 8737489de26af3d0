/** The entry point: one Xent per GPUDevice; makes tensors and runs the ops. */
import type { MemoryStats } from "./gpu-memory.js";
import type { DType, HalfDType, TypedArrayOf } from "./dtype.js";
import { requestXentDevice, type CreateOptions } from "./gpu-device.js";
import { kerasLosses, type KerasLosses } from "./keras.js";
// @generated imports: by npm run generate (scripts/generate-api.ts); do not edit by hand
import type { RecordOptions } from "./context.js";
import { logLoss, logLossWithGrad, type LogLossLabels, type LogLossOptions } from "./keras.js";
import { argmax, type ArgmaxOptions } from "./ops/argmax.js";
import { binaryCrossEntropy, binaryCrossEntropyWithGrad, type BinaryCrossEntropyOptions } from "./ops/binary-cross-entropy.js";
import {
  binaryCrossEntropyWithLogits,
  binaryCrossEntropyWithLogitsWithGrad,
  type BinaryCrossEntropyWithLogitsOptions,
} from "./ops/binary-cross-entropy-with-logits.js";
import {
  crossEntropy,
  crossEntropyWithGrad,
  nllLoss,
  nllLossWithGrad,
  type CrossEntropyOptions,
  type CrossEntropyWithGradOptions,
  type NllLossOptions,
} from "./ops/cross-entropy.js";
import { entropy, entropyWithGrad, type EntropyOptions } from "./ops/entropy.js";
import { evaluate, evaluator, type EvaluateOptions, type Evaluation, type Evaluator } from "./ops/evaluate.js";
import { jsDiv, jsDivWithGrad, type JsDivOptions } from "./ops/js-div.js";
import { klDiv, klDivWithGrad, type KlDivOptions } from "./ops/kl-div.js";
import {
  linearCrossEntropy,
  linearCrossEntropyWithGrad,
  type LinearCrossEntropyGrads,
  type LinearCrossEntropyOptions,
  type LinearCrossEntropyWithGradOptions,
} from "./ops/linear-cross-entropy.js";
import type { LossAndGrad } from "./ops/loss-reduction.js";
import { matmul, type MatmulOptions } from "./ops/matmul.js";
import { sample, type SampleOptions, type SampleResult } from "./ops/sample.js";
import { sigmoid, sigmoidBackward } from "./ops/sigmoid.js";
import { logSoftmax, softmax, type SoftmaxOptions } from "./ops/softmax.js";
import { logSoftmaxBackward, softmaxBackward, type SoftmaxBackwardOptions } from "./ops/softmax-backward.js";
import { topK, type TopKOptions } from "./ops/topk.js";
// @end generated
import { describe } from "./shape.js";
import { Tensor } from "./tensor.js";
import type { AdapterKind } from "./row-plan.js";
import { XentCore } from "./xent-core.js";

// Each Xent's internals, for the library's own modules and tests (never exported from index.ts).
const kCores = new WeakMap<Xent, XentCore>();

/** The internals behind an Xent (the context its ops run with). Not part of the public API. */
export function coreOf(xent: Xent): XentCore {
  const core = kCores.get(xent);
  if (!core) throw new TypeError("webgpu-xent: expected an Xent");
  return core;
}

export class Xent {
  readonly #core: XentCore;
  /** Keras 3 named losses (categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy), batch means. */
  readonly keras: KerasLosses;

  private constructor(core: XentCore) {
    this.#core = core;
    kCores.set(this, core);
    this.keras = kerasLosses(core);
  }

  /**
   * Requests a WebGPU adapter and device (navigator.gpu in browsers, the `webgpu` package in Node)
   * with the adapter's largest buffer limits and `subgroups` when offered.
   */
  static async create(options: CreateOptions = {}): Promise<Xent> {
    const { device } = await requestXentDevice(options);
    return new Xent(
      new XentCore(device, true, checkAdapterKind(options.adapterKind), options.useSubgroups !== false, options.maxBindingBytes),
    );
  }

  /** Shares a caller's device (TF.js, ONNX Runtime Web, your app). `destroy()` will not destroy it. */
  static fromDevice(device: GPUDevice, options: Pick<CreateOptions, "adapterKind" | "useSubgroups" | "maxBindingBytes"> = {}): Xent {
    if (!device || typeof device.createComputePipeline !== "function") {
      throw new TypeError(`Xent.fromDevice: expected a GPUDevice, got ${describe(device)}`);
    }
    return new Xent(
      new XentCore(device, false, checkAdapterKind(options.adapterKind), options.useSubgroups !== false, options.maxBindingBytes),
    );
  }

  /** The GPUDevice the ops run on (share it with your own pipelines). */
  get device(): GPUDevice {
    return this.#core.device;
  }

  /** "cpu" on SwiftShader and other emulated adapters, where the kernels avoid barriers; "gpu" otherwise. */
  get adapterKind(): AdapterKind {
    return this.#core.adapterKind;
  }

  /** The adapter offers subgroup operations and they are used. */
  get hasSubgroups(): boolean {
    return this.#core.hasSubgroups;
  }

  /** The smallest subgroup size the adapter may use (0 when unknown): rows of at most this many lanes merge by shuffles. */
  get subgroupMinSize(): number {
    return this.#core.subgroupMinSize;
  }

  /** The most bytes one storage binding holds here (the device limit, or the smaller `maxBindingBytes` asked for). */
  get maxBindingBytes(): number {
    return this.#core.maxBindingBytes;
  }

  /**
   * Uploads `data` as a tensor of `shape`. The dtype follows the array (Float32Array → f32,
   * Int32Array → i32, Uint32Array → u32, Uint16Array → f16 bit patterns, or bf16 when `dtype` says
   * so); a plain number array becomes f32. See `toFloat16Bits` / `toBfloat16Bits`.
   */
  tensor<A extends TypedArrayOf[DType] | readonly number[]>(
    data: A,
    shape?: readonly number[],
    dtype?: DType,
  ): Tensor<A extends Int32Array ? "i32" : A extends Uint32Array ? "u32" : A extends Uint16Array ? HalfDType : "f32"> {
    return this.#core.tensor(data, shape, dtype);
  }

  /** A zero-copy view of a caller's GPUBuffer (needs STORAGE usage; COPY_SRC to read()). Not freed by destroy(). */
  wrap<D extends DType>(buffer: GPUBuffer, shape: readonly number[], dtype: D): Tensor<D> {
    return this.#core.wrap(buffer, shape, dtype);
  }

  /**
   * GPU buffers webgpu-xent holds on this device right now (all Xents sharing it) — including the
   * pooled intermediates kept for reuse, counted apart too — and the pipelines compiled.
   */
  /**
   * Resolves once `tensor`'s GPU checks have passed, rejecting as `tensor.read()` would (the
   * RangeError of a bad class index) — but reads back only the status words, not the data. For
   * results consumed on the GPU, where a bad label shows as NaN.
   */
  check(tensor: Tensor): Promise<void> {
    if (!(tensor instanceof Tensor)) throw new TypeError(`check: expected a Tensor, got ${describe(tensor)}`);
    tensor.assertAlive("check()");
    return tensor.validate();
  }

  stats(): MemoryStats & { pooledBuffers: number; pooledBytes: number; pipelines: number } {
    return this.#core.stats();
  }

  /** Frees this Xent's GPU resources; destroys the device too if this Xent created it. */
  destroy(): void {
    this.#core.destroy();
  }

  // @generated methods: by npm run generate (scripts/generate-api.ts); do not edit by hand
  /**
   * argmax(x)_r = min { c : x_{r,c} = max_k x_{r,k} } along `dim` (default −1), NaN counting as the
   * maximum (torch.argmax): an i32 index per row, the dim removed from the shape.
   */
  argmax(x: Tensor, options?: ArgmaxOptions): Tensor<"i32"> {
    return argmax(this.#core, x, options);
  }

  /**
   * PyTorch's binary_cross_entropy_with_logits: ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)).
   */
  binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options?: BinaryCrossEntropyWithLogitsOptions): Tensor<"f32"> {
    return binaryCrossEntropyWithLogits(this.#core, logits, target, options);
  }

  /**
   * binaryCrossEntropyWithLogits and d/d(logits) = w·((1 + (pw − 1)·y)·σ(x) − pw·y), one pass.
   */
  binaryCrossEntropyWithLogitsWithGrad(logits: Tensor, target: Tensor, options?: BinaryCrossEntropyWithLogitsOptions): LossAndGrad {
    return binaryCrossEntropyWithLogitsWithGrad(this.#core, logits, target, options);
  }

  /**
   * PyTorch's binary_cross_entropy: ℓ = −w·(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)).
   */
  binaryCrossEntropy(probs: Tensor, target: Tensor, options?: BinaryCrossEntropyOptions): Tensor<"f32"> {
    return binaryCrossEntropy(this.#core, probs, target, options);
  }

  /**
   * binaryCrossEntropy and d/d(probs) = w·(p − y) / max(p·(1 − p), 1e−12) (PyTorch's backward), one pass.
   */
  binaryCrossEntropyWithGrad(probs: Tensor, target: Tensor, options?: BinaryCrossEntropyOptions): LossAndGrad {
    return binaryCrossEntropyWithGrad(this.#core, probs, target, options);
  }

  /**
   * PyTorch's cross_entropy. Class indices t: ℓ = w_t·(logsumexp(x) − x_t) (label smoothing ε:
   * (1 − ε)·ℓ + ε/C·Σ_c w_c·(logsumexp(x) − x_c)); probability targets p: ℓ = −Σ_c w_c·p_c·log softmax(x)_c.
   * 'mean' divides by Σ w_t over non-ignored positions (class indices) or by the number of positions (probabilities).
   */
  crossEntropy(logits: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor<"f32"> {
    return crossEntropy(this.#core, logits, target, options);
  }

  /**
   * PyTorch's nll_loss: ℓ = −w_t·logp_t; 'mean' divides by Σ w_t over non-ignored positions.
   */
  nllLoss(logProbs: Tensor, target: Tensor, options?: NllLossOptions): Tensor<"f32"> {
    return nllLoss(this.#core, logProbs, target, options);
  }

  /**
   * The cross-entropy loss and d(loss)/d(logits) in one fused GPU pass after the row statistics,
   * scaled as PyTorch autograd scales it for the reduction ('none': the gradient of Σ ℓ_i). Takes
   * every crossEntropy option, `zLoss`, `softcap`, and `inPlace` (the gradient overwrites the logits).
   */
  crossEntropyWithGrad(logits: Tensor, target: Tensor, options?: CrossEntropyWithGradOptions): LossAndGrad {
    return crossEntropyWithGrad(this.#core, logits, target, options);
  }

  /**
   * nllLoss and d/d(logProbs): −w_t at each target class, 0 elsewhere, / Σ w_t for 'mean'.
   */
  nllLossWithGrad(logProbs: Tensor, target: Tensor, options?: NllLossOptions): LossAndGrad {
    return nllLossWithGrad(this.#core, logProbs, target, options);
  }

  /**
   * Shannon entropy per row: H(p) = −Σ p·log_b p (from probabilities, or from logits with fromLogits).
   */
  entropy(x: Tensor, options?: EntropyOptions): Tensor<"f32"> {
    return entropy(this.#core, x, options);
  }

  /**
   * entropy and dH/dx in the same row pass: −(log p + 1), or from logits −p·(log p + H) (the entropy bonus).
   */
  entropyWithGrad(x: Tensor, options?: EntropyOptions): LossAndGrad {
    return entropyWithGrad(this.#core, x, options);
  }

  /**
   * An evaluator: `add(logits, target)` per batch (no sync), `await read()` once → loss (crossEntropy's
   * 'mean'), perplexity, accuracy, top-k accuracy, mean confidence, ECE and (with `confusion`) the
   * confusion matrix with precision / recall / F1 / IoU, over every batch since the last reset().
   */
  evaluator(options?: EvaluateOptions): Evaluator {
    return evaluator(this.#core, options);
  }

  /**
   * The metrics of one batch from one pass over its logits: loss = Σ w_t·ℓ / Σ w_t (crossEntropy's
   * 'mean', in `base`), perplexity = base^loss, top-k accuracy = mean [rank_t < k] with rank_t =
   * #{c : x_c > x_t} + #{c < t : x_c = x_t}, confidence = mean max softmax, ECE (torchmetrics),
   * and with `confusion` the [C, C] counts with precision, recall, F1 and IoU.
   */
  evaluate(logits: Tensor, target: Tensor, options?: EvaluateOptions & { encoder?: GPUCommandEncoder }): Evaluation {
    return evaluate(this.#core, logits, target, options);
  }

  /**
   * Liger's generalised Jensen–Shannon divergence of student log-probabilities logQ and teacher logP
   * (distributions along the last dim): Σ β·p·log(p/M) + (1 − β)·q·log(q/M), M = βP + (1 − β)Q, over
   * kept rows / their count; β = 0: KL(P‖Q), β = 1: KL(Q‖P).
   */
  jsDiv(logQ: Tensor, logP: Tensor, options?: JsDivOptions): Tensor<"f32"> {
    return jsDiv(this.#core, logQ, logP, options);
  }

  /**
   * jsDiv and d/d(logQ) = (1 − β)·q·log(q/M) (β = 0: −p; β = 1: q·(log q − log p) + q), scaled as the loss, one pass.
   */
  jsDivWithGrad(logQ: Tensor, logP: Tensor, options?: JsDivOptions): LossAndGrad {
    return jsDivWithGrad(this.#core, logQ, logP, options);
  }

  /**
   * PyTorch's kl_div(log q, p): Σ p·(log p − log q), reduced by 'mean' | 'batchmean' | 'sum' | 'none'.
   */
  klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor<"f32"> {
    return klDiv(this.#core, input, target, options);
  }

  /**
   * klDiv and d/d(input) = −p (logTarget: −exp(t)), scaled for the reduction, one pass.
   */
  klDivWithGrad(input: Tensor, target: Tensor, options?: KlDivOptions): LossAndGrad {
    return klDivWithGrad(this.#core, input, target, options);
  }

  /**
   * crossEntropy(hidden · classifierᵀ + bias, target) for hidden [N, H], classifier [V, H],
   * target [N], without allocating the [N, V] logits: ℓ_n = w_t·(logsumexp(z_n) − z_{n,t}) with
   * z = softcap(hidden·classifierᵀ + bias), smoothed and z-lossed as crossEntropy.
   */
  linearCrossEntropy(hidden: Tensor, classifier: Tensor, target: Tensor, options?: LinearCrossEntropyOptions): Tensor<"f32"> {
    return linearCrossEntropy(this.#core, hidden, classifier, target, options);
  }

  /**
   * linearCrossEntropy and its gradients, as PyTorch autograd scales them: with G = d(loss)/d(logits),
   * gradHidden = G·classifier, gradClassifier = Gᵀ·hidden, gradBias = Σ_n G (no [N, V] either).
   * `gradFilter` (off by default) skips the tiles of G whose entries are all below it (Cut Cross-Entropy's filtering).
   */
  linearCrossEntropyWithGrad(
    hidden: Tensor,
    classifier: Tensor,
    target: Tensor,
    options?: LinearCrossEntropyWithGradOptions,
  ): LinearCrossEntropyGrads {
    return linearCrossEntropyWithGrad(this.#core, hidden, classifier, target, options);
  }

  /**
   * out[i, j] = Σ_k A[i, k]·B[k, j] (A = aᵀ, B = bᵀ with transposeA / transposeB), f32 out: the linear kernels' tiled product.
   */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor<"f32"> {
    return matmul(this.#core, a, b, options);
  }

  /**
   * token_r = min { c : Σ_{c' ≤ c, kept} p_{c'} > u_r · Σ_kept p } with p = softmax(processed logits / T),
   * u_r from Philox4x32-10 keyed by `seed`, counted by (`step`, r); kept by top-k, top-p, min-p in
   * that order (temperature 0: the argmax). The whole row never leaves the GPU; read() of the
   * tokens moves 4 bytes a row.
   */
  sample(logits: Tensor, options?: SampleOptions): SampleResult {
    return sample(this.#core, logits, options);
  }

  /**
   * sigmoid(x) = 1 / (1 + exp(−x)), elementwise.
   */
  sigmoid(x: Tensor, options?: RecordOptions): Tensor<"f32"> {
    return sigmoid(this.#core, x, options);
  }

  /**
   * sigmoid's backward from its output y: dx = dy ⊙ y ⊙ (1 − y).
   */
  sigmoidBackward(y: Tensor, dy: Tensor, options?: RecordOptions): Tensor<"f32"> {
    return sigmoidBackward(this.#core, y, dy, options);
  }

  /**
   * softmax's backward from its output y: dx = y ⊙ (dy − Σ dy ⊙ y) along `dim` (default −1), one pass per row.
   */
  softmaxBackward(y: Tensor, dy: Tensor, options?: SoftmaxBackwardOptions): Tensor<"f32"> {
    return softmaxBackward(this.#core, y, dy, options);
  }

  /**
   * logSoftmax's backward from its output y: dx = dy − exp(y)·Σ dy along `dim` (default −1), one pass per row.
   */
  logSoftmaxBackward(y: Tensor, dy: Tensor, options?: SoftmaxBackwardOptions): Tensor<"f32"> {
    return logSoftmaxBackward(this.#core, y, dy, options);
  }

  /**
   * softmax(x)_c = exp((x_c − max x) / T) / Σ_k exp((x_k − max x) / T) along `dim` (default −1).
   */
  softmax(x: Tensor, options?: SoftmaxOptions): Tensor<"f32"> {
    return softmax(this.#core, x, options);
  }

  /**
   * logSoftmax(x)_c = (x_c − max x) / T − log Σ_k exp((x_k − max x) / T) along `dim` (default −1).
   */
  logSoftmax(x: Tensor, options?: SoftmaxOptions): Tensor<"f32"> {
    return logSoftmax(this.#core, x, options);
  }

  /**
   * topK(x, k)_r = the k largest values of row r along `dim` (default −1) and their indices, best
   * first (ties: the lower index first; NaN the largest), as torch.topk; `largest: false` the k
   * smallest, `sorted: false` in index order. Sorting-free (a radix selection of the k-th key).
   */
  topK(x: Tensor, k: number, options?: TopKOptions): { values: Tensor<"f32">; indices: Tensor<"i32"> } {
    return topK(this.#core, x, k, options);
  }

  /**
   * sklearn.metrics.log_loss: −mean log clip(p[i, yTrue[i]]), labels sorted into class order.
   */
  logLoss(yTrue: LogLossLabels, yPred: Tensor, options?: LogLossOptions): Tensor<"f32"> {
    return logLoss(this.#core, yTrue, yPred, options);
  }

  /**
   * logLoss and d/d(yPred): −1 / (N·clip(p_t)) at each row's class where the clip passes p_t, 0 elsewhere.
   */
  logLossWithGrad(yTrue: LogLossLabels, yPred: Tensor, options?: LogLossOptions): LossAndGrad {
    return logLossWithGrad(this.#core, yTrue, yPred, options);
  }
  // @end generated
}

function checkAdapterKind(kind: unknown): AdapterKind | undefined {
  if (kind === undefined || kind === "gpu" || kind === "cpu") return kind;
  throw new TypeError(`Xent: adapterKind: expected "gpu" or "cpu", got ${describe(kind)}`);
}
