/** Requesting the device: an adapter from gpu-platform.ts (browsers, Node), then its largest limits and features. */
import { requestAdapter } from "./gpu-platform.js";

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
  /**
   * Node: when Dawn finds no adapter, use a software Vulkan driver found at the usual places
   * (SwiftShader from Debian's chromium or Chrome's folder), saying so once (default true).
   */
  softwareFallback?: boolean;
}

/** Requests an adapter and a device with the adapter's largest buffer limits and, if present, `subgroups`. */
export async function requestXentDevice(
  options: CreateOptions = {},
): Promise<{ device: GPUDevice; adapter: GPUAdapter; softwareIcd: string | undefined }> {
  const { adapter, softwareIcd } = await requestAdapter({
    ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}),
    ...(options.softwareFallback === false ? { softwareFallback: false } : {}),
  });
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
  return { device, adapter, softwareIcd };
}
