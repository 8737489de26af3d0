// Class indices out of range are caught by the shader: read() rejects with a RangeError naming the
// first bad position and value. Never a silent garbage loss.
import { describe, expect, it } from "vitest";
import { gpu, gpuWithPlan, kPlans } from "../helpers/gpu.js";

describe("GPU-side label validation", () => {
  it("crossEntropy: label ≥ C and negative labels reject read() with position and value", async () => {
    const xent = await gpu();
    const x = xent.tensor(new Float32Array(5 * 4), [5, 4]);
    for (const reduction of ["mean", "sum", "none"] as const) {
      const loss = xent.crossEntropy(x, xent.tensor(new Int32Array([0, 3, 4, 1, 9]), [5]), { reduction });
      await expect(loss.read()).rejects.toThrow(RangeError);
      await expect(loss.read()).rejects.toThrow(
        "crossEntropy: target[2] (flat position 2) is 4: expected a class index in [0, 4) and not ignoreIndex (-100)",
      );
    }
    const negative = xent.crossEntropy(x, xent.tensor(new Int32Array([0, 1, 2, -1, -100]), [5]));
    await expect(negative.read()).rejects.toThrow("target[3] (flat position 3) is -1");
    // -100 alone is ignored, not an error.
    expect(await xent.crossEntropy(x, xent.tensor(new Int32Array([0, -100, 1, 2, 3]), [5])).read()).toHaveLength(1);
  });

  it.each(kPlans)("crossEntropyWithGrad (its labels' pre-pass): the first bad label, every reduction and row kind, %s", async (plan) => {
    const xent = await gpuWithPlan(plan);
    // Bad labels at 2, 3 and 4: one worker's chunk holds 2 and 3, the next one's 4 (4 workers on a CPU adapter).
    const labels = [0, 1, 9, 4, 7, 1, 2, 3];
    for (const classes of [4, 8, 10])
      for (const reduction of ["mean", "sum", "none"] as const) {
        const x = xent.tensor(new Float32Array(8 * classes), [8, classes]);
        const t = xent.tensor(
          Int32Array.from(labels, (v) => (v >= 4 ? v + classes - 4 : v)),
          [8],
        );
        const { loss, grad } = xent.crossEntropyWithGrad(x, t, { reduction });
        const message = `crossEntropyWithGrad: target[2] (flat position 2) is ${5 + classes}: expected a class index in [0, ${classes})`;
        await expect(loss.read()).rejects.toThrow(message);
        await expect(grad.read()).rejects.toThrow(message);
      }
    const u = new Uint32Array([1, 0, 0xffffffff, 2]);
    await expect(xent.crossEntropyWithGrad(xent.tensor(new Float32Array(12), [4, 3]), xent.tensor(u, [4])).loss.read()).rejects.toThrow(
      "(flat position 2) is 4294967295",
    );
    // -100 alone is ignored; probability targets have no labels to check.
    const fine = xent.crossEntropyWithGrad(xent.tensor(new Float32Array(12), [3, 4]), xent.tensor(new Int32Array([0, -100, 3]), [3]));
    expect(await fine.loss.read()).toHaveLength(1);
  });

  it("names the multi-index for segmentation targets and catches u32 labels", async () => {
    const xent = await gpu();
    const x = xent.tensor(new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]);
    const t = new Int32Array(2 * 4 * 5);
    t[1 * 20 + 2 * 5 + 3] = 3;
    t[1 * 20 + 3 * 5 + 0] = 7;
    await expect(xent.crossEntropy(x, xent.tensor(t, [2, 4, 5])).read()).rejects.toThrow("target[1, 2, 3] (flat position 33) is 3");
    const u = new Uint32Array(6);
    u[4] = 0xffffffff;
    await expect(xent.crossEntropy(xent.tensor(new Float32Array(24), [6, 4]), xent.tensor(u, [6])).read()).rejects.toThrow(
      "(flat position 4) is 4294967295",
    );
  });

  it("nllLoss, keras.sparseCategoricalCrossentropy and a chained op all reject", async () => {
    const xent = await gpu();
    const logp = xent.tensor(new Float32Array(3 * 2), [3, 2]);
    await expect(xent.nllLoss(logp, xent.tensor(new Int32Array([0, 2, 1]), [3])).read()).rejects.toThrow(/nllLoss: target\[1\].* is 2/);
    const probs = xent.tensor(new Float32Array(6).fill(0.5), [3, 2]);
    for (const fromLogits of [false, true]) {
      const loss = xent.keras.sparseCategoricalCrossentropy(xent.tensor(new Int32Array([0, 1, -100]), [3]), probs, { fromLogits });
      await expect(loss.read()).rejects.toThrow(RangeError);
    }
  });

  it("a bad label fails the read of every op fed by the loss", async () => {
    const xent = await gpu();
    const bad = xent.crossEntropy(xent.tensor(new Float32Array(8), [2, 4]), xent.tensor(new Int32Array([5, 0]), [2]), {
      reduction: "none",
    });
    const downstream = xent.softmax(xent.logSoftmax(bad));
    await expect(downstream.read()).rejects.toThrow("crossEntropy: target[0] (flat position 0) is 5");
    await expect(bad.read()).rejects.toThrow(RangeError);
  });
});
