// Ends the run with the number of GPU results compared with the reference (per adapter) and one
// plain line, "N passed, N failed, N skipped", that any CI log reader understands.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

function gpuCases(): string {
  const dir = process.env.XENT_GPU_CASES_DIR;
  let total = 0;
  const adapters = new Set<string>();
  for (const f of dir ? readdirSync(dir) : []) {
    const { cases, adapters: used } = JSON.parse(readFileSync(join(dir as string, f), "utf8")) as { cases: number; adapters: string[] };
    total += cases;
    for (const a of used) adapters.add(a);
  }
  return `GPU cases compared with the float64 reference on real WebGPU: ${total} (${[...adapters].join("; ") || "no adapter"})`;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      if (mod.state() === "failed" && [...mod.children.allTests()].length === 0) failed++;
    }
    process.stdout.write(`\n${gpuCases()}\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
