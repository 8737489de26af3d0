// Each registry entry (src/registry/) is the op's declaration: what follows from it is checked
// here on the CPU — a TF.js adapter decision with a reason when excluded, a row in the README's
// op table, cases its reference accepts in every variant — and the fixtures in
// test/reference/torch.test.ts, the adapter's members in test/integration/tfjs-adapter.test.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kOpRegistry, seededRandom } from "../../src/registry/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
/** The README's table rows (lines starting with "|"). */
const rows = readme.split("\n").filter((l) => l.startsWith("|"));

describe("the op registry", () => {
  it("names each op once", () => {
    const names = kOpRegistry.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(kOpRegistry.map((o) => [o.name, o] as const))(
    "%s: a TF.js adapter decision, a README row, cases in every variant",
    (name, op) => {
      if ("excluded" in op.tfjs) expect(op.tfjs.excluded.length, `${name}: why the TF.js adapter does not offer it`).toBeGreaterThan(15);
      else expect(op.tfjs.offered).toMatch(/^\w+$/);
      // The op's own row: `name(…)` or `name` in a table row of the README.
      const code = new RegExp("`" + name.replace(/\./g, "\\.") + "[`(]");
      expect(
        rows.some((r) => code.test(r)),
        `${name}: a row of the README's op table`,
      ).toBe(true);
      expect(op.variants.length).toBeGreaterThan(0);
      for (const variant of op.variants) {
        const c = op.sample(seededRandom(7), 3, 5, variant);
        expect(c.inputs.length, `${name} "${variant}": inputs`).toBeGreaterThan(0);
        expect(() => op.reference(c), `${name} "${variant}": the reference takes its own case`).not.toThrow();
      }
    },
  );
});
