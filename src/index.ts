export { Xent } from "./xent.js";
export { Tensor } from "./tensor.js";
export type { CreateOptions } from "./gpu-device.js";
export type { DType, HalfDType, TypedArrayOf } from "./dtype.js";
export { toFloat16Bits, toBfloat16Bits, fromFloat16Bits, fromBfloat16Bits } from "./half.js";
export type { Shape } from "./shape.js";
export type { RecordOptions } from "./context.js";
export type { SoftmaxOptions } from "./ops/softmax.js";
export type { Reduction } from "./ops/loss-common.js";
export type { CrossEntropyOptions, CrossEntropyWithGradOptions, LossAndGrad, NllLossOptions } from "./ops/cross-entropy.js";
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  KlDivOptions,
  KlDivReduction,
} from "./ops/pointwise-losses.js";
export type { EntropyOptions } from "./ops/entropy.js";
export type { KerasLosses, KerasOptions, SparseKerasOptions, LogLossOptions } from "./keras.js";
export type { MemoryStats } from "./gpu-memory.js";
