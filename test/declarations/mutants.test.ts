// The WGSL mutants (test/mutation/mutants.ts: hand-written, and derived from the registry) still apply: each `find` occurs in its file, the
// replacement changes it, and every test file named exists.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { derivedMutants, kWgslMutants } from "../mutation/mutants.js";

describe("WGSL mutants", () => {
  it.each([...kWgslMutants, ...derivedMutants()].map((m, i) => [i + 1, m] as const))("%i applies", (_, m) => {
    const source = readFileSync(m.file, "utf8");
    expect(source, `${m.why}: "${m.find}" in ${m.file}`).toContain(m.find);
    expect(m.replace).not.toBe(m.find);
    for (const t of m.tests) expect(existsSync(t), t).toBe(true);
  });
});
