/** The WGSL kernels and their binding layouts. WGSL lives in shaders/; this only names it. */
import type { Kernel } from "./kernel.js";
import rowCommon from "../shaders/row-common.wgsl?raw";
import softmaxWgsl from "../shaders/softmax.wgsl?raw";
import sigmoidWgsl from "../shaders/sigmoid.wgsl?raw";

const withRowCommon = (code: string): string => `${rowCommon}\n${code}`;

export const kSoftmaxKernel: Kernel = {
  name: "softmax",
  code: withRowCommon(softmaxWgsl),
  bindings: ["uniform", "read-only-storage", "storage"],
};

export const kSigmoidKernel: Kernel = {
  name: "sigmoid",
  code: withRowCommon(sigmoidWgsl),
  bindings: ["uniform", "read-only-storage", "storage"],
};
