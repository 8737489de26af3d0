/** softmax, logSoftmax and sigmoid on the GPU. */
import {
  checkEncoder,
  checkKnownOptions,
  checkOptions,
  checkTensor,
  rowKernel,
  startRecording,
  finishRecording,
  type RecordOptions,
  type XentContext,
} from "../context.js";
import { kBytesPerElement, kLogitDTypeCode, kLogitDTypes } from "../dtype.js";
import { kSigmoidKernel, kSoftmaxKernels } from "../kernels.js";
import { planRows, planSplit, vec4Rows } from "../row-plan.js";
import type { UniformField } from "../kernel.js";
import { describe, normalizeDim, rowView } from "../shape.js";
import { bindSlice, planBindingSlices, sliceIn, type BindingSlice } from "../binding-slices.js";
import type { Tensor } from "../tensor.js";

export interface SoftmaxOptions extends RecordOptions {
  /** The dimension normalised over (default -1, the last). */
  dim?: number;
  /** Divides the logits by this (> 0) before normalising (default 1). */
  temperature?: number;
}

const kSoftmaxOptions = ["dim", "temperature", "encoder"] as const;

export function checkTemperature(value: unknown, op: string): number {
  if (value === undefined) return 1;
  if (typeof value !== "number") throw new TypeError(`${op}: temperature: expected a number, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${op}: temperature: expected a finite number > 0, got ${value}`);
  return value;
}

function rowSoftmax(ctx: XentContext, op: "softmax" | "logSoftmax", x: unknown, options: unknown): Tensor<"f32"> {
  const opts = checkOptions(options, op);
  checkKnownOptions(opts, kSoftmaxOptions, op);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(opts.dim ?? -1, input.shape.length, `${op}: dim`);
  const temperature = checkTemperature(opts.temperature, op);
  const encoder = checkEncoder(opts.encoder, op);

  const view = rowView(input.shape, dim);
  const plan = planRows(view, ctx.device.limits, ctx.adapterKind);
  const vec4 = vec4Rows(view);
  const split = planSplit(view, ctx.device.limits, ctx.adapterKind);
  const rec = startRecording(ctx, op, encoder);
  const out = ctx.output(input.shape, "f32", op);
  // Too large for one binding: slices planned on the f32 output (at least as large as the input);
  // the input's range for the same rows follows (16-bit input sits at another offset).
  const alignment = ctx.device.limits.minStorageBufferOffsetAlignment;
  const slices = planBindingSlices(view, 4, ctx.maxBindingBytes, alignment, out.buffer.size, `${op}: x`);
  const constants = {
    LOG_SOFTMAX: op === "logSoftmax",
    TWO_PASS: ctx.adapterKind === "cpu",
    VEC4: vec4,
    DTYPE: kLogitDTypeCode[input.dtype] as number,
  };
  const uniforms = (rows: number, elementOffset: number, outputOffset: number): UniformField[] => [
    ["u32", rows],
    ["u32", view.classes],
    ["u32", view.inner],
    ["f32", 1 / temperature],
    ["u32", split?.chunks ?? 1],
    ["u32", split?.chunkLength ?? view.classes],
    ["u32", elementOffset],
    ["u32", outputOffset],
  ];
  // x is bound as scalars and as vec4s; the output goes to the view the variant writes, a scratch
  // buffer to the other (a buffer may be bound writable only once per dispatch).
  const outputs = (partials: GPUBuffer, xRange?: BindingSlice, yRange?: BindingSlice): (GPUBuffer | GPUBufferBinding)[] => {
    const x = bindSlice(input.buffer, xRange);
    const y = bindSlice(out.buffer, yRange);
    return [x, vec4 ? ctx.scratch(0) : y, x, vec4 ? y : ctx.scratch(0), partials];
  };
  if (split && view.classes > 0 && slices.length === 1) {
    // Chunk states first (written through y), then every (row, chunk) merges them and writes.
    const partials = rec.temporary(view.rows * split.chunks * 8, "chunk-states");
    const wg = { WG: split.workgroupSize, ROW_THREADS: split.workgroupSize };
    const chunkKernel = rowKernel(ctx, kSoftmaxKernels, split.workgroupSize);
    rec.dispatch({
      kernel: chunkKernel.kernel,
      constants: { ...constants, ...wg, SPLIT: 1, SUBGROUPS: chunkKernel.subgroups },
      uniforms: uniforms(view.rows, 0, 0),
      buffers: [input.buffer, partials, input.buffer, ctx.scratch(0), ctx.scratch(1)],
      workgroups: view.rows * split.chunks,
    });
    rec.dispatch({
      kernel: chunkKernel.kernel,
      constants: { ...constants, ...wg, SPLIT: 2, SUBGROUPS: chunkKernel.subgroups },
      uniforms: uniforms(view.rows, 0, 0),
      buffers: outputs(partials),
      workgroups: view.rows * split.chunks,
    });
  } else {
    const { kernel, subgroups } = rowKernel(ctx, kSoftmaxKernels, plan.rowThreads);
    const rowsPerGroup = plan.workgroupSize / plan.rowThreads;
    for (const slice of slices) {
      const sliced = slices.length > 1;
      const xSlice = sliceIn(view, slice, kBytesPerElement[input.dtype], alignment, input.buffer.size);
      rec.dispatch({
        kernel,
        constants: { ...constants, WG: plan.workgroupSize, ROW_THREADS: plan.rowThreads, SUBGROUPS: subgroups },
        uniforms: uniforms(slice.rows, sliced ? xSlice.elementOffset : 0, sliced ? slice.elementOffset : 0),
        buffers: outputs(ctx.scratch(1), sliced ? xSlice : undefined, sliced ? slice : undefined),
        workgroups: view.classes === 0 ? 0 : Math.ceil(slice.rows / rowsPerGroup),
      });
    }
  }
  finishRecording(rec, [out], [input]);
  return out;
}

