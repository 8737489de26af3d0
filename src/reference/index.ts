/** webgpu-xent/reference: float64 CPU implementations of every op, the oracle the GPU is tested against. */
export { refTensor, logSumExp, type RefTensor, type RefResult } from "./ref-tensor.js";
export * as keras from "./keras.js";
export { logLoss, logLossGrad } from "./keras.js";
export { toFloat16Bits, toBfloat16Bits, fromFloat16Bits, fromBfloat16Bits } from "../half.js";
// Every other reference module:
// @generated reference: by npm run generate (scripts/generate-api.ts); do not edit by hand
export {
  type RefBinaryCrossEntropyWithLogitsOptions,
  binaryCrossEntropyWithLogits,
  binaryCrossEntropyWithLogitsGrad,
} from "./binary-cross-entropy-with-logits.js";
export { type RefBinaryCrossEntropyOptions, binaryCrossEntropy, binaryCrossEntropyGrad } from "./binary-cross-entropy.js";
export { type RefReduction, type RefCrossEntropyOptions, nllLoss, nllLossGrad, crossEntropy, crossEntropyGrad } from "./cross-entropy.js";
export {
  philox4x32,
  sampleUniform,
  argmax,
  type RefTopKOptions,
  topK,
  type RefSampleOptions,
  type RefSampleResult,
  sample,
} from "./decode.js";
export { type RefWeight } from "./elementwise-loss.js";
export { entropy, entropyGrad } from "./entropy.js";
export { type RefEvaluateOptions, evaluationTotals, evaluate } from "./evaluate.js";
export { type RefJsDivOptions, jsDiv, jsDivGrad } from "./js-div.js";
export { type RefKlDivOptions, klDiv, klDivGrad } from "./kl-div.js";
export {
  type RefLinearCrossEntropyOptions,
  type RefLinearCrossEntropyGrads,
  linearLogits,
  linearCrossEntropy,
  linearCrossEntropyGrad,
} from "./linear-cross-entropy.js";
export { type RefMatmulOptions, matmul } from "./matmul.js";
export { sigmoid, sigmoidBackward } from "./sigmoid.js";
export { type RefSoftmaxOptions, softmax, logSoftmax, softmaxBackward, logSoftmaxBackward } from "./softmax.js";
// @end generated
