/**
 * softmaxBackward and logSoftmaxBackward on the GPU (kernel: shaders/softmax-backward.wgsl;
 * reference: src/reference/softmax.ts): the vector-Jacobian products of the row softmaxes, from
 * the forward's output, one pass per row.
 */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, recordOp, subgroupMerges, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, kLogitDTypeValues, type LogitDType } from "../dtype.js";
import { defineKernel } from "../kernel-descriptor.js";
import { checkEncoder, checkOpOptions, optionalDim, type OptionChecksFor } from "../option-checks.js";
import { planRowOp } from "../row-plan.js";
import { formatShape, normalizeDim, rowView, sameShape } from "../shape.js";
import { bindRange } from "../binding-slices.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
import softmaxBackwardWgsl from "../../shaders/softmax-backward.wgsl?raw";

export interface SoftmaxBackwardOptions extends RecordOptions {
  /** The dimension the forward normalised over (default −1, the last). */
  dim?: number;
}

export const kSoftmaxBackwardOptionChecks = { dim: optionalDim, encoder: checkEncoder } satisfies OptionChecksFor<SoftmaxBackwardOptions>;

export const kSoftmaxBackwardKernel = defineKernel({
  name: "softmax-backward",
  body: softmaxBackwardWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    // A tensor bound in slices: the slice's first element within the bound ranges of y, dy and out
    // (they differ when y or dy is 16-bit).
    x_offset: "u32",
    dy_offset: "u32",
    out_offset: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The forward's output y: f32, or two packed 16-bit values (DTYPE)." },
    dyw: { type: "array<u32>", access: "read", doc: "The upstream gradient dy (DY_DTYPE)." },
    out: { type: "array<f32>", access: "read_write", optional: true, doc: "dx (scalar rows)." },
    x4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "y as vec4s (VEC4 rows, f32)." },
    dy4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "dy as vec4s (VEC4 rows, f32)." },
    out4: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "dx as vec4s (VEC4 rows)." },
  },
  overrides: {
    ...sharedOverrides("WG", "ROW_THREADS", "LOG_SOFTMAX", "DTYPE", "SUBGROUPS", "VEC4"),
    DY_DTYPE: { kind: "enum", values: kLogitDTypeValues, doc: "The upstream gradient's storage (as DTYPE)." },
  },
});

function rowBackward(
  ctx: XentContext,
  op: "softmaxBackward" | "logSoftmaxBackward",
  y: unknown,
  dy: unknown,
  options: unknown,
): Tensor<"f32"> {
  const { dim: dimOption, encoder } = checkOpOptions(options, op, kSoftmaxBackwardOptionChecks);
  const out = checkTensor(ctx, y, `${op}: y`, kLogitDTypes);
  const grad = checkTensor(ctx, dy, `${op}: dy`, kLogitDTypes);
  if (!sameShape(out.shape, grad.shape))
    throw new RangeError(`${op}: dy: expected the shape of y ${formatShape(out.shape)}, got ${formatShape(grad.shape)}`);
  if (out.shape.length === 0) throw new RangeError(`${op}: y: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(dimOption ?? -1, out.shape.length, `${op}: dim`);
  const view = rowView(out.shape, dim);
  // Too large for one binding: slices of rows, y, dy and dx each at its own offset (16-bit inputs, f32 output).
  const plan = planRowOp({
    view,
    tensors: {
      y: { bufferSize: out.buffer.size, bytesPerElement: kBytesPerElement[out.dtype] },
      dy: { bufferSize: grad.buffer.size, bytesPerElement: kBytesPerElement[grad.dtype] },
      dx: { bufferSize: outputBufferSize(out.size * 4), bytesPerElement: 4 },
    },
    input: "y",
    inputDType: out.dtype,
    limits: ctx.device.limits,
    adapter: ctx.adapterKind,
    maxBindingBytes: ctx.maxBindingBytes,
    what: `${op}: y`,
  });
  const vec4 = plan.vec4;
  return recordOp(ctx, op, encoder, [out, grad], (rec) => {
    const dx = ctx.output(out.shape, "f32", op);
    const rowsPerGroup = plan.rows.workgroupSize / plan.rows.rowThreads;
    for (const slice of plan.slices) {
      const yRange = bindRange(out.buffer, slice.ranges.y);
      const dyRange = bindRange(grad.buffer, slice.ranges.dy);
      const dxRange = bindRange(dx.buffer, slice.ranges.dx);
      rec.dispatch(kSoftmaxBackwardKernel, {
        constants: {
          WG: plan.rows.workgroupSize,
          ROW_THREADS: plan.rows.rowThreads,
          LOG_SOFTMAX: op === "logSoftmaxBackward",
          DTYPE: out.dtype as LogitDType,
          DY_DTYPE: grad.dtype as LogitDType,
          VEC4: vec4,
        },
        uniforms: {
          rows: slice.rows,
          classes: view.classes,
          inner: view.inner,
          x_offset: slice.offsets.y,
          dy_offset: slice.offsets.dy,
          out_offset: slice.offsets.dx,
        },
        bindings: {
          xw: yRange,
          dyw: dyRange,
          ...(vec4 ? { out4: dxRange, x4: yRange, dy4: dyRange } : { out: dxRange }),
        },
        workgroups: view.classes === 0 ? 0 : Math.ceil(slice.rows / rowsPerGroup),
        subgroups: subgroupMerges(ctx, plan.rows.rowThreads),
      });
    }
    return [dx] as const;
  })[0];
}

/**
 * softmax's backward from its output y: dx = y ⊙ (dy − Σ dy ⊙ y) along `dim` (default −1), one pass per row.
 * @op
 */
export function softmaxBackward(ctx: XentContext, y: Tensor, dy: Tensor, options?: SoftmaxBackwardOptions): Tensor<"f32"> {
  return rowBackward(ctx, "softmaxBackward", y, dy, options);
}

/**
 * logSoftmax's backward from its output y: dx = dy − exp(y)·Σ dy along `dim` (default −1), one pass per row.
 * @op
 */
export function logSoftmaxBackward(ctx: XentContext, y: Tensor, dy: Tensor, options?: SoftmaxBackwardOptions): Tensor<"f32"> {
  return rowBackward(ctx, "logSoftmaxBackward", y, dy, options);
}
