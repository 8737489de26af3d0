/** Elementwise losses: binary cross-entropy (probabilities / logits), KL divergence, Keras BCE. */
import { checkEncoder, checkKnownOptions, checkOptions, checkTensor, type RecordOptions, type XentContext } from "../context.js";
import { kPointwiseLossKernel } from "../kernels.js";
import { bindSlice, planBindingSlices } from "../binding-slices.js";
import { formatShape, sameShape, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { checkBoolean, checkReduction, runLoss, type Reduction } from "./loss-common.js";

export interface BinaryCrossEntropyOptions extends RecordOptions {
  /** Rescales each element; its shape must be a suffix of the input's (e.g. [C] or the full shape). */
  weight?: Tensor;
  reduction?: Reduction;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples, broadcast over the last dim: shape [C] or [1]. */
  posWeight?: Tensor;
}

export type KlDivReduction = Reduction | "batchmean";

export interface KlDivOptions extends RecordOptions {
  /** 'mean' (PyTorch's default: over all elements), 'batchmean' (sum / batch size), 'sum', 'none'. */
  reduction?: KlDivReduction;
  /** The target holds log-probabilities (default false). */
  logTarget?: boolean;
}

/** The pointwise kernels' KIND codes (see pointwise-loss.wgsl). */
export const kPointwiseKind = { bce: 0, bceLogits: 1, kl: 2, klLogTarget: 3, kerasBce: 4, kerasBceLogits: 5 } as const;

export interface PointwiseRun {
  op: string;
  kind: number;
  input: Tensor;
  target: Tensor;
  weight?: Tensor | undefined;
  posWeight?: Tensor | undefined;
  reduction: KlDivReduction;
  encoder: GPUCommandEncoder | undefined;
  eps?: number;
  smoothing?: number;
}

const kPerThread = 4;
const kWG = 64;

/** Throws unless `weight`'s shape is a suffix of `shape` (it then broadcasts as weight[i % size]). */
export function checkSuffixShape(weight: Tensor, shape: Shape, op: string, name: string, what: string): void {
  const w = weight.shape;
  const tail = shape.slice(shape.length - w.length);
  const ok = w.length <= shape.length && (sameShape(w, tail) || (w.length === 1 && w[0] === 1));
  if (!ok)
    throw new RangeError(`${op}: ${name}: expected a shape that broadcasts as ${what} of ${formatShape(shape)}, got ${formatShape(w)}`);
}

export function runPointwise(ctx: XentContext, r: PointwiseRun): Tensor<"f32"> {
  const size = r.input.size;
  // Larger than one binding: slices of elements, bound alike in the input, target and losses
  // (all f32 of one layout); the weights are bound whole and broadcast by global index.
  const slices = planBindingSlices(
    { outer: size, classes: 1, inner: 1, rows: size },
    4,
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    r.input.buffer.size,
    `${r.op}: input`,
  );
  const batch = r.input.shape[0] ?? 1;
  return runLoss(ctx, {
    op: r.op,
    encoder: r.encoder,
    reduction: r.reduction === "batchmean" ? "sum" : r.reduction,
    shape: r.input.shape,
    count: size,
    mean: "mean-by-count",
    // PyTorch's batchmean: sum / input.size(0).
    scale: r.reduction === "batchmean" ? 1 / batch : 1,
    inputs: [r.input, r.target, ...(r.weight ? [r.weight] : []), ...(r.posWeight ? [r.posWeight] : [])],
    record: (rec, loss) => {
      for (const slice of slices) {
        const range = (buffer: GPUBuffer): GPUBuffer | GPUBufferBinding => bindSlice(buffer, slices.length > 1 ? slice : undefined);
        rec.dispatch({
          kernel: kPointwiseLossKernel,
          constants: { WG: kWG, PER_THREAD: kPerThread, KIND: r.kind, HAS_WEIGHT: !!r.weight, HAS_POS_WEIGHT: !!r.posWeight },
          uniforms: [
            ["u32", slice.rows],
            ["u32", Math.max(1, r.weight?.size ?? 1)],
            ["u32", Math.max(1, r.posWeight?.size ?? 1)],
            ["f32", r.eps ?? 0],
            ["f32", r.smoothing ?? 0],
            ["u32", slice.elementOffset],
            ["u32", slice.firstRow],
          ],
          // Absent weights get a small placeholder: the input may be too large to bind whole.
          buffers: [
            range(r.input.buffer),
            range(r.target.buffer),
            r.weight?.buffer ?? ctx.scratch(1),
            r.posWeight?.buffer ?? ctx.scratch(1),
            range(loss),
          ],
          workgroups: Math.ceil(slice.rows / (kWG * kPerThread)),
        });
      }
    },
  });
}

function checkPair(ctx: XentContext, op: string, inputName: string, input: unknown, target: unknown): { x: Tensor; y: Tensor } {
  const x = checkTensor(ctx, input, `${op}: ${inputName}`, ["f32"]);
  const y = checkTensor(ctx, target, `${op}: target`, ["f32"]);
  if (!sameShape(x.shape, y.shape))
    throw new RangeError(`${op}: target: expected the ${inputName} shape ${formatShape(x.shape)}, got ${formatShape(y.shape)}`);
  return { x, y };
}

function checkWeight(ctx: XentContext, value: unknown, shape: Shape, op: string): Tensor | undefined {
  if (value === undefined) return undefined;
  const w = checkTensor(ctx, value, `${op}: weight`, ["f32"]);
  checkSuffixShape(w, shape, op, "weight", "trailing dims");
  return w;
}

/** PyTorch's binary_cross_entropy: ℓ = −w·(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)). */
export function binaryCrossEntropy(ctx: XentContext, probs: unknown, target: unknown, options?: BinaryCrossEntropyOptions): Tensor<"f32"> {
  const op = "binaryCrossEntropy";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, ["weight", "reduction", "encoder"], op);
  const { x, y } = checkPair(ctx, op, "probs", probs, target);
  return runPointwise(ctx, {
    op,
    kind: kPointwiseKind.bce,
    input: x,
    target: y,
    weight: checkWeight(ctx, opts.weight, x.shape, op),
    reduction: checkReduction(opts.reduction, op),
    encoder: checkEncoder(opts.encoder, op),
  });
}

