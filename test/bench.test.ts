// The benchmark harness runs (a tiny smoke run on Dawn; no timing is asserted: performance claims
// come from `npm run bench`, never from a unit test).
import { expect, it } from "vitest";
import { fusedRatios, markdownTable, runSuite } from "../bench/suite.js";
import { kOpRegistry } from "../src/op-registry.js";
import { gpu } from "./helpers/gpu.js";

it("bench suite produces a row for every registered op (and its f16 input where accepted) with a positive roofline", async () => {
  const xent = await gpu();
  const { rows, rooflines } = await runSuite(xent, { env: "smoke", shapes: [[16, 8]], reps: 2, targetMs: 2 });
  expect(rows.map((r) => `${r.dtype}:${r.op}`)).toEqual([
    ...kOpRegistry.map((o) => `f32:${o.name}`),
    "f16:crossEntropy",
    "f16:nllLoss",
    "f16:nllLossWithGrad",
    "f16:crossEntropyWithGrad",
    "f16:entropy",
    "f16:entropyWithGrad",
  ]);

  for (const r of rows) {
    expect(r.ms).toBeGreaterThan(0);
    expect(r.rooflineMs).toBeGreaterThan(0);
  }
  expect(Object.keys(rooflines).length).toBe(4);
  expect(markdownTable(rows).split("\n")).toHaveLength(2 + rows.length);
  expect(fusedRatios(rows)).toHaveLength(1);
});
