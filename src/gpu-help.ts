/** What to tell a user whose environment has no WebGPU. */
export const kHowToEnable =
  "Use a browser with WebGPU (Chrome/Edge 113+, Firefox 141+, Safari 26+; headless Chromium needs " +
  "--enable-unsafe-webgpu), or in Node install the `webgpu` package (npm i webgpu) and a Vulkan driver " +
  "(without a GPU: Debian's chromium package brings SwiftShader's, which Xent.create() finds by itself).";

/** How an adapter was found: a GPU the system offers, or a software Vulkan driver we fell back to. */
export interface FoundAdapter {
  adapter: GPUAdapter;
  /** The software Vulkan ICD file used because no other adapter existed (Node only). */
  softwareIcd?: string;
}

/** Options for finding the adapter (a subset of CreateOptions). */
export interface AdapterRequest {
  powerPreference?: GPUPowerPreference;
  softwareFallback?: boolean;
}
