/**
 * Compute pipelines, compiled once per device and (kernel, override constants).
 * Sizes never enter the key: they travel in uniforms, so a new shape reuses the pipeline.
 */
import type { Kernel } from "./kernel.js";
import { kShaderStageCompute } from "./gpu-flags.js";

export type OverrideConstants = Record<string, number | boolean>;

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

export function pipelineKey(kernel: Kernel, constants: OverrideConstants): string {
  const consts = Object.keys(constants)
    .sort()
    .map((k) => `${k}=${Number(constants[k])}`)
    .join(",");
  return `${kernel.name}{${consts}}`;
}

/** The bind group layout of a kernel: explicit, so unused bindings are never stripped as with 'auto'. */
export function bindGroupLayoutOf(device: GPUDevice, kernel: Kernel): GPUBindGroupLayout {
  const cache = cacheOf(device);
  let layout = cache.layouts.get(kernel.name);
  if (!layout) {
    layout = device.createBindGroupLayout({
      label: `xent:${kernel.name}:layout`,
      entries: kernel.bindings.map((type, binding) => ({ binding, visibility: kShaderStageCompute, buffer: { type } })),
    });
    cache.layouts.set(kernel.name, layout);
  }
  return layout;
}

export function pipelineOf(device: GPUDevice, kernel: Kernel, constants: OverrideConstants): GPUComputePipeline {
  const cache = cacheOf(device);
  const key = pipelineKey(kernel, constants);
  let pipeline = cache.pipelines.get(key);
  if (!pipeline) {
    let module = cache.modules.get(kernel.name);
    if (!module) {
      module = device.createShaderModule({ label: `xent:${kernel.name}`, code: kernel.code });
      cache.modules.set(kernel.name, module);
    }
    const layout = device.createPipelineLayout({ label: `xent:${kernel.name}`, bindGroupLayouts: [bindGroupLayoutOf(device, kernel)] });
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants)) numeric[k] = Number(v);
    pipeline = device.createComputePipeline({
      label: `xent:${key}`,
      layout,
      compute: { module, entryPoint: "main", constants: numeric },
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
