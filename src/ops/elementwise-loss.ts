/**
 * The interface and runner every elementwise loss shares (binaryCrossEntropy,
 * binaryCrossEntropyWithLogits, klDiv, keras.binaryCrossentropy): one loss per element from
 * (input, target), weights broadcast over trailing dims, then the GPU reduction. Each loss is a
 * kernel of its own (shaders/<loss>.wgsl defines `pointwise_loss4` and `pointwise_grad4` on four
 * consecutive elements, composed with shaders/common/elementwise-loss-core.wgsl in a scalar-load
 * and a vec4-load build) declared with `defineElementwiseLoss`.
 */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, type XentContext } from "../context.js";
import type { Recording } from "../recording.js";
import {
  defineKernel,
  type Bindable,
  type BindingSpec,
  type OverrideSpec,
  type OverrideValues,
  type UniformType,
  type UniformValues,
} from "../kernel-descriptor.js";
import { bindRange, elementView, planSlicedBindings } from "../binding-slices.js";
import { formatShape, sameShape, type Shape } from "../shape.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
import type { Reduction } from "../option-checks.js";
import { recordLoss, type LabelStatus, type LossAndGrad, type LossAndMaybeGrad } from "./loss-reduction.js";

type MapField<P extends string> = `${P}_${"div" | "mod" | "mul"}${0 | 1}`;

/** The uniforms of one weight's broadcast map (see broadcastMap): `${p}_div0`, `${p}_mod0`, … */
function mapUniforms<P extends string>(p: P): Record<MapField<P>, "u32"> {
  const fields = ["div0", "mod0", "mul0", "div1", "mod1", "mul1"].map((f) => [`${p}_${f}`, "u32"]);
  return Object.fromEntries(fields) as Record<MapField<P>, "u32">;
}

/** A broadcast map's uniform values, named as mapUniforms names them. */
function mapValues<P extends string>(p: P, blocks: readonly [BroadcastBlock, BroadcastBlock]): Record<MapField<P>, number> {
  const fields = blocks.flatMap((b, k) => [
    [`${p}_div${k}`, b.div],
    [`${p}_mod${k}`, b.mod],
    [`${p}_mul${k}`, b.mul],
  ]);
  return Object.fromEntries(fields) as Record<MapField<P>, number>;
}

const kElementwiseUniforms = {
  size: "u32",
  // The weights' broadcast maps: index = Σ_k ((global / div_k) % mod_k)·mul_k.
  ...mapUniforms("w"),
  ...mapUniforms("pw"),
  // Multiplies the gradient: 1 / count for 'mean', 1 / batch for 'batchmean', else 1.
  grad_scale: "f32",
  // A tensor bound in slices: the slice's first element within the bound ranges (x, y, loss) and
  // its index among all elements (for the weights' broadcast).
  x_offset: "u32",
  first: "u32",
  // main_sum: where this dispatch's partial sums start in `loss` (earlier slices' partials come first).
  partial_offset: "u32",
} as const;

const kElementwiseBindings = {
  x: { type: "array<f32>", access: "read" },
  y: { type: "array<f32>", access: "read" },
  weight: { type: "array<f32>", access: "read", optional: true },
  pos_weight: { type: "array<f32>", access: "read", optional: true },
  loss: { type: "array<f32>", access: "read_write" },
  grad: { type: "array<f32>", access: "read_write", optional: true, doc: "d(loss)/d(x), laid out like x (HAS_GRAD)." },
} as const;

const kElementwiseOverrides = {
  ...sharedOverrides("WG", "PER_THREAD", "HAS_WEIGHT", "HAS_GRAD"),
  HAS_POS_WEIGHT: { kind: "bool" },
} as const;

// The vec4 build: four elements per load and store (see elementwise-loss-vec4.wgsl).
const kElementwiseBindings4 = {
  ...kElementwiseBindings,
  x: { type: "array<vec4<f32>>", access: "read" },
  y: { type: "array<vec4<f32>>", access: "read" },
  loss: { type: "array<vec4<f32>>", access: "read_write", doc: "'none': the losses; else one vec4 of partial sums per thread." },
  grad: { ...kElementwiseBindings.grad, type: "array<vec4<f32>>" },
} as const;

