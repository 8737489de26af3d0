// The tutorials' worked numbers on the float64 reference (on the GPU: test/ops/tutorials-on-gpu.test.ts).
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";

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

describe("worked examples on the float64 reference", () => {
  it("sklearn log_loss spam/ham = 0.21616187468057912 (labels sorted: ham = 0, spam = 1)", () => {
    expect(ref.logLoss(spamHam.yTrue, spamHam.yPred)).toBeCloseTo(sklearnLogLoss, 15);
    expect(
      ref.logLoss(
        spamHam.yTrue,
        spamHam.yPred.map((r) => r[1] as number),
      ),
    ).toBeCloseTo(sklearnLogLoss, 15);
  });

  it("−mean Σ y·ln p = 0.71355817782 (nllLoss on ln p); Keras renormalises: 0.708533", () => {
    const logp = ref.refTensor(tutorialProbs.flat().map(Math.log), [2, 4]);
    expect(ref.nllLoss(logp, ref.refTensor([3, 3], [2])).data[0]).toBeCloseTo(tutorialNumpyCE, 10);
    const oneHot = ref.refTensor([0, 0, 0, 1, 0, 0, 0, 1], [2, 4]);
    expect(ref.keras.categoricalCrossentropy(oneHot, ref.refTensor(tutorialProbs.flat(), [2, 4]))).toBeCloseTo(tutorialKerasCE, 6);
  });

  it("one-hot CE in bits: −log2(0.775) = 0.3677, −log2(0.938) = 0.0923", () => {
    const dog = ref.nllLoss(ref.refTensor(dogCatHorseCheetah.map(Math.log), [4]), ref.refTensor([0], []), { base: 2 }).data[0] as number;
    expect(dog).toBeCloseTo(0.3677, 4);
    expect(-Math.log2(0.938)).toBeCloseTo(0.0923, 4); // a tutorial prints 0.095: a rounding slip
    const cat = ref.nllLoss(ref.refTensor([Math.log(0.938), Math.log(0.062)], [2]), ref.refTensor([0], []), { base: 2 }).data[0] as number;
    expect(cat).toBeCloseTo(0.0923, 4);
  });

  it("dog/cat/horse/cheetah: softmax of ln p gives p back; CE = H(P) + KL(P‖Q)", () => {
    const q = ref.refTensor(dogCatHorseCheetah.map(Math.log), [1, 4]);
    ref.softmax(q).data.forEach((v, i) => expect(v).toBeCloseTo(dogCatHorseCheetah[i] as number, 12));
    const p = ref.refTensor([0.6, 0.2, 0.1, 0.1], [1, 4]);
    const ce = ref.crossEntropy(q, p).data[0] as number;
    const h = ref.entropy(p).data[0] as number;
    const kl = ref.klDiv(q, p, { reduction: "sum" }).data[0] as number;
    expect(ce).toBeCloseTo(h + kl, 12);
  });
});
