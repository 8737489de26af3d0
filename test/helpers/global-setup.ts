// A folder where each test file records how many GPU results it compared with the reference
// (summary-reporter.ts prints the total), so a run that silently skipped the GPU is visible.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    gpuCasesDir: string;
  }
}

// Every project of the run runs this setup: they share one folder.
export default function setup(project: TestProject): () => void {
  const made = !process.env.XENT_GPU_CASES_DIR;
  const dir = process.env.XENT_GPU_CASES_DIR ?? mkdtempSync(join(tmpdir(), "xent-gpu-cases-"));
  project.provide("gpuCasesDir", dir);
  process.env.XENT_GPU_CASES_DIR = dir;
  return () => {
    if (made) rmSync(dir, { recursive: true, force: true });
  };
}
