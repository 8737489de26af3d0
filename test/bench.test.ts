// The benchmark harness runs (a tiny smoke run on Dawn; no timing is asserted: performance claims
// come from `npm run bench`, never from a unit test).
import { expect, it } from "vitest";
import { fusedRatios, markdownTable, runSuite } from "../bench/suite.js";
import { gpu } from "./helpers/gpu.js";

it("bench suite produces a row per op and dtype with a positive roofline", async () => {
  const xent = await gpu();
  const { rows, rooflines } = await runSuite(xent, { env: "smoke", shapes: [[16, 8]], reps: 2, targetMs: 2 });
  expect(rows.map((r) => `${r.dtype}:${r.op}`)).toEqual([
    "f32:crossEntropy",
    "f32:softmax",
    "f32:crossEntropyWithGrad",
    "f32:entropy",
    "f32:klDiv",
    "f32:binaryCrossEntropyWithLogits",
    "f16:crossEntropy",
    "f16:crossEntropyWithGrad",
  ]);
  for (const r of rows) {
    expect(r.ms).toBeGreaterThan(0);
    expect(r.rooflineMs).toBeGreaterThan(0);
  }
  expect(Object.keys(rooflines).length).toBe(4);
  expect(markdownTable(rows).split("\n")).toHaveLength(2 + rows.length);
  expect(fusedRatios(rows)).toHaveLength(1);
});
