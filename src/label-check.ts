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

export class LabelCheck {
  readonly buffer: GPUBuffer;
  private refs = 0;

  /**
   * `pooled`: the op submits its own work, so the status words can come from the buffer pool (reset
   * by a queue write that lands before that submit) and go back to it after the last reader is gone
   * and the queue is done. With a caller's encoder we cannot tell when it is submitted: a fresh buffer.
   */
  constructor(
    private readonly device: GPUDevice,
    readonly op: string,
    /** The class-index targets' shape and dtype (a u32 label is printed as u32). */
    readonly target: { readonly shape: Shape; readonly dtype: string },
    readonly classes: number,
    readonly ignoreIndex: number | undefined,
    private readonly pooled = false,
  ) {
    const usage = kBufferUsage.STORAGE | kBufferUsage.COPY_SRC | kBufferUsage.COPY_DST;
    const clean = new Uint32Array([kNoBadPosition, 0, 0, 0]);
    if (pooled) {
      this.buffer = acquireBuffer(device, 16, usage, "xent:label-status");
      device.queue.writeBuffer(this.buffer, 0, clean);
      return;
    }
    this.buffer = createBuffer(device, { label: `xent:${op}:label-status`, size: 16, usage, mappedAtCreation: true });
    new Uint32Array(this.buffer.getMappedRange()).set(clean);
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
