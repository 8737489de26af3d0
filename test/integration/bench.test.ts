// The benchmark harness runs (a tiny smoke run on Dawn; no timing is asserted: performance claims
// come from `npm run bench`, never from a unit test).
import { expect, it } from "vitest";
import { fusedRatios, markdownTable, runSuite } from "../../bench/suite.js";
import { kOpRegistry } from "../../src/registry/index.js";
import { linearTable, runLinearSuite } from "../../bench/linear.js";
import { gpu } from "../helpers/gpu.js";

it("bench suite produces a row for every registered op (and its f16 input where accepted) with a positive roofline", async () => {
  const xent = await gpu();
  const { rows, rooflines } = await runSuite(xent, { env: "smoke", shapes: [[16, 8]], reps: 2, targetMs: 2 });
  expect(rows.map((r) => `${r.dtype}:${r.op}`)).toEqual([
    ...kOpRegistry.filter((o) => o.kind === "rows").map((o) => `f32:${o.name}`),
    "f16:crossEntropy",
    "f16:nllLoss",
    "f16:nllLossWithGrad",
    "f16:crossEntropyWithGrad",
    "f16:argmax",
    "f16:topK",
    "f16:sample",
    "f16:entropy",
    "f16:entropyWithGrad",
  ]);

  for (const r of rows) {
    expect(r.ms).toBeGreaterThan(0);
    expect(r.rooflineMs).toBeGreaterThan(0);
    // The compute floor touches the same bytes and takes an exp too: never below the memory floor.
    expect(r.computeFloorMs).toBeGreaterThan(0);
    expect(r.computeFloor).toMatch(/exp/);
  }
  // read, copy, read+exp, copy+exp, for f32 and f16.
  expect(Object.keys(rooflines).sort()).toEqual(
    ["f16", "f32"].flatMap((d) => ["copy", "copy+exp", "read", "read+exp"].map((k) => `16x8:${d}:${k}`)),
  );
  expect(markdownTable(rows).split("\n")).toHaveLength(2 + rows.length);
  expect(fusedRatios(rows)).toHaveLength(1);
});

it("the linear + cross-entropy rows: the product floor, forward and forward+backward for f32 and f16, with peak memory", async () => {
  const xent = await gpu();
  const rows = await runLinearSuite(xent, { env: "smoke", shapes: [[8, 8, 100]], reps: 1 });
  expect(rows.map((r) => `${r.dtype}:${r.pass}:${r.path}`)).toEqual(
    ["f32", "f16"].flatMap((d) => [`${d}:logits product:matmul`, `${d}:forward:fused`, `${d}:forward+backward:fused`]),
  );
  for (const r of rows) expect(r.ms).toBeGreaterThan(0);
  for (const r of rows.filter((x) => x.path === "fused")) expect(r.peakBytes).toBeGreaterThan(0);
  expect(linearTable(rows).split("\n")).toHaveLength(2 + rows.length);
});
