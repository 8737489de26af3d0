// The GPU against PyTorch's own answers (test/fixtures/torch-cases.json; the reference's check is
// test/reference/torch.test.ts): every fixture of every registered op, its inputs rounded to f32
// as uploaded, within the op's tolerance (at least 2e-5: torch computed on the float64 inputs).
import { describe, it } from "vitest";
import { toFloat16Bits } from "../../src/index.js";
import { registeredOp, uploadCase } from "../../src/registry/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { kTorchVersion, torchCases } from "../helpers/torch-cases.js";

const cases = torchCases("f32");

describe(`PyTorch ${kTorchVersion} fixtures on the GPU (${cases.length} cases)`, () => {
  it("the GPU reproduces PyTorch", async () => {
    const xent = await gpu();
    for (const [i, c] of cases.entries()) {
      const op = registeredOp(c.op);
      const up = uploadCase(xent, c.case, "f32", toFloat16Bits);
      const outs = op.run(xent, up.inputs, up.options, c.case);
      const tol = c.gpu ?? { atol: Math.max(op.tolerance.atol, 2e-5), rtol: Math.max(op.tolerance.rtol, 2e-5) };
      for (const [k, want] of c.outputs)
        expectClose(
          await (outs[k] as (typeof outs)[number]).read(),
          want,
          tol,
          `GPU case ${i} ${c.op} ${JSON.stringify(c.case.options)}: output ${k}`,
        );
      outs.forEach((t) => t.destroy());
      up.destroy();
    }
  });
});
