/**
 * Finding a WebGPU adapter: the browser's `navigator.gpu`, else in Node Dawn from the `webgpu`
 * package — and when Dawn finds no adapter (no GPU, no Vulkan driver set up), a software Vulkan
 * driver at the usual places (SwiftShader from Debian's chromium or Chrome's install folder). The
 * browser builds use gpu-platform.browser.ts instead (package.json `exports`).
 */
import { kHowToEnable, type AdapterRequest, type FoundAdapter } from "./gpu-help.js";
import { requestAdapter as requestBrowserAdapter } from "./gpu-platform.browser.js";

/** Where software Vulkan ICDs usually are: Debian/Ubuntu chromium, Chrome and its channels, snap. */
export const kSoftwareIcds = [
  "/usr/lib/chromium/vk_swiftshader_icd.json",
  "/usr/lib/chromium-browser/vk_swiftshader_icd.json",
  "/opt/google/chrome/vk_swiftshader_icd.json",
  "/opt/google/chrome-beta/vk_swiftshader_icd.json",
  "/opt/google/chrome-unstable/vk_swiftshader_icd.json",
  "/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json",
];

interface Dawn {
  create(flags: string[]): GPU;
}

// Dawn's GPU objects must outlive every device made from them: if one is garbage-collected, the
// native instance goes and in-flight work crashes the process. One per driver setup, kept here.
let dawn: Promise<Dawn> | undefined;
let systemGPU: GPU | undefined;
let softwareGPU: { gpu: GPU; icd: string } | undefined;
let warned = false;

interface NodeProcess {
  versions?: { node?: string };
  env: Record<string, string | undefined>;
}

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.versions?.node === "string" ? proc : undefined;
}

// Variable specifiers keep bundlers from pulling Node-only modules into browser builds of the repo's own pages.
async function importNode<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

function loadDawn(): Promise<Dawn> {
  dawn ??= importNode<Dawn>("webgpu").catch((cause: unknown) => {
    dawn = undefined;
    throw new Error(`webgpu-xent: no WebGPU in this Node process: the \`webgpu\` package could not be loaded. ${kHowToEnable}`, { cause });
  });
  return dawn;
}

/** The first software Vulkan ICD that exists, if any. */
export async function findSoftwareIcd(candidates: readonly string[] = kSoftwareIcds): Promise<string | undefined> {
  const fs = await importNode<{ existsSync: (path: string) => boolean }>("node:fs");
  return candidates.find((path) => fs.existsSync(path));
}

export async function requestAdapter(options: AdapterRequest): Promise<FoundAdapter> {
  const proc = nodeProcess();
  if ((globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu || !proc) return requestBrowserAdapter(options);
  const request = options.powerPreference ? { powerPreference: options.powerPreference } : {};
  const d = await loadDawn();
  if (softwareGPU) {
    const adapter = await softwareGPU.gpu.requestAdapter(request);
    if (adapter) return { adapter, softwareIcd: softwareGPU.icd };
  }
  systemGPU ??= d.create([]);
  const adapter = await systemGPU.requestAdapter(request);
  if (adapter) return { adapter };
  // No adapter from the system's drivers. The Vulkan loader reads VK_ICD_FILENAMES when an instance
  // is made: point it at a software driver and make a second instance (a caller's own setting wins).
  const icd = options.softwareFallback === false || proc.env.VK_ICD_FILENAMES ? undefined : await findSoftwareIcd();
  if (icd) {
    proc.env.VK_ICD_FILENAMES = icd;
    softwareGPU = { gpu: d.create([]), icd };
    const fallback = await softwareGPU.gpu.requestAdapter(request);
    if (fallback) {
      if (!warned) console.warn(`webgpu-xent: no GPU adapter was found; using the software Vulkan driver ${icd} (shaders run on the CPU).`);
      warned = true;
      return { adapter: fallback, softwareIcd: icd };
    }
  }
  const tried = options.softwareFallback === false ? " (softwareFallback: false)" : icd ? ` (nor with ${icd})` : "";
  throw new Error(`webgpu-xent: no WebGPU adapter was found${tried}. ${kHowToEnable}`);
}
