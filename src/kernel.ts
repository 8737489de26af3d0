/**
 * Kernels and how they are recorded. Every shader follows one convention:
 * binding 0 is a uniform struct whose first field is `groups` (the number of workgroups
 * wanted); the rest are storage buffers in `bindings` order. Workgroup counts above the
 * per-dimension limit are folded into a 2-D grid and unfolded in WGSL by `linear_group()`.
 */
import { acquireBuffer, releaseAfterSubmittedWork } from "./buffer-pool.js";
import { createBuffer } from "./gpu-memory.js";
import { bindGroupLayoutOf, pipelineOf, type OverrideConstants } from "./pipeline-cache.js";
import { kBufferUsage } from "./gpu-flags.js";

export type BindingType = "uniform" | "read-only-storage" | "storage";

export interface Kernel {
  /** Unique name: the cache key prefix and the label of every GPU object made for it. */
  readonly name: string;
  readonly code: string;
  /** Binding types in binding order; binding 0 must be "uniform". */
  readonly bindings: readonly BindingType[];
}

export type UniformField = readonly ["u32" | "i32" | "f32", number];

/** Folds a 1-D workgroup count into (x, y) with x ≤ maxPerDim; WGSL recovers id = x + y * num_workgroups.x. */
export function foldWorkgroups(count: number, maxPerDim: number): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) throw new RangeError(`dispatch of ${count} workgroups exceeds maxComputeWorkgroupsPerDimension² (${maxPerDim}²)`);
  return [Math.ceil(count / y), y];
}

/** Packs scalar uniform fields (each 4 bytes, in order) into a buffer sized to a multiple of 16. */
export function packUniforms(fields: readonly UniformField[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const data = new ArrayBuffer(bytes);
  const view = new DataView(data);
  fields.forEach(([type, value], i) => {
    if (type === "f32") view.setFloat32(i * 4, value, true);
    else if (type === "i32") view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return data;
}

export interface Dispatch {
  kernel: Kernel;
  constants: OverrideConstants;
  /** Fields after `groups`, in the shader's struct order. */
  uniforms: readonly UniformField[];
  /** Storage buffers (or buffer ranges) for bindings 1.. */
  buffers: readonly (GPUBuffer | GPUBufferBinding)[];
  workgroups: number;
}

/**
 * One op's GPU work: a command encoder (ours or the caller's), one compute pass, and the
 * temporary buffers it needs. `finish()` submits when the encoder is ours; with a caller's
 * encoder the temporaries live until the outputs are destroyed, since the caller submits later.
 */
export class Recording {
  readonly encoder: GPUCommandEncoder;
  private pass: GPUComputePassEncoder | undefined;
  private readonly temporaries: GPUBuffer[] = [];
  private readonly ownsEncoder: boolean;

  constructor(
    readonly device: GPUDevice,
    readonly label: string,
    encoder?: GPUCommandEncoder,
  ) {
    this.ownsEncoder = !encoder;
    // Every error the op's GPU calls cause is caught here and handed to its outputs' read().
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    this.encoder = encoder ?? device.createCommandEncoder({ label: `xent:${label}` });
  }

  /**
   * A storage buffer that lives only as long as this op's work: from the pool when the op submits
   * its own work (it returns there when the GPU is done), fresh when recording into a caller's
   * encoder (it lives until the outputs are destroyed; we cannot tell when the caller submits).
   */
  temporary(byteLength: number, label: string): GPUBuffer {
    const size = Math.max(16, Math.ceil(byteLength / 4) * 4);
    const usage = kBufferUsage.STORAGE | kBufferUsage.COPY_SRC | kBufferUsage.COPY_DST;
    const buffer = this.ownsEncoder
      ? acquireBuffer(this.device, size, usage, `xent:temporary`)
      : createBuffer(this.device, { label: `xent:${this.label}:${label}`, size, usage });
    this.temporaries.push(buffer);
    return buffer;
  }

  private uniformBuffer(data: ArrayBuffer, label: string): GPUBuffer {
    if (this.ownsEncoder) {
      const buffer = acquireBuffer(this.device, data.byteLength, kBufferUsage.UNIFORM | kBufferUsage.COPY_DST, "xent:params");
      // Queue writes happen before the submit that follows, and a pooled buffer is only reused
      // after the work that read it is done.
      this.device.queue.writeBuffer(buffer, 0, data);
      return buffer;
    }
    const buffer = createBuffer(this.device, { label, size: data.byteLength, usage: kBufferUsage.UNIFORM, mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data));
    buffer.unmap();
    return buffer;
  }

  dispatch(d: Dispatch): void {
    if (d.workgroups === 0) return;
    const maxPerDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const [x, y] = foldWorkgroups(d.workgroups, maxPerDim);
    const data = packUniforms([["u32", d.workgroups], ...d.uniforms]);
    const uniform = this.uniformBuffer(data, `xent:${d.kernel.name}:params`);
    this.temporaries.push(uniform);
    const bindGroup = this.device.createBindGroup({
      label: `xent:${d.kernel.name}`,
      layout: bindGroupLayoutOf(this.device, d.kernel),
      entries: [uniform, ...d.buffers].map((b, binding) => ({ binding, resource: "buffer" in b ? b : { buffer: b } })),
    });
    this.pass ??= this.encoder.beginComputePass({ label: `xent:${this.label}` });
    this.pass.setPipeline(pipelineOf(this.device, d.kernel, d.constants));
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y);
  }

  /**
   * Ends the pass; submits if the encoder is ours. Returns the buffers the outputs must keep
   * alive, and the first GPU error the op caused (resolved later; undefined when none).
   */
  finish(): { keepAlive: GPUBuffer[]; error: Promise<Error | undefined> } {
    this.pass?.end();
    this.pass = undefined;
    let keepAlive: GPUBuffer[] = [];
    if (this.ownsEncoder) {
      this.device.queue.submit([this.encoder.finish()]);
      releaseAfterSubmittedWork(this.device, this.temporaries.splice(0));
    } else {
      keepAlive = this.temporaries.splice(0);
    }
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    const error = Promise.all([validation, memory]).then(
      ([v, m]) => {
        const e = v ?? m;
        return e ? new Error(`webgpu-xent: ${this.label}: the GPU rejected the work: ${e.message}`) : undefined;
      },
      (cause: unknown) => new Error(`webgpu-xent: ${this.label}: the GPU work failed`, { cause }),
    );
    return { keepAlive, error };
  }
}
