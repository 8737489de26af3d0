/**
 * How an op's kernels are recorded: one compute pass in an encoder (ours or the caller's), bind
 * groups built from named bindings, uniforms packed from named fields (see kernel-descriptor.ts).
 * Workgroup counts above the per-dimension limit are folded into a 2-D grid and unfolded in WGSL
 * by `linear_group()`.
 */
import { acquireBuffer, releaseAfterSubmittedWork } from "./buffer-pool.js";
import { createBuffer, destroyBuffer } from "./gpu-memory.js";
import { bindGroupLayoutOf, pipelineOf } from "./pipeline-cache.js";
import { kBufferUsage } from "./gpu-flags.js";
import { SubmitCheck } from "./label-check.js";
import { maybeDeviceLoss } from "./device-loss.js";
import {
  overrideConstants,
  packUniforms,
  type Bindable,
  type BindingSpec,
  type BindingValues,
  type Kernel,
  type OverrideSpec,
  type OverrideValues,
  type UniformType,
  type UniformValues,
} from "./kernel-descriptor.js";

/** Folds a 1-D workgroup count into (x, y) with x ≤ maxPerDim; WGSL recovers id = x + y * num_workgroups.x. */
export function foldWorkgroups(count: number, maxPerDim: number): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) throw new RangeError(`dispatch of ${count} workgroups exceeds maxComputeWorkgroupsPerDimension² (${maxPerDim}²)`);
  return [Math.ceil(count / y), y];
}

/** One dispatch of `kernel`, every field named as the kernel declares it. */
export interface Dispatch<U, B, O, E> {
  entryPoint?: E;
  constants?: OverrideValues<O>;
  uniforms: UniformValues<U>;
  bindings: BindingValues<B>;
  workgroups: number;
  /** The build with subgroup shuffles (see `subgroupMerges`); sets the SUBGROUPS override too. */
  subgroups?: boolean;
}

/** Small buffers bound where a variant leaves an optional binding out, one per binding slot (one buffer may be bound writable once per dispatch). */
export type Placeholders = (binding: number) => GPUBuffer;

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
    private readonly placeholders: Placeholders,
    encoder?: GPUCommandEncoder,
  ) {
    this.ownsEncoder = !encoder;
    // Every error the op's GPU calls cause is caught here and handed to its outputs' read().
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    this.encoder = encoder ?? device.createCommandEncoder({ label: `xent:${label}` });
  }

  /** Zeroes `buffer`: a clear is an encoder command, so the open compute pass (if any) ends first. */
  clear(buffer: GPUBuffer): void {
    this.pass?.end();
    this.pass = undefined;
    this.encoder.clearBuffer(buffer);
  }

  /** Copies bytes between buffers: a copy is an encoder command, so the open compute pass (if any) ends first. */
  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, size: number): void {
    this.pass?.end();
    this.pass = undefined;
    this.encoder.copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size);
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

  dispatch<
    U extends Record<string, UniformType>,
    B extends Record<string, BindingSpec>,
    O extends Record<string, OverrideSpec>,
    E extends string,
  >(kernel: Kernel<U, B, O, E>, d: Dispatch<U, B, O, E>): void {
    if (d.workgroups === 0) return;
    const maxPerDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const [x, y] = foldWorkgroups(d.workgroups, maxPerDim);
    const generic = kernel as unknown as Kernel;
    const uniform = this.uniformBuffer(packUniforms(generic, d.workgroups, d.uniforms), `xent:${kernel.name}:params`);
    this.temporaries.push(uniform);
    const given = d.bindings as Readonly<Record<string, Bindable | undefined>>;
    for (const name of Object.keys(given)) {
      if (!(name in kernel.bindings)) throw new Error(`${kernel.name}: no binding ${name}`);
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    kernel.bindingNames.forEach((name, i) => {
      const b = given[name] ?? (kernel.bindings[name]?.optional ? this.placeholders(i + 1) : undefined);
      if (!b) throw new Error(`${kernel.name}: binding ${name} not set`);
      entries.push({ binding: i + 1, resource: "buffer" in b ? b : { buffer: b } });
    });
    const bindGroup = this.device.createBindGroup({
      label: `xent:${kernel.name}`,
      layout: bindGroupLayoutOf(this.device, generic),
      entries,
    });
    const subgroups = d.subgroups ?? false;
    const values: Record<string, unknown> = { ...d.constants };
    if ("SUBGROUPS" in kernel.overrides) values.SUBGROUPS = subgroups;
    const constants = overrideConstants(generic, values);
    this.pass ??= this.encoder.beginComputePass({ label: `xent:${this.label}` });
    this.pass.setPipeline(pipelineOf(this.device, generic, { subgroups, entryPoint: d.entryPoint ?? "main", constants }));
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y);
  }

  /**
   * Undoes a recording whose op threw: pops its error scopes (else they would swallow the caller's
   * own errors) and gives back its temporaries. Nothing is submitted.
   */
  abort(): void {
    this.pass?.end();
    this.pass = undefined;
    void this.device.popErrorScope().catch(() => undefined);
    void this.device.popErrorScope().catch(() => undefined);
    const temporaries = this.temporaries.splice(0);
    if (this.ownsEncoder) releaseAfterSubmittedWork(this.device, temporaries);
    else for (const b of temporaries) destroyBuffer(b);
  }

  /**
   * Ends the pass; submits if the encoder is ours. Returns the buffers the outputs must keep
   * alive, and the first GPU error the op caused (resolved later; undefined when none).
   */
  finish(): { keepAlive: GPUBuffer[]; error: Promise<Error | undefined>; submitted?: SubmitCheck } {
    this.pass?.end();
    this.pass = undefined;
    let keepAlive: GPUBuffer[] = [];
    let submitted: SubmitCheck | undefined;
    if (this.ownsEncoder) {
      this.device.queue.submit([this.encoder.finish()]);
      releaseAfterSubmittedWork(this.device, this.temporaries.splice(0));
    } else {
      keepAlive = this.temporaries.splice(0);
      submitted = new SubmitCheck(this.device, this.label, this.encoder);
    }
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    const error = Promise.all([validation, memory]).then(
      ([v, m]) => {
        const e = v ?? m;
        return e ? new Error(`webgpu-xent: ${this.label}: the GPU rejected the work: ${e.message}`) : undefined;
      },
      (cause: unknown) => maybeDeviceLoss(new Error(`webgpu-xent: ${this.label}: the GPU work failed`, { cause })),
    );
    return { keepAlive, error, ...(submitted ? { submitted } : {}) };
  }
}
