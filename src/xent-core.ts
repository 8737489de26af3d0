/** The internals of an {@link Xent}: its device, tensors, read-back, memory and device loss. */
import { createBuffer, destroyBuffer, memoryStats, type MemoryStats } from "./gpu-memory.js";
import { pipelineCount } from "./pipeline-cache.js";
import { isMaybeDeviceLoss, maybeDeviceLoss } from "./device-loss.js";
import { drainPool, pooledStats } from "./buffer-pool.js";
import type { XentContext } from "./context.js";
import { dtypeOfArray, isDType, kBytesPerElement, type DType, type HalfDType, type TypedArrayOf } from "./dtype.js";
import { kBufferUsage, kMapModeRead } from "./gpu-flags.js";
import type { StatusCheck } from "./label-check.js";
import { checkShape, describe, formatShape, shapeSize, type Shape } from "./shape.js";
import { outputBufferSize, Tensor, type TensorOwner } from "./tensor.js";
import { adapterKindOf, type AdapterKind } from "./row-plan.js";

/**
 * What an {@link Xent} does besides running ops: tensors, read-back, memory, device loss. Ops get
 * it as their XentContext; it never appears in the public API (Xent keeps it in a private field).
 */
export class XentCore implements XentContext, TensorOwner {
  readonly hasSubgroups: boolean;
  readonly subgroupMinSize: number;
  readonly maxBindingBytes: number;
  /** "cpu" on SwiftShader and other emulated adapters, where the kernels avoid barriers. */
  readonly adapterKind: AdapterKind;
  private lostMessage: string | undefined;
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    adapterKind?: AdapterKind,
    useSubgroups = true,
    maxBindingBytes?: number,
  ) {
    if (maxBindingBytes !== undefined && !(Number.isInteger(maxBindingBytes) && maxBindingBytes >= 4096)) {
      throw new RangeError(`Xent: maxBindingBytes: expected an integer >= 4096, got ${describe(maxBindingBytes)}`);
    }
    this.maxBindingBytes = Math.min(device.limits.maxStorageBufferBindingSize, maxBindingBytes ?? Infinity);
    this.hasSubgroups = useSubgroups && device.features.has("subgroups");
    const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { subgroupMinSize?: number } }).adapterInfo;
    this.subgroupMinSize = info?.subgroupMinSize ?? 0;
    this.adapterKind = adapterKind ?? adapterKindOf(device);
    // Through a WeakRef: a pending `lost` promise is rooted by the device, and must not keep a
    // dropped Xent (and the device it made) from being garbage-collected.
    const self = new WeakRef(this);
    void device.lost.then((info) => {
      const core = self.deref();
      if (core) core.lostMessage = `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ""})`;
    });
  }

  /**
   * A read that failed because the device went away says so. Only a failed copy or mapping can be
   * a device loss, which Dawn and browsers report a moment after: those wait up to 100 ms for it;
   * a failed check, a GPU error of the op or a caller's unsubmitted encoder is reported at once.
   */
  async explainFailure(error: unknown, what: string): Promise<unknown> {
    if (!isMaybeDeviceLoss(error)) return error;
    if (!this.lostMessage) await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
    if (this.lostMessage)
      return new Error(`webgpu-xent: ${what}: ${this.lostMessage}; create a new one with Xent.create()`, { cause: error });
    return error;
  }

  /** Throws if this Xent was destroyed or its device lost: every op and tensor()/wrap() calls it first. */
  assertUsable(what: string): void {
    if (this.destroyed) throw new Error(`webgpu-xent: ${what}: this Xent was destroyed`);
    this.assertDeviceAlive(what);
  }

  assertDeviceAlive(what: string): void {
    if (this.lostMessage) throw new Error(`webgpu-xent: ${what}: ${this.lostMessage}; create a new one with Xent.create()`);
  }

  /**
   * Uploads `data` as a tensor of `shape`. The dtype follows the array (Float32Array → f32,
   * Int32Array → i32, Uint32Array → u32, Uint16Array → f16 bit patterns, or bf16 when `dtype` says
   * so); a plain number array becomes f32. See `toFloat16Bits` / `toBfloat16Bits`.
   */
  tensor<A extends TypedArrayOf[DType] | readonly number[]>(
    data: A,
    shape?: readonly number[],
    dtype?: DType,
  ): Tensor<A extends Int32Array ? "i32" : A extends Uint32Array ? "u32" : A extends Uint16Array ? HalfDType : "f32"> {
    this.assertUsable("tensor()");
    const array = Array.isArray(data) ? Float32Array.from(data as readonly number[]) : data;
    if (dtype !== undefined && !isDType(dtype))
      throw new TypeError(`tensor: dtype: expected "f32", "i32", "u32", "f16" or "bf16", got ${describe(dtype)}`);
    const detected = dtypeOfArray(array, dtype === "bf16" ? "bf16" : "f16");
    if (!detected)
      throw new TypeError(
        `tensor: data: expected a Float32Array, Int32Array, Uint32Array, Uint16Array (f16/bf16 bits) or number[], got ${describe(data)}`,
      );
    if (dtype !== undefined && dtype !== detected) {
      throw new TypeError(`tensor: dtype: ${dtype} does not match the data (a ${(array as object).constructor.name} holds ${detected})`);
    }
    // Dawn's writeBuffer takes no SharedArrayBuffer-backed view: upload a copy.
    const typed = isShared(array as TypedArrayOf[DType]) ? (array as TypedArrayOf[DType]).slice() : (array as TypedArrayOf[DType]);
    const dims = shape ?? [typed.length];
    checkShape(dims, "tensor: shape");
    if (shapeSize(dims) !== typed.length) {
      throw new RangeError(`tensor: shape ${formatShape(dims)} holds ${shapeSize(dims)} elements, but data has ${typed.length}`);
    }
    const out = this.output(dims, detected, "tensor");
    if (typed.byteLength > 0) {
      // writeBuffer wants a multiple of 4 bytes: an odd count of 16-bit values is padded.
      const padded = typed.byteLength % 4 === 0 ? typed : copyPadded(typed);
      this.device.queue.writeBuffer(out.buffer, 0, padded.buffer, padded.byteOffset, padded.byteLength);
    }
    return out as Tensor<never>;
  }

  /** A zero-copy view of a caller's GPUBuffer (needs STORAGE usage; COPY_SRC to read()). Not freed by destroy(). */
  wrap<D extends DType>(buffer: GPUBuffer, shape: readonly number[], dtype: D): Tensor<D> {
    this.assertUsable("wrap()");
    if (!buffer || typeof buffer.mapAsync !== "function")
      throw new TypeError(`wrap: buffer: expected a GPUBuffer, got ${describe(buffer)}`);
    checkShape(shape, "wrap: shape");
    if (!isDType(dtype)) throw new TypeError(`wrap: dtype: expected "f32", "i32", "u32", "f16" or "bf16", got ${describe(dtype)}`);
    if ((buffer.usage & kBufferUsage.STORAGE) === 0) throw new TypeError("wrap: buffer: expected a buffer with GPUBufferUsage.STORAGE");
    if (buffer.mapState !== "unmapped")
      throw new TypeError(`wrap: buffer: expected an unmapped buffer, got one whose mapState is "${buffer.mapState}" (unmap it first)`);
    // Copies and bindings cover whole 4-byte words: an odd count of 16-bit values needs the padding word.
    const bytes = Math.ceil((shapeSize(shape) * kBytesPerElement[dtype]) / 4) * 4;
    if (bytes > buffer.size) {
      throw new RangeError(`wrap: shape ${formatShape(shape)} ${dtype} needs ${bytes} bytes, but the buffer has ${buffer.size}`);
    }
    this.checkBufferSize(bytes, `wrap: a ${formatShape(shape)} ${dtype} tensor`);
    return this.alias(buffer, shape, dtype);
  }

  alias<D extends DType>(buffer: GPUBuffer, shape: Shape, dtype: D, checks?: StatusCheck[]): Tensor<D> {
    return new Tensor(this, buffer, shape, dtype, { owned: false, checks: checks ?? [] });
  }

  upload(data: Int32Array | Float32Array, shape: readonly number[]): Tensor {
    return this.tensor(data, shape);
  }

  placeholder(binding: number): GPUBuffer {
    let placeholders = kPlaceholders.get(this.device);
    if (!placeholders) kPlaceholders.set(this.device, (placeholders = []));
    placeholders[binding] ??= createBuffer(this.device, {
      label: `xent:placeholder${binding}`,
      size: 16,
      usage: kBufferUsage.STORAGE,
    });
    return placeholders[binding];
  }

  /** Throws unless a buffer of `bytes` can exist on this device. */
  private checkBufferSize(bytes: number, what: string): void {
    if (bytes > this.device.limits.maxBufferSize) {
      throw new RangeError(
        `${what} needs ${bytes} bytes, more than this device's maxBufferSize (${this.device.limits.maxBufferSize} bytes)`,
      );
    }
  }

  output<D extends DType>(shape: Shape, dtype: D, label: string, checks?: StatusCheck[]): Tensor<D> {
    const bytes = shapeSize(shape) * kBytesPerElement[dtype];
    this.checkBufferSize(bytes, `${label}: a ${formatShape(shape)} ${dtype} tensor`);
    const buffer = createBuffer(this.device, {
      label: `xent:${label}:${formatShape(shape)}`,
      size: outputBufferSize(bytes),
      usage: kBufferUsage.STORAGE | kBufferUsage.COPY_SRC | kBufferUsage.COPY_DST,
    });
    return new Tensor(this, buffer, shape, dtype, { owned: true, checks: checks ?? [] });
  }

  /**
   * Copies a tensor (and its label-check status words) back and rejects on a failed check; with
   * `statusOnly`, only the status words (16 bytes per check) come back.
   */
  async readBack(tensor: Tensor, statusOnly = false): Promise<ArrayBuffer> {
    const dataBytes = statusOnly ? 0 : Math.ceil(tensor.byteLength / 4) * 4;
    if (dataBytes > 0 && (tensor.readableBuffer.usage & kBufferUsage.COPY_SRC) === 0)
      throw new TypeError("webgpu-xent: read(): the tensor's buffer lacks GPUBufferUsage.COPY_SRC, so it cannot be copied back");
    const checks = tensor.checks;
    const staging = createBuffer(this.device, {
      label: "xent:read",
      size: Math.max(16, dataBytes + 16 * checks.length),
      usage: kBufferUsage.MAP_READ | kBufferUsage.COPY_DST,
    });
    // A copy WebGPU refuses (a destroyed or foreign buffer, one too small) must reject, not read zeros.
    this.device.pushErrorScope("validation");
    const encoder = this.device.createCommandEncoder({ label: "xent:read" });
    if (dataBytes > 0) encoder.copyBufferToBuffer(tensor.readableBuffer, 0, staging, 0, dataBytes);
    checks.forEach((c, i) => encoder.copyBufferToBuffer(c.buffer, 0, staging, dataBytes + 16 * i, 16));
    this.device.queue.submit([encoder.finish()]);
    const refused = this.device.popErrorScope();
    try {
      await staging.mapAsync(kMapModeRead);
    } catch (cause) {
      destroyBuffer(staging);
      const error = await refused.catch(() => null);
      throw maybeDeviceLoss(
        new Error(`webgpu-xent: read(): ${error ? `the GPU refused the copy: ${error.message}` : "mapping the result failed"}`, { cause }),
      );
    }
    const error = await refused.catch(() => null);
    if (error) {
      staging.unmap();
      destroyBuffer(staging);
      throw maybeDeviceLoss(new Error(`webgpu-xent: read(): the GPU refused the copy: ${error.message}`));
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    destroyBuffer(staging);
    for (const [i, check] of checks.entries()) {
      const error = check.errorFor(new Uint32Array(bytes, dataBytes + 16 * i, 4));
      if (error) throw error;
    }
    return bytes;
  }

  /**
   * GPU buffers webgpu-xent holds on this device right now (all Xents sharing it) — including the
   * pooled intermediates and the device's placeholder bindings kept for reuse, counted apart too
   * (`pooled…`) — and the pipelines compiled.
   */
  stats(): MemoryStats & { pooledBuffers: number; pooledBytes: number; pipelines: number } {
    const pool = pooledStats(this.device);
    const placeholders = (kPlaceholders.get(this.device) ?? []).filter((b) => b !== undefined);
    return {
      ...memoryStats(this.device),
      pooledBuffers: pool.pooledBuffers + placeholders.length,
      pooledBytes: pool.pooledBytes + placeholders.reduce((sum, b) => sum + b.size, 0),
      pipelines: pipelineCount(this.device),
    };
  }

  /** Frees this Xent's buffers and destroys the device if this Xent created it; every later op throws. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // A shared device's placeholders stay: work recorded into a caller's encoder may bind them
    // after this destroy(), until the caller submits it (they go with the device).
    if (this.ownsDevice) {
      for (const b of kPlaceholders.get(this.device) ?? []) if (b) destroyBuffer(b);
      kPlaceholders.delete(this.device);
      drainPool(this.device);
      this.device.destroy();
    }
  }
}

/** The placeholder buffers of a device (16 bytes each, one per binding slot), shared by its Xents. */
const kPlaceholders = new WeakMap<GPUDevice, GPUBuffer[]>();

function isShared(typed: TypedArrayOf[DType]): boolean {
  return typeof SharedArrayBuffer !== "undefined" && typed.buffer instanceof SharedArrayBuffer;
}

function copyPadded(typed: TypedArrayOf[DType]): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(typed.byteLength / 4) * 4);
  bytes.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
  return bytes;
}
