// The float64 reference against PyTorch's own answers (test/fixtures/torch-cases.json, made by
// `npm run fixtures` with float64 torch: the registry's recipes and generate-torch.py's hand-made
// cases): every registered op has fixtures, and the reference reproduces each to 1e-10.
import { describe, expect, it } from "vitest";
import { kOpRegistry, registeredOp } from "../../src/registry/index.js";
import { expectClose } from "../helpers/compare.js";
import { kTorchVersion, torchCases } from "../helpers/torch-cases.js";

const cases = torchCases("f64");

describe(`PyTorch ${kTorchVersion} fixtures (${cases.length} cases)`, () => {
  it("every registered op has fixtures, and every fixture names a registered op", () => {
    const covered = new Set(cases.map((c) => c.op));
    expect(kOpRegistry.map((o) => o.name).filter((name) => !covered.has(name))).toEqual([]);
    for (const name of covered) expect(() => registeredOp(name), name).not.toThrow();
  });

  it("the float64 reference reproduces PyTorch", () => {
    for (const [i, c] of cases.entries()) {
      const got = registeredOp(c.op).reference(c.case);
      for (const [k, want] of c.outputs)
        expectClose(
          got[k] as ArrayLike<number>,
          want,
          { atol: 1e-12, rtol: 1e-10 },
          `case ${i} ${c.op} ${JSON.stringify(c.case.options)}: output ${k}`,
          "f64",
        );
    }
  });
});