/** PyTorch's binary_cross_entropy_with_logits: ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)), stable for any x. */
export function binaryCrossEntropyWithLogits(
  ctx: XentContext,
  logits: unknown,
  target: unknown,
  options?: BinaryCrossEntropyWithLogitsOptions,
): Tensor<"f32"> {
  const op = "binaryCrossEntropyWithLogits";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, ["weight", "posWeight", "reduction", "encoder"], op);
  const { x, y } = checkPair(ctx, op, "logits", logits, target);
  let posWeight: Tensor | undefined;
  if (opts.posWeight !== undefined) {
    posWeight = checkTensor(ctx, opts.posWeight, `${op}: posWeight`, ["f32"]);
    const last = x.shape[x.shape.length - 1] ?? 1;
    if (posWeight.shape.length !== 1 || (posWeight.shape[0] !== last && posWeight.shape[0] !== 1)) {
      throw new RangeError(
        `${op}: posWeight: expected shape [${last}] or [1] (broadcast over the last dim), got ${formatShape(posWeight.shape)}`,
      );
    }
  }
  return runPointwise(ctx, {
    op,
    kind: kPointwiseKind.bceLogits,
    input: x,
    target: y,
    weight: checkWeight(ctx, opts.weight, x.shape, op),
    posWeight,
    reduction: checkReduction(opts.reduction, op),
    encoder: checkEncoder(opts.encoder, op),
  });
}

/**
 * PyTorch's kl_div(input = log q, target = p): pointwise p·(log p − log q) (0 where p = 0);
 * with logTarget, exp(t)·(t − log q). 'mean' averages every element; 'batchmean' is sum / N.
 */
export function klDiv(ctx: XentContext, input: unknown, target: unknown, options?: KlDivOptions): Tensor<"f32"> {
  const op = "klDiv";
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, ["reduction", "logTarget", "encoder"], op);
  const { x, y } = checkPair(ctx, op, "input", input, target);
  const logTarget = checkBoolean(opts.logTarget, op, "logTarget", false);
  return runPointwise(ctx, {
    op,
    kind: logTarget ? kPointwiseKind.klLogTarget : kPointwiseKind.kl,
    input: x,
    target: y,
    reduction: checkReduction<KlDivReduction>(opts.reduction, op, ["mean", "batchmean", "sum", "none"]),
    encoder: checkEncoder(opts.encoder, op),
  });
}
