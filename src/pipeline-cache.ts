/**
 * Compute pipelines, compiled once per device and (kernel, build, entry point, override
 * constants). Sizes never enter the key: they travel in uniforms, so a new shape with the same
 * plan reuses the pipeline (a shape whose plan differs — vec4 rows or not, workgroup size, row
 * threads, split rows — compiles that plan's pipeline once).
 */
import type { Kernel } from "./kernel-descriptor.js";
import { kShaderStageCompute } from "./gpu-flags.js";

export interface PipelineVariant {
  /** The build with `enable subgroups;` (see wgsl-modules.ts). */
  subgroups: boolean;
  entryPoint: string;
  /** Every override constant, numeric (see kernel-descriptor.ts overrideConstants). */
  constants: Record<string, number>;
}

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  layouts: Map<string, GPUBindGroupLayout>;
  pipelines: Map<string, GPUComputePipeline>;
}

// Weak by device, so a destroyed or lost device takes its pipelines with it.
const byDevice = new WeakMap<GPUDevice, DeviceCache>();

function cacheOf(device: GPUDevice): DeviceCache {
  let cache = byDevice.get(device);
  if (!cache) {
    cache = { modules: new Map(), layouts: new Map(), pipelines: new Map() };
    byDevice.set(device, cache);
  }
  return cache;
}

function moduleName(kernel: Kernel, subgroups: boolean): string {
  return subgroups ? `${kernel.name}+subgroups` : kernel.name;
}

export function pipelineKey(kernel: Kernel, v: PipelineVariant): string {
  const consts = Object.keys(v.constants)
    .sort()
    .map((k) => `${k}=${v.constants[k]}`)
    .join(",");
  return `${moduleName(kernel, v.subgroups)}:${v.entryPoint}{${consts}}`;
}

/** The bind group layout of a kernel: explicit, so unused bindings are never stripped as with 'auto'. */
export function bindGroupLayoutOf(device: GPUDevice, kernel: Kernel): GPUBindGroupLayout {
  const cache = cacheOf(device);
  let layout = cache.layouts.get(kernel.name);
  if (!layout) {
    const storage = Object.values(kernel.bindings).map(
      (b) => (b.access === "read" ? "read-only-storage" : "storage") as GPUBufferBindingType,
    );
    layout = device.createBindGroupLayout({
      label: `xent:${kernel.name}:layout`,
      entries: (["uniform", ...storage] as GPUBufferBindingType[]).map((type, binding) => ({
        binding,
        visibility: kShaderStageCompute,
        buffer: { type },
      })),
    });
    cache.layouts.set(kernel.name, layout);
  }
  return layout;
}

export function pipelineOf(device: GPUDevice, kernel: Kernel, v: PipelineVariant): GPUComputePipeline {
  const cache = cacheOf(device);
  const key = pipelineKey(kernel, v);
  let pipeline = cache.pipelines.get(key);
  if (!pipeline) {
    const name = moduleName(kernel, v.subgroups);
    let module = cache.modules.get(name);
    if (!module) {
      module = device.createShaderModule({ label: `xent:${name}`, code: kernel.code(v.subgroups) });
      cache.modules.set(name, module);
    }
    const layout = device.createPipelineLayout({ label: `xent:${kernel.name}`, bindGroupLayouts: [bindGroupLayoutOf(device, kernel)] });
    pipeline = device.createComputePipeline({
      label: `xent:${key}`,
      layout,
      compute: { module, entryPoint: v.entryPoint, constants: v.constants },
    });
    cache.pipelines.set(key, pipeline);
  }
  return pipeline;
}

/** How many pipelines this device has compiled (tests use it to prove shapes share pipelines). */
export function pipelineCount(device: GPUDevice): number {
  return byDevice.get(device)?.pipelines.size ?? 0;
}

/** The keys of the pipelines compiled on this device (tests check which kernel builds ran). */
export function pipelineKeys(device: GPUDevice): string[] {
  return [...(byDevice.get(device)?.pipelines.keys() ?? [])];
}