/** What a loss declares beside the shared interface: its own override constants, uniforms and bindings. */
export interface ElementwiseLossSpec<
  O extends Record<string, OverrideSpec>,
  U extends Record<string, UniformType>,
  B extends Record<string, BindingSpec>,
> {
  readonly overrides?: O;
  readonly uniforms?: U;
  /** Bindings of its own (both builds), after the shared ones; bound by the run's `bind`. */
  readonly bindings?: B;
}

/**
 * An elementwise loss kernel: the shared interface plus the loss's own overrides and uniforms, in
 * two builds of the same body (which defines pointwise_loss4 / pointwise_grad4): scalar loads
 * (elementwise-loss.wgsl) and, as `.vec4`, vec4 loads (elementwise-loss-vec4.wgsl), chosen by the
 * declaration's `uses`, not by editing the source.
 */
export function defineElementwiseLoss<
  const O extends Record<string, OverrideSpec> = Record<never, OverrideSpec>,
  const U extends Record<string, UniformType> = Record<never, UniformType>,
  const B extends Record<string, BindingSpec> = Record<never, BindingSpec>,
>(name: string, body: string, own: ElementwiseLossSpec<O, U, B> = {}) {
  const spec = {
    body,
    uniforms: { ...kElementwiseUniforms, ...(own.uniforms as U) },
    overrides: { ...kElementwiseOverrides, ...(own.overrides as O) },
    entryPoints: ["main4", "main_sum"] as const,
  };
  const bindings4 = { ...kElementwiseBindings4, ...(own.bindings as B) };
  const vec4 = defineKernel({ ...spec, name: `${name}-vec4`, uses: ["elementwise-loss-vec4"], bindings: bindings4 });
  const bindings = { ...kElementwiseBindings, ...(own.bindings as B) };
  return Object.assign(defineKernel({ ...spec, name, uses: ["elementwise-loss"], bindings }), { vec4 });
}

type ElementwiseKernel<
  O extends Record<string, OverrideSpec>,
  U extends Record<string, UniformType>,
  B extends Record<string, BindingSpec> = Record<never, BindingSpec>,
> = ReturnType<typeof defineElementwiseLoss<O, U, B>>;

export interface ElementwiseRun<
  O extends Record<string, OverrideSpec>,
  U extends Record<string, UniformType> = Record<never, UniformType>,
> {
  op: string;
  kernel: ElementwiseKernel<O, U, Record<string, BindingSpec>>;
  /** The loss's own override values (e.g. LOG_TARGET). */
  constants?: OverrideValues<O>;
  /** The loss's own uniform values (e.g. Keras' eps). */
  uniforms?: UniformValues<U>;
  /**
   * Records what the loss's own bindings hold before its passes (e.g. jsDiv's count of kept rows)
   * and returns them by name.
   */
  bind?: (rec: Recording) => Record<string, Bindable>;
  /** Class-index labels checked on the GPU: read() rejects with a RangeError naming the first bad one. */
  labels?: LabelStatus;
  input: Tensor;
  target: Tensor;
  weight?: Tensor | undefined;
  posWeight?: Tensor | undefined;
  reduction: Reduction | "batchmean";
  encoder: GPUCommandEncoder | undefined;
}

const kWG = 64;

/**
 * Elements per thread. A CPU-emulated adapter pays per workgroup (SwiftShader: 24 → 15.5 ms on 1M
 * elements from 4 to 64 per thread) and has 2–64 cores to fill; a GPU wants many threads in flight
 * (16 a thread: 64k threads for 1M elements, and 'mean' stores a quarter of them as partials).
 */
const perThread = (ctx: XentContext): number => (ctx.adapterKind === "cpu" ? 64 : 16);

