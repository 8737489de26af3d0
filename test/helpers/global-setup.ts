// Counts the GPU cases every test file ran on real WebGPU and prints the total at the end, so a
// run that silently skipped the GPU is visible.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    gpuCasesDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "xent-gpu-cases-"));
  project.provide("gpuCasesDir", dir);
  return () => {
    let total = 0;
    const adapters = new Set<string>();
    for (const f of readdirSync(dir)) {
      const { cases, adapter } = JSON.parse(readFileSync(join(dir, f), "utf8")) as { cases: number; adapter: string };
      total += cases;
      adapters.add(adapter);
    }
    rmSync(dir, { recursive: true, force: true });
    console.log(`\nGPU cases compared with the float64 reference on real WebGPU: ${total} (${[...adapters].join("; ") || "no adapter"})`);
  };
}
