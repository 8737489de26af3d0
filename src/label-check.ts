/**
 * GPU-side validation results. A kernel that checks class indices writes the first bad
 * position into a small status buffer (atomicMin); a one-thread kernel then copies the label
 * found there. `Tensor.read()` maps the status together with the data and rejects when set.
 */
import { createBuffer, destroyBuffer } from "./gpu-memory.js";
import { kBufferUsage } from "./gpu-flags.js";
import { formatShape, type Shape } from "./shape.js";

/** The status buffer's "no bad label" position (WGSL: 0xffffffffu). */
export const kNoBadPosition = 0xffffffff;

export class LabelCheck {
  readonly buffer: GPUBuffer;
  private refs = 0;

  constructor(
    device: GPUDevice,
    readonly op: string,
    readonly targetShape: Shape,
    readonly classes: number,
    readonly ignoreIndex: number | undefined,
  ) {
    this.buffer = createBuffer(device, {
      label: `xent:${op}:label-status`,
      size: 16,
      usage: kBufferUsage.STORAGE | kBufferUsage.COPY_SRC | kBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    new Uint32Array(this.buffer.getMappedRange()).set([kNoBadPosition, 0, 0, 0]);
    this.buffer.unmap();
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) destroyBuffer(this.buffer);
  }

  /** The error `read()` rejects with, given the status words [position, label]; undefined when clean. */
  errorFor(status: Uint32Array): RangeError | undefined {
    const pos = status[0] ?? kNoBadPosition;
    if (pos === kNoBadPosition) return undefined;
    const label = (status[1] ?? 0) | 0;
    const index = unravel(pos, this.targetShape);
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
