/** softmax and logSoftmax on the GPU (kernel: shaders/softmax.wgsl; reference: src/reference/softmax.ts). */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, recordOp, subgroupMerges, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { defineKernel, type UniformValues } from "../kernel-descriptor.js";
import { checkEncoder, checkOpOptions, checkTemperature, optionalDim, type OptionChecksFor } from "../option-checks.js";
import { planRowOp } from "../row-plan.js";
import { normalizeDim, rowView } from "../shape.js";
import { bindRange } from "../binding-slices.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
import softmaxWgsl from "../../shaders/softmax.wgsl?raw";

export interface SoftmaxOptions extends RecordOptions {
  /** The dimension normalised over (default -1, the last). */
  dim?: number;
  /** Divides the logits by this (> 0) before normalising (default 1). */
  temperature?: number;
}

export const kSoftmaxOptionChecks = {
  dim: optionalDim,
  temperature: checkTemperature,
  encoder: checkEncoder,
} satisfies OptionChecksFor<SoftmaxOptions>;

export const kSoftmaxKernel = defineKernel({
  name: "softmax",
  body: softmaxWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    inv_temp: "f32",
    chunks: "u32",
    chunk_len: "u32",
    // A tensor bound in slices: the slice's first element within x's bound range, and the
    // output's within y's (they differ for 16-bit input).
    x_offset: "u32",
    y_offset: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The input's words: f32, or two packed 16-bit values (DTYPE)." },
    y: { type: "array<f32>", access: "read_write", optional: true, doc: "The output (other rows)." },
    x4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "The input as vec4s (VEC4 rows, f32)." },
    out4: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "The output as vec4s (VEC4 and SPAN4 rows)." },
    partials: { type: "array<vec2<f32>>", access: "read_write", optional: true, doc: "Split rows: each chunk's (m, s)." },
  },
  overrides: sharedOverrides("WG", "ROW_THREADS", "LOG_SOFTMAX", "TWO_PASS", "VEC4", "SPAN4", "SPAN4_STORE", "DTYPE", "SUBGROUPS"),

  entryPoints: ["main", "split_partial", "split_output"],
});

function rowSoftmax(ctx: XentContext, op: "softmax" | "logSoftmax", x: unknown, options: unknown): Tensor<"f32"> {
  const { dim: dimOption, temperature, encoder } = checkOpOptions(options, op, kSoftmaxOptionChecks);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(dimOption ?? -1, input.shape.length, `${op}: dim`);

  const view = rowView(input.shape, dim);
  // Too large for one binding: slices of rows, each tensor at its own offset (16-bit input, f32 output).
  const plan = planRowOp({
    view,
    tensors: {
      x: { bufferSize: input.buffer.size, bytesPerElement: kBytesPerElement[input.dtype] },
      y: { bufferSize: outputBufferSize(input.size * 4), bytesPerElement: 4 },
    },
    input: "x",
    inputDType: input.dtype,
    splits: true,
    limits: ctx.device.limits,
    adapter: ctx.adapterKind,
    maxBindingBytes: ctx.maxBindingBytes,
    what: `${op}: x`,
  });
  const { vec4, span4, x4, split } = plan;
  const span4Store = plan.span4Stores;
  return recordOp(ctx, op, encoder, [input], (rec) => {
    const out = ctx.output(input.shape, "f32", op);
    const constants = {
      LOG_SOFTMAX: op === "logSoftmax",
      TWO_PASS: ctx.adapterKind === "cpu",
      VEC4: vec4,
      SPAN4: span4,
      SPAN4_STORE: span4Store,
      DTYPE: input.dtype as LogitDType,
    };
    const uniforms = (rows: number, xOffset: number, yOffset: number): UniformValues<typeof kSoftmaxKernel.uniforms> => ({
      rows,
      classes: view.classes,
      inner: view.inner,
      inv_temp: 1 / temperature,
      chunks: split?.chunks ?? 1,
      chunk_len: split?.chunkLength ?? view.classes,
      x_offset: xOffset,
      y_offset: yOffset,
    });
    if (split && view.classes > 0) {
      // Chunk states first, then every (row, chunk) merges them and writes its classes.
      const partials = rec.temporary(view.rows * split.chunks * 8, "chunk-states");
      const subgroups = subgroupMerges(ctx, split.workgroupSize);
      const common = {
        constants: { ...constants, WG: split.workgroupSize, ROW_THREADS: split.workgroupSize },
        uniforms: uniforms(view.rows, 0, 0),
        workgroups: view.rows * split.chunks,
        subgroups,
      };
      rec.dispatch(kSoftmaxKernel, {
        ...common,
        entryPoint: "split_partial",
        bindings: { xw: input.buffer, ...(x4 ? { x4: input.buffer } : {}), partials },
      });
      rec.dispatch(kSoftmaxKernel, {
        ...common,
        entryPoint: "split_output",
        bindings: {
          xw: input.buffer,
          partials,
          ...(x4 ? { x4: input.buffer } : {}),
          ...(vec4 || span4Store ? { out4: out.buffer } : { y: out.buffer }),
        },
      });
    } else {
      const subgroups = subgroupMerges(ctx, plan.rows.rowThreads);
      const rowsPerGroup = plan.rows.workgroupSize / plan.rows.rowThreads;
      for (const slice of plan.slices) {
        const xRange = bindRange(input.buffer, slice.ranges.x);
        const yRange = bindRange(out.buffer, slice.ranges.y);
        rec.dispatch(kSoftmaxKernel, {
          constants: { ...constants, WG: plan.rows.workgroupSize, ROW_THREADS: plan.rows.rowThreads },
          uniforms: uniforms(slice.rows, slice.offsets.x, slice.offsets.y),
          bindings: { xw: xRange, ...(x4 ? { x4: xRange } : {}), ...(vec4 || span4Store ? { out4: yRange } : { y: yRange }) },
          workgroups: view.classes === 0 ? 0 : Math.ceil(slice.rows / rowsPerGroup),
          subgroups,
        });
      }
    }
    return [out] as const;
  })[0];
}

/**
 * softmax(x)_c = exp((x_c − max x) / T) / Σ_k exp((x_k − max x) / T) along `dim` (default −1).
 * @op
 */
export function softmax(ctx: XentContext, x: Tensor, options?: SoftmaxOptions): Tensor<"f32"> {
  return rowSoftmax(ctx, "softmax", x, options);
}

/**
 * logSoftmax(x)_c = (x_c − max x) / T − log Σ_k exp((x_k − max x) / T) along `dim` (default −1).
 * @op
 */
export function logSoftmax(ctx: XentContext, x: Tensor, options?: SoftmaxOptions): Tensor<"f32"> {
  return rowSoftmax(ctx, "logSoftmax", x, options);
}
