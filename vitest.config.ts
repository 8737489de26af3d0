import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Real WebGPU without a GPU: Dawn (the `webgpu` package) on the SwiftShader Vulkan driver that
// Debian's chromium ships. A caller's own VK_ICD_FILENAMES (a real GPU) wins.
const swiftshader = "/usr/lib/chromium/vk_swiftshader_icd.json";
const env: Record<string, string> = {};
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // Examples import the package by name, as users do.
  resolve: {
    alias: [
      { find: /^webgpu-xent\/reference$/, replacement: src("reference/index.ts") },
      { find: /^webgpu-xent\/tfjs$/, replacement: src("tfjs/index.ts") },
      { find: /^webgpu-xent\/ort$/, replacement: src("ort/index.ts") },
      { find: /^webgpu-xent$/, replacement: src("index.ts") },
    ],
  },
  test: {
    env,
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // SwiftShader runs shaders on the 2 CPU cores; parallel files only fight over them.
    fileParallelism: false,
    pool: "forks",
  },
});