/** One run of the elementwise kernel: the loss, and with `withGrad` its gradient w.r.t. the input. */
function recordElementwise<O extends Record<string, OverrideSpec>, U extends Record<string, UniformType>>(
  ctx: XentContext,
  r: ElementwiseRun<O, U>,
  withGrad: boolean,
): LossAndMaybeGrad {
  // The loss's own overrides are opaque here; the shared ones are set by name.
  const kernel = r.kernel as unknown as ElementwiseKernel<Record<never, OverrideSpec>, Record<never, UniformType>>;
  const size = r.input.size;
  // Larger than one binding: slices of elements, bound alike in the input, target, losses and
  // gradient (all f32 of one layout); the weights are bound whole and broadcast by global index.
  const outputSize = outputBufferSize(size * 4);
  const slices = planSlicedBindings(
    elementView(size),
    {
      x: { bufferSize: r.input.buffer.size, bytesPerElement: 4 },
      y: { bufferSize: r.target.buffer.size, bytesPerElement: 4 },
      out: { bufferSize: outputSize, bytesPerElement: 4 },
    },
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    `${r.op}: input`,
  );
  const batch = r.input.shape[0] ?? 1;
  const mean = r.reduction === "mean";
  const weightMap = broadcastMap(r.weight?.shape ?? [], r.input.shape);
  const posWeightMap = broadcastMap(r.posWeight?.shape ?? [], r.input.shape);
  // Four elements per load where the tensor is bound whole and every buffer holds whole vec4s
  // (xent.tensor's always do; a wrapped buffer may end mid-vec4).
  const vecBytes = Math.ceil(size / 4) * 16;
  const vec4 = slices.length === 1 && r.input.buffer.size >= vecBytes && r.target.buffer.size >= vecBytes;
  // Both builds take four elements at a time (a quad: one vec4 load, or four scalar ones) and
  // keep four partial sums per thread ('mean' / 'sum').
  const width = 4;
  const elements = perThread(ctx);
  const workgroups = slices.map((s) => Math.ceil(s.rows / (kWG * elements)));
  // 'mean' / 'sum' (and 'batchmean'): the kernel sums into one partial per thread (main_sum).
  const summed = r.reduction !== "none";
  return recordLoss(ctx, {
    op: r.op,
    encoder: r.encoder,
    reduction: r.reduction === "batchmean" ? "sum" : r.reduction,
    shape: r.input.shape,
    count: size,
    mean: "mean-by-count",
    // PyTorch's batchmean: sum / input.size(0).
    scale: r.reduction === "batchmean" ? 1 / batch : 1,
    inputs: [
      r.input,
      r.target,
      ...(r.weight ? [r.weight] : []),
      ...(r.posWeight ? [r.posWeight] : []),
      ...(r.labels ? [r.labels.target] : []),
    ],
    labels: r.labels,
    gradShape: withGrad ? r.input.shape : undefined,
    ...(summed ? { partials: workgroups.reduce((a, b) => a + b, 0) * kWG * width } : {}),
    record: (rec, loss, _denom, grad) => {
      const own = r.bind?.(rec) ?? {};
      let partialOffset = 0;
      for (const [k, slice] of slices.entries()) {
        // Both builds bind the same names (only their WGSL types differ).
        rec.dispatch(vec4 ? (kernel.vec4 as unknown as typeof kernel) : kernel, {
          entryPoint: summed ? "main_sum" : "main4",
          constants: {
            ...(r.constants as object),
            WG: kWG,
            PER_THREAD: elements / width,
            HAS_WEIGHT: !!r.weight,
            HAS_POS_WEIGHT: !!r.posWeight,
            HAS_GRAD: !!grad,
          },
          uniforms: {
            size: slice.rows,
            ...mapValues("w", weightMap),
            ...mapValues("pw", posWeightMap),
            // PyTorch's scaling of the gradient: 'mean' over every element, 'batchmean' by the batch.
            grad_scale: mean ? 1 / size : r.reduction === "batchmean" ? 1 / batch : 1,
            ...(r.uniforms as object),
            x_offset: slice.offsets.x,
            first: slice.firstRow,
            partial_offset: partialOffset,
          },
          // Absent weights get a small placeholder: the input may be too large to bind whole.
          bindings: {
            x: bindRange(r.input.buffer, slice.ranges.x),
            y: bindRange(r.target.buffer, slice.ranges.y),
            // The partials (1/64 to 1/4 of the elements) fit one binding whole.
            loss: summed ? loss : bindRange(loss, slice.ranges.out),
            ...(grad ? { grad: bindRange(grad.buffer, slice.ranges.out) } : {}),
            ...(r.weight ? { weight: r.weight.buffer } : {}),
            ...(r.posWeight ? { pos_weight: r.posWeight.buffer } : {}),
            ...own,
          },
          workgroups: workgroups[k] as number,
        });
        partialOffset += (workgroups[k] as number) * kWG * width;
      }
    },
  });
}

