/** What every op needs from an {@link Xent}: the device, allocation and argument checks. */
import type { DType } from "./dtype.js";
import type { AdapterKind } from "./row-plan.js";
import { Recording } from "./recording.js";
import type { StatusCheck } from "./label-check.js";
import { describe, type Shape } from "./shape.js";
import { SharedBuffers, Tensor } from "./tensor.js";

export interface XentContext {
  readonly device: GPUDevice;
  /** The adapter offers subgroup operations and they were enabled. */
  readonly hasSubgroups: boolean;
  /** The smallest subgroup size the adapter may use (0 when unknown): rows of at most this many lanes merge by shuffles. */
  readonly subgroupMinSize: number;
  /** A real GPU or a CPU emulation of one: the row plans differ (see row-plan.ts). */
  readonly adapterKind: AdapterKind;
  assertUsable(what: string): void;
  /** The small buffer bound to binding slot `binding` where a kernel variant leaves an optional binding out. */
  placeholder(binding: number): GPUBuffer;
  /** Uploads CPU data as a new tensor (as `xent.tensor()`). */
  upload(data: Int32Array | Float32Array, shape: readonly number[]): Tensor;
  /** The most bytes one storage binding may hold (device limit, or the smaller CreateOptions.maxBindingBytes). */
  readonly maxBindingBytes: number;
  /** A tensor over an existing buffer that destroy() leaves alone (wrap(), in-place results). */
  alias<D extends DType>(buffer: GPUBuffer, shape: Shape, dtype: D, checks?: StatusCheck[]): Tensor<D>;
  /** A new owned output tensor. */
  output<D extends DType>(shape: Shape, dtype: D, label: string, checks?: StatusCheck[]): Tensor<D>;
}

/** Options every op accepts. */
export interface RecordOptions {
  /** Record into this encoder instead of submitting; the caller submits it (batching many ops in one submit). */
  encoder?: GPUCommandEncoder;
}

/** Throws unless `value` is a live tensor of this context's device with one of `dtypes`. */
export function checkTensor(ctx: XentContext, value: unknown, argName: string, dtypes: readonly DType[]): Tensor {
  ctx.assertUsable(argName);
  if (!(value instanceof Tensor)) {
    throw new TypeError(`${argName}: expected a Tensor (from xent.tensor() or xent.wrap()), got ${describe(value)}`);
  }
  const tensor = value as Tensor;
  tensor.assertAlive(argName);
  if (tensor.device !== ctx.device) {
    throw new TypeError(`${argName}: the tensor belongs to another GPUDevice than this Xent's`);
  }
  if (!dtypes.includes(tensor.dtype)) {
    const list = dtypes.length > 1 ? `${dtypes.slice(0, -1).join(", ")} or ${dtypes[dtypes.length - 1]}` : dtypes[0];
    throw new TypeError(`${argName}: expected dtype ${list}, got ${tensor.dtype}`);
  }
  return tensor;
}

function startRecording(ctx: XentContext, op: string, encoder: GPUCommandEncoder | undefined): Recording {
  return new Recording(ctx.device, op, (binding) => ctx.placeholder(binding), encoder);
}

/**
 * Records one op: `body` allocates its outputs and records its kernels into `rec`; the work is then
 * submitted (or left in the caller's encoder) and the outputs inherit the inputs' failures.
 */
export function recordOp<T extends readonly Tensor[]>(
  ctx: XentContext,
  op: string,
  encoder: GPUCommandEncoder | undefined,
  inputs: readonly Tensor[],
  body: (rec: Recording) => T,
): T {
  const rec = startRecording(ctx, op, encoder);
  let outputs: T;
  try {
    outputs = body(rec);
  } catch (error) {
    rec.abort();
    throw error;
  }
  finishRecording(rec, outputs, inputs);
  return outputs;
}

/**
 * Submits (or leaves to the caller) the op's work. Temporaries in a caller's encoder live as long
 * as the outputs; a GPU error or failed label check of this op, or of the op that made an input,
 * fails the outputs' read().
 */
function finishRecording(rec: Recording, outputs: readonly Tensor[], inputs: readonly Tensor[]): void {
  const { keepAlive, error, submitted } = rec.finish();
  const failure = firstFailure([error, ...inputs.map((t) => t.failure)]);
  for (const out of outputs) out.inheritFrom(failure, inputs, submitted);
  if (keepAlive.length === 0) return;
  const shared = new SharedBuffers(keepAlive);
  for (const out of outputs) out.keepAliveUntilDestroyed(shared);
}

async function firstFailure(failures: readonly Promise<Error | undefined>[]): Promise<Error | undefined> {
  for (const e of await Promise.all(failures)) if (e) return e;
  return undefined;
}

/** Whether a row kernel merges its lanes by subgroup shuffles: when a row's lanes surely share one subgroup. */
export function subgroupMerges(ctx: XentContext, rowThreads: number): boolean {
  return ctx.hasSubgroups && rowThreads > 1 && rowThreads <= ctx.subgroupMinSize;
}
