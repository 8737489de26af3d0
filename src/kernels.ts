/** The WGSL kernels and their binding layouts. WGSL lives in shaders/; this only names it. */
import type { Kernel } from "./kernel.js";
import rowCommon from "../shaders/row-common.wgsl?raw";
import softmaxWgsl from "../shaders/softmax.wgsl?raw";
import sigmoidWgsl from "../shaders/sigmoid.wgsl?raw";
import crossEntropyWgsl from "../shaders/cross-entropy.wgsl?raw";
import reduceLossWgsl from "../shaders/reduce-loss.wgsl?raw";
import labelStatusWgsl from "../shaders/label-status.wgsl?raw";
import pointwiseLossWgsl from "../shaders/pointwise-loss.wgsl?raw";
import entropyWgsl from "../shaders/entropy.wgsl?raw";
import probCrossEntropyWgsl from "../shaders/prob-cross-entropy.wgsl?raw";
import crossEntropyGradWgsl from "../shaders/cross-entropy-grad.wgsl?raw";
import subgroupsWgsl from "../shaders/subgroups.wgsl?raw";
import laneVec4Wgsl from "../shaders/lane-vec4.wgsl?raw";
import subgroupsNoneWgsl from "../shaders/subgroups-none.wgsl?raw";

const withRowCommon = (code: string): string => `${rowCommon}\n${code}`;

/**
 * A row kernel in two builds: with `enable subgroups;` and shuffle-based lane merges (for devices
 * with the feature), and without (workgroup-memory merges). WGSL cannot enable a feature
 * conditionally, so these are two modules; the SUBGROUPS override picks the merge inside.
 */
export interface RowKernelPair {
  plain: Kernel;
  subgroups: Kernel;
}

function rowKernelPair(name: string, code: string, bindings: Kernel["bindings"]): RowKernelPair {
  return {
    plain: { name, code: `${rowCommon}\n${laneVec4Wgsl}\n${subgroupsNoneWgsl}\n${code}`, bindings },
    subgroups: { name: `${name}+subgroups`, code: `enable subgroups;\n${rowCommon}\n${laneVec4Wgsl}\n${subgroupsWgsl}\n${code}`, bindings },
  };
}

// params, x, y, the same two as vec4 arrays, chunk states (split rows)
export const kSoftmaxKernels = rowKernelPair("softmax", softmaxWgsl, [
  "uniform",
  "read-only-storage",
  "storage",
  "read-only-storage",
  "storage",
  "read-only-storage",
]);

export const kSigmoidKernel: Kernel = {
  name: "sigmoid",
  code: withRowCommon(sigmoidWgsl),
  bindings: ["uniform", "read-only-storage", "storage"],
};

// params, logits, target, weight, row loss, row denominator, label status, row stats, logits as vec4
export const kCrossEntropyKernels = rowKernelPair("cross-entropy", crossEntropyWgsl, [
  "uniform",
  "read-only-storage",
  "read-only-storage",
  "read-only-storage",
  "storage",
  "storage",
  "storage",
  "storage",
  "read-only-storage",
]);

export const kReduceLossKernel: Kernel = {
  name: "reduce-loss",
  code: withRowCommon(reduceLossWgsl),
  // params, losses, denominators, result, divisor used, targets and label status (CHECK_LABELS)
  bindings: ["uniform", "read-only-storage", "read-only-storage", "storage", "storage", "read-only-storage", "storage"],
};

export const kCrossEntropyGradKernel: Kernel = {
  name: "cross-entropy-grad",
  code: withRowCommon(crossEntropyGradWgsl),
  // params, logits (written when in place), target, weight, row stats, divisor, gradient,
  // the output again as vec4s, the logits as vec4s
  bindings: [
    "uniform",
    "storage",
    "read-only-storage",
    "read-only-storage",
    "read-only-storage",
    "read-only-storage",
    "storage",
    "storage",
    "read-only-storage",
  ],
};

export const kLabelStatusKernel: Kernel = {
  name: "label-status",
  code: withRowCommon(labelStatusWgsl),
  bindings: ["uniform", "read-only-storage", "storage"],
};

export const kPointwiseLossKernel: Kernel = {
  name: "pointwise-loss",
  code: withRowCommon(pointwiseLossWgsl),
  // params, input, target, weight, pos weight, loss
  bindings: ["uniform", "read-only-storage", "read-only-storage", "read-only-storage", "read-only-storage", "storage"],
};

export const kEntropyKernel: Kernel = {
  name: "entropy",
  code: withRowCommon(entropyWgsl),
  bindings: ["uniform", "read-only-storage", "storage"],
};

export const kProbCrossEntropyKernel: Kernel = {
  name: "prob-cross-entropy",
  code: withRowCommon(probCrossEntropyWgsl),
  // params, probabilities, target, loss, label status
  bindings: ["uniform", "read-only-storage", "read-only-storage", "storage", "storage"],
};
