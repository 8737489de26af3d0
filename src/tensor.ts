/** A GPU tensor: a storage buffer plus shape and dtype. Ops return them without waiting. */
import { destroyBuffer } from "./gpu-memory.js";
import { kBytesPerElement, type DType, type TypedArrayOf } from "./dtype.js";
import type { StatusCheck } from "./label-check.js";
import { formatShape, shapeSize, type Shape } from "./shape.js";

/** The size of the buffer that holds `bytes` of tensor data: bindings need a non-zero size, copies multiples of 4 (16 here). */
export function outputBufferSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/** What a tensor needs from the {@link Xent} that made it. */
export interface TensorOwner {
  readonly device: GPUDevice;
  readBack(tensor: Tensor, statusOnly?: boolean): Promise<ArrayBuffer>;
  /** Throws if the device is lost (a tensor outlives the Xent that made it, not its device). */
  assertDeviceAlive(what: string): void;
  /** The error to report for a failed read: the device loss behind it, if that is what happened. */
  explainFailure(error: unknown, what: string): Promise<unknown>;
}

export interface TensorInit {
  /** false for `wrap()`ed caller buffers: destroy() leaves them alone. */
  owned: boolean;
  /** GPU-side label checks whose failure makes read() reject. */
  checks?: StatusCheck[];
}

export class Tensor<D extends DType = DType> {
  readonly shape: Shape;
  /** Number of elements. */
  readonly size: number;
  private destroyed = false;
  private released = false;
  private pendingReads = 0;
  private readonly keepAlive: SharedBuffers[] = [];
  /** @internal */
  readonly checks: StatusCheck[];
  /** @internal The GPU error of the op that made this tensor (or of one upstream); undefined when none. */
  failure: Promise<Error | undefined> = Promise.resolve(undefined);

  /** @internal Use `xent.tensor()` or `xent.wrap()`. */
  constructor(
    private readonly owner: TensorOwner,
    private readonly gpuBuffer: GPUBuffer,
    shape: Shape,
    readonly dtype: D,
    private readonly init: TensorInit,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.checks = (init.checks ?? []).map((c) => c.retain());
  }

  /** Bytes of data (size × element size); the buffer itself may be larger. */
  get byteLength(): number {
    return this.size * kBytesPerElement[this.dtype];
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The underlying GPUBuffer, for binding it in your own pipelines. Throws if destroyed. */
  get buffer(): GPUBuffer {
    this.assertAlive("buffer");
    return this.gpuBuffer;
  }

  /** @internal The buffer for a read under way (it outlives destroy() until the read settles). */
  get readableBuffer(): GPUBuffer {
    return this.gpuBuffer;
  }

  /** The device the tensor lives on. */
  get device(): GPUDevice {
    return this.owner.device;
  }

  /**
   * Copies the data to the CPU. This is the only call that waits for the GPU. Rejects with a
   * RangeError if a GPU check (e.g. a class index out of range) failed while computing it.
   */
  async read(): Promise<TypedArrayOf[D]> {
    const bytes = await this.fetch("read()", false);
    const Ctor = { f32: Float32Array, i32: Int32Array, u32: Uint32Array, f16: Uint16Array, bf16: Uint16Array }[this.dtype];
    return new Ctor(bytes, 0, this.size) as TypedArrayOf[D];
  }

  /**
   * Resolves when the work that made this tensor has run and every GPU check behind it passed;
   * rejects as read() would (the RangeError of a bad class index, a GPU error), reading back only
   * the checks' status words, never the data. For tensors consumed on the GPU (by TF.js, ORT or
   * your own kernels), which see NaN where a label was bad.
   */
  async validate(): Promise<void> {
    await this.fetch("validate()", true);
  }

  private async fetch(what: string, statusOnly: boolean): Promise<ArrayBuffer> {
    this.assertAlive(what);
    // A read or check in flight keeps the data and status buffers: destroy() before it settles
    // must not hand a status buffer back to the pool, where the next op would reset it to clean
    // before this copy runs (a bad label reported valid).
    this.pendingReads++;
    try {
      const failure = await this.failure;
      if (failure) throw failure;
      return await this.owner.readBack(this, statusOnly);
    } catch (error) {
      throw await this.owner.explainFailure(error, what);
    } finally {
      if (--this.pendingReads === 0 && this.destroyed) this.release();
    }
  }

  /**
   * Frees the GPU memory (not for wrapped caller buffers). Using the tensor afterwards throws; a
   * read() or validate() already under way still settles (its buffers go once it has).
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.pendingReads === 0) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    if (this.init.owned) destroyBuffer(this.gpuBuffer);
    for (const b of this.keepAlive) b.release();
    for (const c of this.checks) c.release();
  }

  /**
   * @internal Made from `inputs`: their GPU errors and failed checks become this tensor's too, and
   * so does `extra` (the op's own submit check, for work recorded into a caller's encoder).
   */
  inheritFrom(failure: Promise<Error | undefined>, inputs: readonly Tensor[], extra?: StatusCheck): void {
    this.failure = failure;
    const checks = [...inputs.flatMap((t) => t.checks), ...(extra ? [extra] : [])];
    for (const c of checks) if (!this.checks.includes(c)) this.checks.push(c.retain());
  }

  /** @internal Keeps buffers (temporaries recorded into a caller's encoder) alive until this tensor is destroyed. */
  keepAliveUntilDestroyed(buffers: SharedBuffers): void {
    this.keepAlive.push(buffers.retain());
  }

  /** @internal Throws if this tensor cannot be used as an input. */
  assertAlive(what: string): void {
    if (this.destroyed) throw new Error(`webgpu-xent: ${what}: tensor ${formatShape(this.shape)} ${this.dtype} was destroyed`);
    this.owner.assertDeviceAlive(what);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype})`;
  }
}

/** Buffers shared by several tensors, destroyed when the last one lets go. */
export class SharedBuffers {
  private refs = 0;
  constructor(private readonly buffers: GPUBuffer[]) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) for (const b of this.buffers) destroyBuffer(b);
  }
}
