// crossEntropyWithGrad's analytic reference gradient against central finite differences of the
// reference loss (CPU only; the GPU: test/ops/cross-entropy-with-grad.test.ts).
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import type { Reduction } from "../../src/index.js";
import { randomFloats, rng } from "../helpers/random.js";

interface Options {
  weight?: number[];
  ignoreIndex?: number;
  labelSmoothing?: number;
  zLoss?: number;
  softcap?: number;
  reduction?: Reduction;
  dim?: number;
}

const combos: Options[] = [
  {},
  { labelSmoothing: 0.1 },
  { zLoss: 1e-2 },
  { softcap: 4 },
  { weight: [0.5, 2, 1, 3], ignoreIndex: 2 },
  { weight: [0.5, 2, 1, 3], labelSmoothing: 0.3, zLoss: 1e-3, softcap: 2 },
];

function lossTotal(x: ArrayLike<number>, shape: number[], target: ref.RefTensor, o: Options): number {
  const r = ref.crossEntropy(ref.refTensor(x, shape), target, o).data;
  return Array.from(r).reduce((a, b) => a + b, 0);
}

describe("reference gradient", () => {
  it("equals central finite differences of the reference loss (float64), every option and reduction", () => {
    const random = rng(30);
    const shape = [3, 4];
    for (const base of combos)
      for (const reduction of ["mean", "sum", "none"] as const)
        for (const prob of [false, true]) {
          const o = { ...base, reduction, ...(prob ? { ignoreIndex: undefined } : {}) };
          const x = Array.from(randomFloats(12, random, 3));
          const target = prob
            ? ref.refTensor(ref.softmax(ref.refTensor(Array.from(randomFloats(12, random, 2)), shape)).data, shape)
            : ref.refTensor([1, 2, 3], [3]);
          const g = ref.crossEntropyGrad(ref.refTensor(x, shape), target, o).data;
          const h = 1e-6;
          for (let i = 0; i < x.length; i++) {
            const up = [...x];
            const down = [...x];
            up[i] = (up[i] as number) + h;
            down[i] = (down[i] as number) - h;
            const fd = (lossTotal(up, shape, target, o) - lossTotal(down, shape, target, o)) / (2 * h);
            expect(Math.abs((g[i] as number) - fd), `${JSON.stringify(o)} prob ${prob} element ${i}`).toBeLessThan(
              1e-6 * Math.max(1, Math.abs(fd)),
            );
          }
        }
  });
});
