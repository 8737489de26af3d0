// A setup file of every test project: after each test file, the GPU results it compared with the
// reference go into the run's folder (summary-reporter.ts prints the total), so a run that
// silently skipped the GPU is visible.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import { takeGpuCases } from "./gpu.js";

afterAll(() => {
  const { cases, adapters } = takeGpuCases();
  const dir = inject("gpuCasesDir");
  if (dir && cases > 0) {
    writeFileSync(join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify({ cases, adapters }));
  }
});
