/**
 * The interface and runner every elementwise loss shares (binaryCrossEntropy,
 * binaryCrossEntropyWithLogits, klDiv, keras.binaryCrossentropy): one loss per element from
 * (input, target), weights broadcast over trailing dims, then the GPU reduction. Each loss is a
 * kernel of its own (shaders/<loss>.wgsl defines `pointwise_loss`, composed with
 * shaders/common/elementwise-loss.wgsl) declared with `defineElementwiseLoss`.
 */
import { checkTensor, type XentContext } from "../context.js";
import { defineKernel, type OverrideSpec, type OverrideValues } from "../kernel-descriptor.js";
import { bindSlice, planBindingSlices } from "../binding-slices.js";
import { formatShape, sameShape, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import type { Reduction } from "../option-checks.js";
import { runLoss } from "./loss-reduction.js";

const kElementwiseUniforms = {
  size: "u32",
  weight_size: "u32",
  pos_weight_size: "u32",
  // Keras' clip epsilon and label smoothing (unused by the PyTorch losses).
  eps: "f32",
  smoothing: "f32",
  // A tensor bound in slices: the slice's first element within the bound ranges (x, y, loss) and
  // its index among all elements (for the weights' broadcast).
  x_offset: "u32",
  first: "u32",
} as const;

const kElementwiseBindings = {
  x: { type: "array<f32>", access: "read" },
  y: { type: "array<f32>", access: "read" },
  weight: { type: "array<f32>", access: "read", optional: true },
  pos_weight: { type: "array<f32>", access: "read", optional: true },
  loss: { type: "array<f32>", access: "read_write" },
} as const;

const kElementwiseOverrides = {
  WG: { kind: "u32", default: 64 },
  PER_THREAD: { kind: "u32", default: 4 },
  HAS_WEIGHT: { kind: "bool" },
  HAS_POS_WEIGHT: { kind: "bool" },
} as const;

/** An elementwise loss kernel: the shared interface plus the loss's own overrides. */
export function defineElementwiseLoss<const O extends Record<string, OverrideSpec>>(name: string, body: string, overrides: O) {
  return defineKernel({
    name,
    body,
    uniforms: kElementwiseUniforms,
    bindings: kElementwiseBindings,
    overrides: { ...kElementwiseOverrides, ...overrides },
  });
}

type ElementwiseKernel<O extends Record<string, OverrideSpec>> = ReturnType<typeof defineElementwiseLoss<O>>;

export interface ElementwiseRun<O extends Record<string, OverrideSpec>> {
  op: string;
  kernel: ElementwiseKernel<O>;
  /** The loss's own override values (e.g. LOG_TARGET). */
  constants?: OverrideValues<O>;
  input: Tensor;
  target: Tensor;
  weight?: Tensor | undefined;
  posWeight?: Tensor | undefined;
  reduction: Reduction | "batchmean";
  encoder: GPUCommandEncoder | undefined;
  eps?: number;
  smoothing?: number;
}

const kPerThread = 4;
const kWG = 64;

export function runElementwiseLoss<O extends Record<string, OverrideSpec>>(ctx: XentContext, r: ElementwiseRun<O>): Tensor<"f32"> {
  // The loss's own overrides are opaque here; the shared ones are set by name.
  const kernel = r.kernel as unknown as ElementwiseKernel<Record<never, OverrideSpec>>;
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
        rec.dispatch(kernel, {
          constants: {
            ...(r.constants as object),
            WG: kWG,
            PER_THREAD: kPerThread,
            HAS_WEIGHT: !!r.weight,
            HAS_POS_WEIGHT: !!r.posWeight,
          },
          uniforms: {
            size: slice.rows,
            weight_size: Math.max(1, r.weight?.size ?? 1),
            pos_weight_size: Math.max(1, r.posWeight?.size ?? 1),
            eps: r.eps ?? 0,
            smoothing: r.smoothing ?? 0,
            x_offset: slice.elementOffset,
            first: slice.firstRow,
          },
          // Absent weights get a small placeholder: the input may be too large to bind whole.
          bindings: {
            x: range(r.input.buffer),
            y: range(r.target.buffer),
            loss: range(loss),
            ...(r.weight ? { weight: r.weight.buffer } : {}),
            ...(r.posWeight ? { pos_weight: r.posWeight.buffer } : {}),
          },
          workgroups: Math.ceil(slice.rows / (kWG * kPerThread)),
        });
      }
    },
  });
}

/** Throws unless `weight`'s shape is a suffix of `shape` (it then broadcasts as weight[i % size]). */
export function checkSuffixShape(weight: Tensor, shape: Shape, op: string, name: string, what: string): void {
  const w = weight.shape;
  const tail = shape.slice(shape.length - w.length);
  const ok = w.length <= shape.length && (sameShape(w, tail) || (w.length === 1 && w[0] === 1));
  if (!ok)
    throw new RangeError(`${op}: ${name}: expected a shape that broadcasts as ${what} of ${formatShape(shape)}, got ${formatShape(w)}`);
}

/** The input and a target of the same shape, both f32. */
export function checkPair(ctx: XentContext, op: string, inputName: string, input: unknown, target: unknown): { x: Tensor; y: Tensor } {
  const x = checkTensor(ctx, input, `${op}: ${inputName}`, ["f32"]);
  const y = checkTensor(ctx, target, `${op}: target`, ["f32"]);
  if (!sameShape(x.shape, y.shape))
    throw new RangeError(`${op}: target: expected the ${inputName} shape ${formatShape(x.shape)}, got ${formatShape(y.shape)}`);
  return { x, y };
}

/** An optional f32 weight that broadcasts over the trailing dims of `shape`. */
export function checkWeight(ctx: XentContext, value: unknown, shape: Shape, op: string): Tensor | undefined {
  if (value === undefined) return undefined;
  const w = checkTensor(ctx, value, `${op}: weight`, ["f32"]);
  checkSuffixShape(w, shape, op, "weight", "trailing dims");
  return w;
}