/** softmax(x)_c = exp((x_c − max x) / T) / Σ_k exp((x_k − max x) / T), along `dim`. */
export function softmax(ctx: XentContext, x: unknown, options?: SoftmaxOptions): Tensor<"f32"> {
  return rowSoftmax(ctx, "softmax", x, options);
}

/** logSoftmax(x)_c = (x_c − max x) / T − log Σ_k exp((x_k − max x) / T), along `dim`. */
export function logSoftmax(ctx: XentContext, x: unknown, options?: SoftmaxOptions): Tensor<"f32"> {
  return rowSoftmax(ctx, "logSoftmax", x, options);
}

const kPerThread = 4;

/** sigmoid(x) = 1 / (1 + exp(−x)), elementwise, computed without overflow for any x. */
export function sigmoid(ctx: XentContext, x: unknown, options?: RecordOptions): Tensor<"f32"> {
  const opts = checkOptions(options, "sigmoid");
  checkKnownOptions(opts, ["encoder"], "sigmoid");
  const input = checkTensor(ctx, x, "sigmoid: x", ["f32"]);
  const encoder = checkEncoder(opts.encoder, "sigmoid");
  const n = input.size;
  const slices = planBindingSlices(
    { outer: n, classes: 1, inner: 1, rows: n },
    4,
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    input.buffer.size,
    "sigmoid: x",
  );
  const rec = startRecording(ctx, "sigmoid", encoder);
  const out = ctx.output(input.shape, "f32", "sigmoid");
  const wg = 64;
  for (const slice of slices) {
    const range = (buffer: GPUBuffer): GPUBuffer | GPUBufferBinding => bindSlice(buffer, slices.length > 1 ? slice : undefined);
    rec.dispatch({
      kernel: kSigmoidKernel,
      constants: { WG: wg, PER_THREAD: kPerThread },
      uniforms: [
        ["u32", slice.rows],
        ["u32", slice.elementOffset],
      ],
      buffers: [range(input.buffer), range(out.buffer)],
      workgroups: Math.ceil(slice.rows / (wg * kPerThread)),
    });
  }
  finishRecording(rec, [out], [input]);
  return out;
}
