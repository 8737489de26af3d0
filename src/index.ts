export { Xent } from "./xent.js";
export { Tensor } from "./tensor.js";
export type { CreateOptions } from "./gpu-device.js";
export type { DType, TypedArrayOf } from "./dtype.js";
export type { Shape } from "./shape.js";
export type { RecordOptions } from "./context.js";
export type { SoftmaxOptions } from "./ops/softmax.js";
