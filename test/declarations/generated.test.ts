// The API glue generated from the op modules (scripts/generate-api.ts: Xent's methods, the
// public types, the reference's exports) is up to date: a new or changed @op function needs
// `npm run generate`, and this test says so.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { generatedSources, ops } from "../../scripts/generate-api.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

it("the generated blocks match the @op functions (else: npm run generate)", async () => {
  for (const [path, text] of await generatedSources())
    expect(readFileSync(`${root}${path}`, "utf8"), `${path}: run npm run generate`).toBe(text);
});

it("every @op function becomes an Xent method with its TSDoc", () => {
  const list = ops();
  expect(list.length).toBeGreaterThan(20);
  const xent = readFileSync(`${root}src/xent.ts`, "utf8");
  for (const op of list) {
    expect(xent).toContain(`  ${op.name}(`);
    expect(op.doc.startsWith("/**"), `${op.name}: its TSDoc`).toBe(true);
  }
});
