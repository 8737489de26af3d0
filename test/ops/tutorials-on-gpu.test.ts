// The tutorials' worked numbers on the GPU (on the float64 reference: test/reference/tutorials.test.ts).
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { gpu } from "../helpers/gpu.js";

const spamHam = {
  yTrue: ["spam", "ham", "ham", "spam"],
  yPred: [
    [0.1, 0.9],
    [0.9, 0.1],
    [0.8, 0.2],
    [0.35, 0.65],
  ],
};
const sklearnLogLoss = 0.21616187468057912;
// −mean Σ y·ln p of the tutorial's numpy, and Keras 3 after renormalising the second row (sums to 0.99).
const tutorialProbs = [
  [0.25, 0.25, 0.25, 0.25],
  [0.01, 0.01, 0.01, 0.96],
];
const tutorialNumpyCE = 0.71355817782;
const tutorialKerasCE = 0.708533;
const dogCatHorseCheetah = [0.775, 0.116, 0.039, 0.07];

describe("worked examples on the GPU", () => {
  it("sklearn log_loss spam/ham, [N, 2] and [N] positive-class probabilities", async () => {
    const xent = await gpu();
    const two = await xent.logLoss(spamHam.yTrue, xent.tensor(new Float32Array(spamHam.yPred.flat()), [4, 2])).read();
    const one = await xent.logLoss(spamHam.yTrue, xent.tensor(new Float32Array(spamHam.yPred.map((r) => r[1] as number)), [4])).read();
    expect(two[0]).toBeCloseTo(sklearnLogLoss, 6);
    expect(one[0]).toBeCloseTo(sklearnLogLoss, 6);
  });

  it("0.71355817782 via nllLoss on ln p, and Keras' 0.708533", async () => {
    const xent = await gpu();
    const logp = xent.tensor(new Float32Array(tutorialProbs.flat().map(Math.log)), [2, 4]);
    const labels = xent.tensor(new Int32Array([3, 3]), [2]);
    expect((await xent.nllLoss(logp, labels).read())[0]).toBeCloseTo(tutorialNumpyCE, 6);
    const oneHot = xent.tensor(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1]), [2, 4]);
    const probs = xent.tensor(new Float32Array(tutorialProbs.flat()), [2, 4]);
    expect((await xent.keras.categoricalCrossentropy(oneHot, probs).read())[0]).toBeCloseTo(tutorialKerasCE, 6);
    // The same on logits (ln p): softmax renormalises like Keras, so crossEntropy also gives 0.708533.
    expect((await xent.crossEntropy(logp, labels).read())[0]).toBeCloseTo(tutorialKerasCE, 6);
  });

  it("bits: −log2(0.775) = 0.3677 and −log2(0.938) = 0.0923", async () => {
    const xent = await gpu();
    const dog = xent.tensor(new Float32Array(dogCatHorseCheetah.map(Math.log)), [4]);
    const dogLabel = xent.tensor(new Int32Array([0]), []);
    const bits = (await xent.crossEntropy(dog, dogLabel, { base: 2 }).read())[0] as number;
    expect(bits).toBeCloseTo(-Math.log2(0.775), 6);
    expect(bits).toBeCloseTo(0.3677, 4);
    const cat = xent.tensor(new Float32Array([Math.log(0.938), Math.log(0.062)]), [2]);
    expect((await xent.nllLoss(cat, dogLabel, { base: 2 }).read())[0]).toBeCloseTo(0.0923, 4);
  });

  it("dog/cat/horse/cheetah entropy and CE = H + KL on random rows", async () => {
    const xent = await gpu();
    const p = xent.tensor(new Float32Array(dogCatHorseCheetah), [1, 4]);
    const h = (await xent.entropy(p, { base: 2 }).read())[0] as number;
    expect(h).toBeCloseTo(ref.entropy(ref.refTensor(dogCatHorseCheetah, [1, 4]), { base: 2 }).data[0] as number, 6);
    // Random P and logits: mean CE(P, softmax x) = mean H(P) + KL(P‖softmax x) (batchmean).
    const n = 64;
    const c = 50;
    const logits = Float32Array.from({ length: n * c }, (_, i) => Math.sin(i * 12.9898) * 6);
    const raw = Float32Array.from({ length: n * c }, (_, i) => Math.abs(Math.sin(i * 78.233)) ** 3);
    for (let r = 0; r < n; r++) {
      const row = raw.subarray(r * c, (r + 1) * c);
      const s = row.reduce((a, b) => a + b, 0);
      row.forEach((v, k) => (row[k] = v / s));
    }
    const x = xent.tensor(logits, [n, c]);
    const P = xent.tensor(raw, [n, c]);
    const ce = (await xent.crossEntropy(x, P).read())[0] as number;
    const H = (await xent.entropy(P, { reduction: "mean" }).read())[0] as number;
    const kl = (await xent.klDiv(xent.logSoftmax(x), P, { reduction: "batchmean" }).read())[0] as number;
    expect(Math.abs(ce - (H + kl))).toBeLessThan(1e-5 * ce);
  });
});
