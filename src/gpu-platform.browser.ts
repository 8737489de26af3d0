/**
 * Finding a WebGPU adapter in browsers: `navigator.gpu` only. The browser builds of the library
 * (package.json `exports`, condition "default") use this module instead of gpu-platform.ts, so no
 * bundler ever sees the Node-only imports.
 */
import { kHowToEnable, type AdapterRequest, type FoundAdapter } from "./gpu-help.js";

export async function requestAdapter(options: AdapterRequest): Promise<FoundAdapter> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error(`webgpu-xent: WebGPU is not available here (no navigator.gpu). ${kHowToEnable}`);
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) throw new Error(`webgpu-xent: no WebGPU adapter was found. ${kHowToEnable}`);
  return { adapter };
}
