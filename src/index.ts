export { Xent } from "./xent.js";
export { Tensor } from "./tensor.js";
export type { CreateOptions } from "./gpu-device.js";
export type { DType, HalfDType, TypedArrayOf } from "./dtype.js";
export { toFloat16Bits, toBfloat16Bits, fromFloat16Bits, fromBfloat16Bits } from "./half.js";
export type { Shape } from "./shape.js";
export type { Reduction } from "./option-checks.js";
export type { KlDivReduction } from "./ops/kl-div.js";
export type { KerasLosses, KerasOptions, SparseKerasOptions } from "./keras.js";
export type { MemoryStats } from "./gpu-memory.js";
export type { AdapterKind } from "./row-plan.js";
export type { EvaluationResult, ConfusionMetrics } from "./evaluation-metrics.js";
// The types the ops' signatures name:
// @generated types: by npm run generate (scripts/generate-api.ts); do not edit by hand
export type { RecordOptions } from "./context.js";
export type { LogLossLabels, LogLossOptions } from "./keras.js";
export type { ArgmaxOptions } from "./ops/argmax.js";
export type { BinaryCrossEntropyOptions } from "./ops/binary-cross-entropy.js";
export type { BinaryCrossEntropyWithLogitsOptions } from "./ops/binary-cross-entropy-with-logits.js";
export type { CrossEntropyOptions, CrossEntropyWithGradOptions, NllLossOptions } from "./ops/cross-entropy.js";
export type { EntropyOptions } from "./ops/entropy.js";
export type { EvaluateOptions, Evaluation, Evaluator } from "./ops/evaluate.js";
export type { JsDivOptions } from "./ops/js-div.js";
export type { KlDivOptions } from "./ops/kl-div.js";
export type { LinearCrossEntropyGrads, LinearCrossEntropyOptions, LinearCrossEntropyWithGradOptions } from "./ops/linear-cross-entropy.js";
export type { LossAndGrad } from "./ops/loss-reduction.js";
export type { MatmulOptions } from "./ops/matmul.js";
export type { SampleOptions, SampleResult } from "./ops/sample.js";
export type { SoftmaxOptions } from "./ops/softmax.js";
export type { SoftmaxBackwardOptions } from "./ops/softmax-backward.js";
export type { TopKOptions } from "./ops/topk.js";
// @end generated
