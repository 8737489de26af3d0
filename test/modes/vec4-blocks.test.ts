// Vec4 rows (classes % 4 == 0) are read four vec4s a block by the online softmax (lane-vec4.wgsl,
// entropy.wgsl), with one poison test and one re-base per block, from a finite lowest max: a NaN,
// +inf, a huge logit or a masked stretch must count wherever it falls in a block, in every plan.
import { describe, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpuWithPlan, kPlans } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

const kTol = { atol: 2e-6, rtol: 2e-5 };

/**
 * Rows of random logits, each with one case at a position that moves through the block (vec4 j of
 * four, lane, element within the vec4) from row to row: NaN, +inf, a 3e38 logit (the first block's
 * re-base from the lowest max overflows to -inf), -3e38 before 3e38 (a re-base past f32's range)
 * and after it (x - m overflows to -inf), a masked first half, a row masked but for one class, a
 * row all masked.
 */
function blockLogits(rows: number, classes: number, seed: number): Float32Array {
  const x = randomFloats(rows * classes, rng(seed), 6);
  for (let r = 0; r < rows; r++) {
    const at = (r * 4 * 37 + (r % 4)) % classes;
    const row = x.subarray(r * classes, (r + 1) * classes);
    switch (r % 8) {
      case 0:
        row[at] = Number.NaN;
        break;
      case 1:
        row[at] = Number.POSITIVE_INFINITY;
        break;
      case 2:
        row[at] = 3e38;
        break;
      case 3:
        row[Math.min(at, classes - 2)] = -3e38;
        row[classes - 1] = 3e38;
        break;
      case 4:
        row.fill(Number.NEGATIVE_INFINITY, 0, classes >> 1);
        break;
      case 5:
        row.fill(Number.NEGATIVE_INFINITY);
        row[at] = 2.5;
        break;
      case 6:
        row[at] = 3e38;
        row[classes - 1 - (at % 4)] = -3e38;
        break;
      default:
        row.fill(Number.NEGATIVE_INFINITY);
    }
  }
  return x;
}

describe("vec4 rows read four vec4s a block", () => {
  it.each(kPlans)("softmax, logSoftmax, crossEntropy, entropy and their gradients, %s", async (plan) => {
    const xent = await gpuWithPlan(plan);
    // A thread a row (64 classes: 16 vec4s, four blocks), 4 lanes or 32 a row (1000, 4096).
    const shapes: [number, number][] = [
      [28, 64],
      [28, 1000],
      [14, 4096],
    ];
    for (const [rows, classes] of shapes) {
      const shape = [rows, classes];
      const x = blockLogits(rows, classes, rows * classes);
      const labels = randomInts(rows, rng(classes), classes);
      const rx = ref.refTensor(x, shape);
      const rt = ref.refTensor(labels, [rows]);
      const tensor = xent.tensor(x, shape);
      const t = xent.tensor(labels, [rows]);
      const what = `[${shape}] ${plan}`;
      expectClose(await xent.softmax(tensor).read(), ref.softmax(rx).data, kTol, `softmax ${what}`);
      expectClose(await xent.logSoftmax(tensor).read(), ref.logSoftmax(rx).data, kTol, `logSoftmax ${what}`);
      const none = { reduction: "none" } as const;
      expectClose(await xent.crossEntropy(tensor, t, none).read(), ref.crossEntropy(rx, rt, none).data, kTol, `crossEntropy ${what}`);
      const ceGrad = xent.crossEntropyWithGrad(tensor, t, none);
      expectClose(await ceGrad.grad.read(), ref.crossEntropyGrad(rx, rt, none).data, kTol, `crossEntropy grad ${what}`);
      const logits = { fromLogits: true, reduction: "none" } as const;
      expectClose(await xent.entropy(tensor, logits).read(), ref.entropy(rx, logits).data, kTol, `entropy ${what}`);
      const hGrad = xent.entropyWithGrad(tensor, logits);
      expectClose(await hGrad.loss.read(), ref.entropy(rx, logits).data, kTol, `entropyWithGrad loss ${what}`);
      expectClose(await hGrad.grad.read(), ref.entropyGrad(rx, logits).data, kTol, `entropyWithGrad grad ${what}`);
      for (const out of [ceGrad.loss, ceGrad.grad, hGrad.loss, hGrad.grad, tensor, t]) out.destroy();
    }
    // The same rows with the class dim first (scalar rows, one element a load).
    const [rows, classes] = [28, 64];
    const x = blockLogits(rows, classes, 7);
    const xt = Float32Array.from({ length: x.length }, (_, i) => x[(i % rows) * classes + Math.floor(i / rows)] as number);
    const rx = ref.refTensor(xt, [classes, rows]);
    const tensor = xent.tensor(xt, [classes, rows]);
    const dim0 = { dim: 0, fromLogits: true, reduction: "none" } as const;
    expectClose(await xent.softmax(tensor, { dim: 0 }).read(), ref.softmax(rx, { dim: 0 }).data, kTol, `softmax dim 0 ${plan}`);
    expectClose(await xent.entropy(tensor, dim0).read(), ref.entropy(rx, dim0).data, kTol, `entropy dim 0 ${plan}`);
    const hGrad = xent.entropyWithGrad(tensor, dim0);
    expectClose(await hGrad.grad.read(), ref.entropyGrad(rx, dim0).data, kTol, `entropyWithGrad grad dim 0 ${plan}`);
    for (const out of [hGrad.loss, hGrad.grad, tensor]) out.destroy();
  });
});
