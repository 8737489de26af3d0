import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Real WebGPU without a GPU: Dawn (the `webgpu` package) on the SwiftShader Vulkan driver that
// Debian's chromium ships. A caller's own VK_ICD_FILENAMES (a real GPU) wins.
const swiftshader = "/usr/lib/chromium/vk_swiftshader_icd.json";
const env: Record<string, string> = {};
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** CPU only, no WebGPU driver (`npm run test:unit`): the host modules, the reference, the declarations. */
const kUnit = ["test/host/**/*.test.ts", "test/reference/**/*.test.ts", "test/declarations/**/*.test.ts"];
/** Files that change process-wide state (TF.js's navigator.gpu) or drive browsers: a process each. */
const kIsolated = ["test/integration/**/*.test.ts"];

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
    globalSetup: ["test/helpers/global-setup.ts"],
    setupFiles: ["test/helpers/count-gpu-cases.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores, two files at a time in every project: most of a GPU file's time on SwiftShader is
    // compiling pipelines, one core a compile (the GPU project: 370 → 230 s with two workers).
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: kUnit, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        // Two processes for the GPU files, not isolated: each shares one device and one pipeline
        // cache among its files (test/helpers/gpu.ts), instead of a device and a compile of every
        // kernel per file.
        test: {
          name: "gpu",
          include: ["test/**/*.test.ts"],
          exclude: [...kUnit, ...kIsolated],
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      { extends: true, test: { name: "integration", include: kIsolated, sequence: { groupOrder: 2 } } },
    ],
  },
});
