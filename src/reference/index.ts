/** webgpu-xent/reference: float64 CPU implementations of every op, the oracle the GPU is tested against. */
export { refTensor, logSumExp, type RefTensor, type RefResult } from "./ref-tensor.js";
export { softmax, logSoftmax, softmaxBackward, logSoftmaxBackward, type RefSoftmaxOptions } from "./softmax.js";
export { sigmoid, sigmoidBackward } from "./sigmoid.js";
export { crossEntropy, crossEntropyGrad, nllLoss, nllLossGrad, type RefCrossEntropyOptions, type RefReduction } from "./cross-entropy.js";
export { binaryCrossEntropy, binaryCrossEntropyGrad } from "./binary-cross-entropy.js";
export { binaryCrossEntropyWithLogits, binaryCrossEntropyWithLogitsGrad } from "./binary-cross-entropy-with-logits.js";
export { klDiv, klDivGrad } from "./kl-div.js";
export { matmul, type RefMatmulOptions } from "./matmul.js";
export {
  linearCrossEntropy,
  linearCrossEntropyGrad,
  linearLogits,
  type RefLinearCrossEntropyOptions,
  type RefLinearCrossEntropyGrads,
} from "./linear-cross-entropy.js";
export { entropy, entropyGrad } from "./entropy.js";
export * as keras from "./keras.js";
export { logLoss, logLossGrad } from "./keras.js";
export { toFloat16Bits, toBfloat16Bits, fromFloat16Bits, fromBfloat16Bits } from "../half.js";