/** The loss of an elementwise kernel, reduced on the GPU. */
export function runElementwiseLoss<O extends Record<string, OverrideSpec>, U extends Record<string, UniformType>>(
  ctx: XentContext,
  r: ElementwiseRun<O, U>,
): Tensor<"f32"> {
  return recordElementwise(ctx, r, false).loss;
}

/** The loss and d(loss)/d(input), scaled as PyTorch autograd scales it for the reduction. */
export function runElementwiseLossWithGrad<O extends Record<string, OverrideSpec>, U extends Record<string, UniformType>>(
  ctx: XentContext,
  r: ElementwiseRun<O, U>,
): LossAndGrad {
  const { loss, grad } = recordElementwise(ctx, r, true);
  return { loss, grad: grad as Tensor<"f32"> };
}

/** One kept block of a broadcast: weight index += ((global / div) % mod)·mul. */
export interface BroadcastBlock {
  div: number;
  mod: number;
  mul: number;
}

const kNoBlock: BroadcastBlock = { div: 1, mod: 1, mul: 0 };

/**
 * How a weight of shape `w` broadcasts (PyTorch's rules: right-aligned, each dim equal or 1) over
 * `shape`, as at most two blocks of consecutive kept dims; call checkBroadcast first.
 */
export function broadcastMap(w: Shape, shape: Shape): readonly [BroadcastBlock, BroadcastBlock] {
  const blocks = keptBlocks(w, shape);
  return [blocks[0] ?? kNoBlock, blocks[1] ?? kNoBlock];
}

function keptBlocks(w: Shape, shape: Shape): BroadcastBlock[] {
  const blocks: BroadcastBlock[] = [];
  let stride = 1;
  let wStride = 1;
  let open: BroadcastBlock | undefined;
  for (let d = shape.length - 1, k = w.length - 1; d >= 0; d--, k--) {
    const n = shape[d] as number;
    const kept = k >= 0 && n > 1 && w[k] === n;
    if (kept) {
      if (open) open.mod *= n;
      else blocks.push((open = { div: stride, mod: n, mul: wStride }));
      wStride *= n;
    } else if (n > 1) {
      open = undefined;
    }
    stride *= n;
  }
  return blocks;
}

/**
 * Throws unless `weight` broadcasts over `shape` as PyTorch broadcasts a loss weight: right-aligned,
 * each dim equal to the input's or 1 (scalar, [C], [N, 1], [1, C], the full shape, …), with at most
 * two runs of kept dims (e.g. [B, 1, C] on [B, T, C]).
 */
export function checkBroadcast(weight: Tensor, shape: Shape, op: string, name: string): void {
  const w = weight.shape;
  const fits = w.length <= shape.length && w.every((n, k) => n === 1 || n === shape[shape.length - w.length + k]);
  if (!fits)
    throw new RangeError(
      `${op}: ${name}: expected a shape that broadcasts to ${formatShape(shape)} (each dim equal or 1), got ${formatShape(w)}`,
    );
  if (keptBlocks(w, shape).length > 2)
    throw new RangeError(
      `${op}: ${name}: ${formatShape(w)} broadcasts over ${formatShape(shape)} in more than two runs of dims; expand it to fewer runs`,
    );
}

/** The input and a target of the same shape, both f32. */
export function checkPair(ctx: XentContext, op: string, inputName: string, input: unknown, target: unknown): { x: Tensor; y: Tensor } {
  const x = checkTensor(ctx, input, `${op}: ${inputName}`, ["f32"]);
  const y = checkTensor(ctx, target, `${op}: target`, ["f32"]);
  if (!sameShape(x.shape, y.shape))
    throw new RangeError(`${op}: target: expected the ${inputName} shape ${formatShape(x.shape)}, got ${formatShape(y.shape)}`);
  return { x, y };
}

/** An optional f32 weight (`name`) that broadcasts over `shape` as PyTorch's. */
export function checkWeight(ctx: XentContext, value: unknown, shape: Shape, op: string, name = "weight"): Tensor | undefined {
  if (value === undefined) return undefined;
  const w = checkTensor(ctx, value, `${op}: ${name}`, ["f32"]);
  checkBroadcast(w, shape, op, name);
  return w;
}
