/** sigmoid on the GPU (kernel: shaders/sigmoid.wgsl; reference: src/reference/sigmoid.ts). */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, recordOp, type RecordOptions, type XentContext } from "../context.js";
import { checkEncoder, checkOpOptions, type OptionChecksFor } from "../option-checks.js";
import { defineKernel } from "../kernel-descriptor.js";
import { bindRange, elementView, planSlicedBindings, type SliceBinding, type SlicedTensor } from "../binding-slices.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
import { formatShape, sameShape } from "../shape.js";
import sigmoidWgsl from "../../shaders/sigmoid.wgsl?raw";
import sigmoidBackwardWgsl from "../../shaders/sigmoid-backward.wgsl?raw";

export const kSigmoidOptionChecks = { encoder: checkEncoder } satisfies OptionChecksFor<RecordOptions>;

export const kSigmoidKernel = defineKernel({
  name: "sigmoid",
  body: sigmoidWgsl,
  // A tensor bound in slices: x_offset is the slice's first element within the bound ranges of x and y.
  uniforms: { size: "u32", x_offset: "u32" },
  bindings: {
    x: { type: "array<f32>", access: "read", optional: true },
    y: { type: "array<f32>", access: "read_write", optional: true },
    x4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "x as vec4s (main4)." },
    y4: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "y as vec4s (main4)." },
  },
  overrides: sharedOverrides("WG", "PER_THREAD"),
  entryPoints: ["main", "main4"],
});

export const kSigmoidBackwardKernel = defineKernel({
  name: "sigmoid-backward",
  body: sigmoidBackwardWgsl,
  uniforms: { size: "u32", x_offset: "u32" },
  bindings: {
    y: { type: "array<f32>", access: "read", optional: true, doc: "sigmoid's output." },
    dy: { type: "array<f32>", access: "read", optional: true },
    dx: { type: "array<f32>", access: "read_write", optional: true },
    y4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "y as vec4s (main4)." },
    dy4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "dy as vec4s (main4)." },
    dx4: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "dx as vec4s (main4)." },
  },
  overrides: sharedOverrides("WG", "PER_THREAD"),
  entryPoints: ["main", "main4"],
});

const kPerThread = 4;
const kWG = 64;

/**
 * How an elementwise dispatch walks n elements: vec4s (main4) when the tensors are bound whole and
 * every buffer holds whole vec4s (xent's always do; a wrapped buffer may end mid-vec4), else
 * single elements (main, per binding slice).
 */
function elementPlan(n: number, sliced: boolean, buffers: readonly GPUBuffer[]) {
  const vec4 = !sliced && buffers.every((b) => b.size >= Math.ceil(n / 4) * 16);
  return {
    vec4,
    entryPoint: vec4 ? "main4" : "main",
    workgroups: (elements: number) => Math.ceil((vec4 ? Math.ceil(elements / 4) : elements) / (kWG * kPerThread)),
  };
}

/** Element slices of n-element f32 tensors (by name, with their buffers' sizes), each no larger than one binding. */
function elementSlices<K extends string>(ctx: XentContext, n: number, sizes: Record<K, number>, what: string): SliceBinding<K>[] {
  const tensors = Object.fromEntries(Object.entries(sizes).map(([k, size]) => [k, { bufferSize: size as number, bytesPerElement: 4 }]));
  return planSlicedBindings(
    elementView(n),
    tensors as Record<K, SlicedTensor>,
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    what,
  );
}

/**
 * sigmoid(x) = 1 / (1 + exp(−x)), elementwise.
 * @op
 */
export function sigmoid(ctx: XentContext, x: Tensor, options?: RecordOptions): Tensor<"f32"> {
  const { encoder } = checkOpOptions(options, "sigmoid", kSigmoidOptionChecks);
  const input = checkTensor(ctx, x, "sigmoid: x", ["f32"]);
  const n = input.size;
  const slices = elementSlices(ctx, n, { x: input.buffer.size, y: outputBufferSize(n * 4) }, "sigmoid: x");
  return recordOp(ctx, "sigmoid", encoder, [input], (rec) => {
    const out = ctx.output(input.shape, "f32", "sigmoid");
    const plan = elementPlan(n, slices.length > 1, [input.buffer]);
    for (const slice of slices) {
      const [x, y] = [bindRange(input.buffer, slice.ranges.x), bindRange(out.buffer, slice.ranges.y)];
      rec.dispatch(kSigmoidKernel, {
        entryPoint: plan.entryPoint,
        constants: { WG: kWG, PER_THREAD: kPerThread },
        uniforms: { size: slice.rows, x_offset: slice.offsets.x },
        bindings: plan.vec4 ? { x4: x, y4: y } : { x, y },
        workgroups: plan.workgroups(slice.rows),
      });
    }
    return [out] as const;
  })[0];
}

/**
 * sigmoid's backward from its output y: dx = dy ⊙ y ⊙ (1 − y).
 * @op
 */
export function sigmoidBackward(ctx: XentContext, y: Tensor, dy: Tensor, options?: RecordOptions): Tensor<"f32"> {
  const op = "sigmoidBackward";
  const { encoder } = checkOpOptions(options, op, kSigmoidOptionChecks);
  const out = checkTensor(ctx, y, `${op}: y`, ["f32"]);
  const grad = checkTensor(ctx, dy, `${op}: dy`, ["f32"]);
  if (!sameShape(out.shape, grad.shape))
    throw new RangeError(`${op}: dy: expected the shape of y ${formatShape(out.shape)}, got ${formatShape(grad.shape)}`);
  const n = out.size;
  const slices = elementSlices(ctx, n, { y: out.buffer.size, dy: grad.buffer.size, dx: outputBufferSize(n * 4) }, `${op}: y`);
  return recordOp(ctx, op, encoder, [out, grad], (rec) => {
    const dx = ctx.output(out.shape, "f32", op);
    const plan = elementPlan(n, slices.length > 1, [out.buffer, grad.buffer]);
    for (const slice of slices) {
      const [yr, dyr, dxr] = [
        bindRange(out.buffer, slice.ranges.y),
        bindRange(grad.buffer, slice.ranges.dy),
        bindRange(dx.buffer, slice.ranges.dx),
      ];
      rec.dispatch(kSigmoidBackwardKernel, {
        entryPoint: plan.entryPoint,
        constants: { WG: kWG, PER_THREAD: kPerThread },
        uniforms: { size: slice.rows, x_offset: slice.offsets.y },
        bindings: plan.vec4 ? { y4: yr, dy4: dyr, dx4: dxr } : { y: yr, dy: dyr, dx: dxr },
        workgroups: plan.workgroups(slice.rows),
      });
    }
    return [dx] as const;
  })[0];
}
