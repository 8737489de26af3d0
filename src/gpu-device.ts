/** Finding a WebGPU adapter and device: `navigator.gpu` in browsers, the `webgpu` package (Dawn) in Node. */

/** Options for {@link Xent.create}. */
export interface CreateOptions {
  /** Adapter power preference passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /** Limits to request instead of the adapter's maxima (e.g. a small `maxStorageBufferBindingSize` in tests). */
  requiredLimits?: Record<string, number>;
  /** Use subgroup operations when the adapter offers them (default true). */
  useSubgroups?: boolean;
  /**
   * Override the kernel plans' adapter detection: "gpu" (wide workgroups, online single pass) or
   * "cpu" (barrier-free, two-pass; what SwiftShader wants). For tuning and tests; default: detected.
   */
  adapterKind?: "gpu" | "cpu";
  /**
   * Plan as if a storage binding could hold at most this many bytes (below the device's
   * maxStorageBufferBindingSize), e.g. to test the sliced path; WebGPU grants no limit below its defaults.
   */
  maxBindingBytes?: number;
}

const kHowToEnable =
  "Use a browser with WebGPU (Chrome/Edge 113+, Firefox 141+, Safari 26+; headless Chromium needs " +
  "--enable-unsafe-webgpu), or in Node install the `webgpu` package (npm i webgpu) and a Vulkan driver " +
  "(e.g. VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json with Debian's chromium installed).";

// Dawn's GPU object must outlive every device made from it: if it is garbage-collected, the
// native instance goes and in-flight work crashes the process. One per process, kept here.
let dawnGPU: Promise<GPU> | undefined;

/** The WebGPU entry point: the browser's `navigator.gpu`, else Dawn from the `webgpu` package. */
async function findGPU(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  const isNode = typeof proc?.versions?.node === "string";
  if (!isNode) throw new Error(`webgpu-xent: WebGPU is not available here (no navigator.gpu). ${kHowToEnable}`);
  dawnGPU ??= loadDawn();
  return dawnGPU;
}

async function loadDawn(): Promise<GPU> {
  let dawn: { create(flags: string[]): GPU };
  try {
    // A variable specifier keeps bundlers from trying to pull Dawn into browser builds.
    const specifier = "webgpu";
    dawn = (await import(/* @vite-ignore */ specifier)) as typeof dawn;
  } catch (cause) {
    dawnGPU = undefined;
    throw new Error(`webgpu-xent: no WebGPU in this Node process: the \`webgpu\` package could not be loaded. ${kHowToEnable}`, { cause });
  }
  return dawn.create([]);
}

/** Requests an adapter and a device with the adapter's largest buffer limits and, if present, `subgroups`. */
export async function requestXentDevice(options: CreateOptions = {}): Promise<{ device: GPUDevice; adapter: GPUAdapter }> {
  const gpu = await findGPU();
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) throw new Error(`webgpu-xent: no WebGPU adapter was found. ${kHowToEnable}`);
  const wanted: GPUFeatureName[] = [];
  if (options.useSubgroups !== false && adapter.features.has("subgroups")) wanted.push("subgroups" as GPUFeatureName);
  if (adapter.features.has("timestamp-query")) wanted.push("timestamp-query");
  const requiredLimits: Record<string, number> = {
    // Large vocabularies need big bindings; ask for what the adapter has, not the 128 MiB default.
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
    ...options.requiredLimits,
  };
  const device = await adapter.requestDevice({ requiredFeatures: wanted, requiredLimits, label: "webgpu-xent" });
  return { device, adapter };
}
