/**
 * GPU-side validation results. A kernel that checks class indices writes the first bad
 * position into a small status buffer (atomicMin); a one-thread kernel then copies the label
 * found there. `Tensor.read()` maps the status together with the data and rejects when set.
 */
import { acquireBuffer, releaseAfterSubmittedWork } from "./buffer-pool.js";
import { createBuffer, destroyBuffer } from "./gpu-memory.js";
import { kBufferUsage } from "./gpu-flags.js";
import { formatShape, type Shape } from "./shape.js";

/** The status buffer's "no bad label" position (WGSL: 0xffffffffu). */
export const kNoBadPosition = 0xffffffff;

/**
 * Status words copied back with a tensor's data; `errorFor` turns them into the error `read()`
 * rejects with. Shared by the outputs (and downstream outputs) of an op: reference-counted.
 */
export interface StatusCheck {
  readonly buffer: GPUBuffer;
  retain(): this;
  release(): void;
  errorFor(status: Uint32Array): Error | undefined;
}

/**
 * A kernel's 16 status words, set to `clean` before the op's work runs; reference-counted by the
 * tensors that read them. `pooled`: the op submits its own work, so the words can come from the
 * buffer pool (reset by a queue write that lands before that submit) and go back to it after the
 * last reader is gone and the queue is done. With a caller's encoder we cannot tell when it is
 * submitted: a fresh buffer.
 */
export abstract class StatusWords implements StatusCheck {
  readonly buffer: GPUBuffer;
  private refs = 0;

  constructor(
    private readonly device: GPUDevice,
    op: string,
    name: string,
    clean: readonly [number, number, number, number],
    private readonly pooled: boolean,
  ) {
    const usage = kBufferUsage.STORAGE | kBufferUsage.COPY_SRC | kBufferUsage.COPY_DST;
    const words = new Uint32Array(clean);
    if (pooled) {
      this.buffer = acquireBuffer(device, 16, usage, `xent:${name}`);
      device.queue.writeBuffer(this.buffer, 0, words);
      return;
    }
    this.buffer = createBuffer(device, { label: `xent:${op}:${name}`, size: 16, usage, mappedAtCreation: true });
    new Uint32Array(this.buffer.getMappedRange()).set(words);
    this.buffer.unmap();
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs > 0) return;
    if (this.pooled) releaseAfterSubmittedWork(this.device, [this.buffer]);
    else destroyBuffer(this.buffer);
  }

  abstract errorFor(status: Uint32Array): Error | undefined;
}

/** The first bad class index of a kernel that checks labels: words [position, label]. */
export class LabelCheck extends StatusWords {
  constructor(
    device: GPUDevice,
    readonly op: string,
    /** The class-index targets' shape and dtype (a u32 label is printed as u32). */
    readonly target: { readonly shape: Shape; readonly dtype: string },
    readonly classes: number,
    readonly ignoreIndex: number | undefined,
    pooled = false,
  ) {
    super(device, op, "label-status", [kNoBadPosition, 0, 0, 0], pooled);
  }

  /** The error `read()` rejects with, given the status words [position, label]; undefined when clean. */
  errorFor(status: Uint32Array): RangeError | undefined {
    const pos = status[0] ?? kNoBadPosition;
    if (pos === kNoBadPosition) return undefined;
    const bits = status[1] ?? 0;
    const label = this.target.dtype === "u32" ? bits >>> 0 : bits | 0;
    const index = unravel(pos, this.target.shape);
    const ignore = this.ignoreIndex === undefined ? "" : ` and not ignoreIndex (${this.ignoreIndex})`;
    return new RangeError(
      `${this.op}: target${index.length > 0 ? formatShape(index) : ""} (flat position ${pos}) is ${label}: ` +
        `expected a class index in [0, ${this.classes})${ignore}`,
    );
  }
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] ?? 1;
    index[d] = flat % size;
    flat = Math.floor(flat / size);
  }
  return index;
}

/**
 * Work recorded into a caller's encoder runs only if the caller submits it: the recording ends
 * with a copy of a 1 into this word, so a read() that finds it 0 knows the work never ran before
 * it (WebGPU has no other way to tell) and rejects instead of returning zeros.
 */
export class SubmitCheck implements StatusCheck {
  readonly buffer: GPUBuffer;
  private readonly one: GPUBuffer;
  private refs = 0;

  constructor(
    device: GPUDevice,
    readonly op: string,
    encoder: GPUCommandEncoder,
  ) {
    const usage = kBufferUsage.STORAGE | kBufferUsage.COPY_SRC | kBufferUsage.COPY_DST;
    this.buffer = createBuffer(device, { label: `xent:${op}:submitted`, size: 16, usage });
    this.one = createBuffer(device, { label: `xent:${op}:one`, size: 16, usage: kBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint32Array(this.one.getMappedRange()).set([1, 0, 0, 0]);
    this.one.unmap();
    encoder.copyBufferToBuffer(this.one, 0, this.buffer, 0, 16);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs > 0) return;
    destroyBuffer(this.buffer);
    destroyBuffer(this.one);
  }

  errorFor(status: Uint32Array): Error | undefined {
    if (status[0] === 1) return undefined;
    return new Error(
      `webgpu-xent: read(): ${this.op} was recorded into a caller's GPUCommandEncoder that was not submitted before this read(); ` +
        "submit the encoder first (the tensor holds no result yet)",
    );
  }
}
