/** sigmoid on the GPU (kernel: shaders/sigmoid.wgsl; reference: src/reference/sigmoid.ts). */
import { checkTensor, recordOp, type RecordOptions, type XentContext } from "../context.js";
import { checkEncoder, checkOpOptions, type OptionChecksFor } from "../option-checks.js";
import { defineKernel } from "../kernel-descriptor.js";
import { bindSlice, planBindingSlices } from "../binding-slices.js";
import type { Tensor } from "../tensor.js";
import { formatShape, sameShape } from "../shape.js";
import sigmoidWgsl from "../../shaders/sigmoid.wgsl?raw";
import sigmoidBackwardWgsl from "../../shaders/sigmoid-backward.wgsl?raw";

export const kSigmoidOptionChecks = { encoder: checkEncoder } satisfies OptionChecksFor<RecordOptions>;

export const kSigmoidKernel = defineKernel({
  name: "sigmoid",
  body: sigmoidWgsl,
  // A tensor bound in slices: x_offset is the slice's first element within the bound ranges of x and y.
  uniforms: { size: "u32", x_offset: "u32" },
  bindings: { x: { type: "array<f32>", access: "read" }, y: { type: "array<f32>", access: "read_write" } },
  overrides: {
    WG: { kind: "u32", default: 64 },
    PER_THREAD: { kind: "u32", default: 4 },
  },
});

export const kSigmoidBackwardKernel = defineKernel({
  name: "sigmoid-backward",
  body: sigmoidBackwardWgsl,
  uniforms: { size: "u32", x_offset: "u32" },
  bindings: {
    y: { type: "array<f32>", access: "read", doc: "sigmoid's output." },
    dy: { type: "array<f32>", access: "read" },
    dx: { type: "array<f32>", access: "read_write" },
  },
  overrides: {
    WG: { kind: "u32", default: 64 },
    PER_THREAD: { kind: "u32", default: 4 },
  },
});

const kPerThread = 4;
const kWG = 64;

/** Element slices of an n-element f32 tensor no larger than one binding. */
function elementSlices(ctx: XentContext, n: number, bufferSize: number, what: string) {
  return planBindingSlices(
    { outer: n, classes: 1, inner: 1, rows: n },
    4,
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    bufferSize,
    what,
  );
}

/** sigmoid(x) = 1 / (1 + exp(−x)), elementwise, computed without overflow for any x. */
export function sigmoid(ctx: XentContext, x: unknown, options?: RecordOptions): Tensor<"f32"> {
  const { encoder } = checkOpOptions(options, "sigmoid", kSigmoidOptionChecks);
  const input = checkTensor(ctx, x, "sigmoid: x", ["f32"]);
  const n = input.size;
  const slices = elementSlices(ctx, n, input.buffer.size, "sigmoid: x");
  return recordOp(ctx, "sigmoid", encoder, [input], (rec) => {
    const out = ctx.output(input.shape, "f32", "sigmoid");
    for (const slice of slices) {
      const range = (buffer: GPUBuffer): GPUBuffer | GPUBufferBinding => bindSlice(buffer, slices.length > 1 ? slice : undefined);
      rec.dispatch(kSigmoidKernel, {
        constants: { WG: kWG, PER_THREAD: kPerThread },
        uniforms: { size: slice.rows, x_offset: slice.elementOffset },
        bindings: { x: range(input.buffer), y: range(out.buffer) },
        workgroups: Math.ceil(slice.rows / (kWG * kPerThread)),
      });
    }
    return [out] as const;
  })[0];
}

/** sigmoid's backward from its output y: dx = dy ⊙ y ⊙ (1 − y), elementwise. */
export function sigmoidBackward(ctx: XentContext, y: unknown, dy: unknown, options?: RecordOptions): Tensor<"f32"> {
  const op = "sigmoidBackward";
  const { encoder } = checkOpOptions(options, op, kSigmoidOptionChecks);
  const out = checkTensor(ctx, y, `${op}: y`, ["f32"]);
  const grad = checkTensor(ctx, dy, `${op}: dy`, ["f32"]);
  if (!sameShape(out.shape, grad.shape))
    throw new RangeError(`${op}: dy: expected the shape of y ${formatShape(out.shape)}, got ${formatShape(grad.shape)}`);
  const n = out.size;
  const slices = elementSlices(ctx, n, Math.max(out.buffer.size, grad.buffer.size), `${op}: y`);
  return recordOp(ctx, op, encoder, [out, grad], (rec) => {
    const dx = ctx.output(out.shape, "f32", op);
    for (const slice of slices) {
      const range = (buffer: GPUBuffer): GPUBuffer | GPUBufferBinding => bindSlice(buffer, slices.length > 1 ? slice : undefined);
      rec.dispatch(kSigmoidBackwardKernel, {
        constants: { WG: kWG, PER_THREAD: kPerThread },
        uniforms: { size: slice.rows, x_offset: slice.elementOffset },
        bindings: { y: range(out.buffer), dy: range(grad.buffer), dx: range(dx.buffer) },
        workgroups: Math.ceil(slice.rows / (kWG * kPerThread)),
      });
    }
    return [dx] as const;
  })[0];
}
