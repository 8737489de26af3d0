/** argmax on the GPU (kernel: shaders/argmax.wgsl; reference: src/reference/decode.ts). */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, recordOp, subgroupMerges, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { bindRange, checkRowArrays } from "../binding-slices.js";
import { defineKernel } from "../kernel-descriptor.js";
import { checkEncoder, checkOpOptions, optionalDim, type OptionChecksFor } from "../option-checks.js";
import { planRowOp } from "../row-plan.js";
import { normalizeDim, rowView } from "../shape.js";
import type { Tensor } from "../tensor.js";
import argmaxWgsl from "../../shaders/argmax.wgsl?raw";

export interface ArgmaxOptions extends RecordOptions {
  /** The dimension searched (default −1, the last); it is removed from the result's shape. */
  dim?: number;
}

export const kArgmaxOptionChecks = {
  dim: optionalDim,
  encoder: checkEncoder,
} satisfies OptionChecksFor<ArgmaxOptions>;

export const kArgmaxKernel = defineKernel({
  name: "argmax",
  body: argmaxWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    // A tensor bound in slices: the slice's first element within the bound range, and its first row.
    x_offset: "u32",
    row_offset: "u32",
    // Split rows: chunks a row and classes a chunk.
    chunks: "u32",
    chunk_len: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The input's words: f32, or two packed 16-bit values (DTYPE)." },
    out: { type: "array<i32>", access: "read_write", doc: "One index a row." },
    partials: { type: "array<vec2<u32>>", access: "read_write", optional: true, doc: "Split rows: each chunk's best (key, index)." },
    x4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "VEC4 rows of f32: the input as vec4s." },
  },
  overrides: sharedOverrides("WG", "ROW_THREADS", "DTYPE", "SUBGROUPS", "VEC4"),
  entryPoints: ["main", "split_partial", "split_merge"],
});

/**
 * argmax(x)_r = min { c : x_{r,c} = max_k x_{r,k} } along `dim` (default −1), NaN counting as the
 * maximum (torch.argmax): an i32 index per row, the dim removed from the shape.
 * @op
 */
export function argmax(ctx: XentContext, x: Tensor, options?: ArgmaxOptions): Tensor<"i32"> {
  const op = "argmax";
  const { dim: dimOption, encoder } = checkOpOptions(options, op, kArgmaxOptionChecks);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(dimOption ?? -1, input.shape.length, `${op}: dim`);
  const view = rowView(input.shape, dim);
  if (view.classes === 0 && view.rows > 0) throw new RangeError(`${op}: x: the dim ${dim} has size 0 (an argmax needs one element)`);
  checkRowArrays(op, view.rows, 4, "their indices", ctx.maxBindingBytes);
  const plan = planRowOp({
    view,
    tensors: { x: { bufferSize: input.buffer.size, bytesPerElement: kBytesPerElement[input.dtype] } },
    input: "x",
    inputDType: input.dtype,
    splits: true,
    limits: ctx.device.limits,
    adapter: ctx.adapterKind,
    maxBindingBytes: ctx.maxBindingBytes,
    what: `${op}: x`,
  });
  return recordOp(ctx, op, encoder, [input], (rec) => {
    const out = ctx.output(
      input.shape.filter((_, d) => d !== dim),
      "i32",
      op,
    );
    const split = plan.split;
    if (split && view.classes > 0) {
      // Few long rows (a GPU): a workgroup per (row, chunk), then a thread per row merges.
      const partials = rec.temporary(view.rows * split.chunks * 8, "chunk-pairs");
      const uniforms = {
        rows: view.rows,
        classes: view.classes,
        inner: view.inner,
        x_offset: 0,
        row_offset: 0,
        chunks: split.chunks,
        chunk_len: split.chunkLength,
      };
      rec.dispatch(kArgmaxKernel, {
        constants: { WG: split.workgroupSize, ROW_THREADS: split.workgroupSize, DTYPE: input.dtype as LogitDType, VEC4: plan.vec4 },
        entryPoint: "split_partial",
        uniforms,
        bindings: { xw: input.buffer, out: out.buffer, partials, ...(plan.x4 ? { x4: input.buffer } : {}) },
        workgroups: view.rows * split.chunks,
        subgroups: subgroupMerges(ctx, split.workgroupSize),
      });
      rec.dispatch(kArgmaxKernel, {
        constants: { WG: 64, ROW_THREADS: 1, DTYPE: input.dtype as LogitDType },
        entryPoint: "split_merge",
        uniforms,
        bindings: { xw: input.buffer, out: out.buffer, partials },
        workgroups: Math.ceil(view.rows / 64),
      });
      return [out] as const;
    }
    const rowsPerGroup = plan.rows.workgroupSize / plan.rows.rowThreads;
    for (const slice of plan.slices) {
      rec.dispatch(kArgmaxKernel, {
        constants: { WG: plan.rows.workgroupSize, ROW_THREADS: plan.rows.rowThreads, DTYPE: input.dtype as LogitDType, VEC4: plan.vec4 },
        uniforms: {
          rows: slice.rows,
          classes: view.classes,
          inner: view.inner,
          x_offset: slice.offsets.x,
          row_offset: slice.firstRow,
          chunks: 1,
          chunk_len: view.classes,
        },
        bindings: {
          xw: bindRange(input.buffer, slice.ranges.x),
          out: out.buffer,
          ...(plan.x4 ? { x4: bindRange(input.buffer, slice.ranges.x) } : {}),
        },
        workgroups: Math.ceil(slice.rows / rowsPerGroup),
        subgroups: subgroupMerges(ctx, plan.rows.rowThreads),
      });
    }
    return [out] as const;
  })[0];
}
