/** klDiv on the GPU (kernel: shaders/kl-div.wgsl; reference: src/reference/kl-div.ts). */
import type { RecordOptions, XentContext } from "../context.js";
import { checkEncoder, checkOpOptions, checkReduction, optionalFlag, type OptionChecksFor, type Reduction } from "../option-checks.js";
import type { Tensor } from "../tensor.js";
import { checkPair, defineElementwiseLoss, runElementwiseLoss } from "./elementwise-loss.js";
import klDivWgsl from "../../shaders/kl-div.wgsl?raw";

export type KlDivReduction = Reduction | "batchmean";

export interface KlDivOptions extends RecordOptions {
  /** 'mean' (PyTorch's default: over all elements), 'batchmean' (sum / batch size), 'sum', 'none'. */
  reduction?: KlDivReduction;
  /** The target holds log-probabilities (default false). */
  logTarget?: boolean;
}

export const kKlDivOptionChecks = {
  reduction: (value: unknown, op: string) => checkReduction<KlDivReduction>(value, op, ["mean", "batchmean", "sum", "none"]),
  logTarget: optionalFlag,
  encoder: checkEncoder,
} satisfies OptionChecksFor<KlDivOptions>;

export const kKlDivKernel = defineElementwiseLoss("kl-div", klDivWgsl, {
  LOG_TARGET: { kind: "bool", doc: "The target holds log-probabilities." },
});

/**
 * PyTorch's kl_div(input = log q, target = p): pointwise p·(log p − log q) (0 where p = 0);
 * with logTarget, exp(t)·(t − log q). 'mean' averages every element; 'batchmean' is sum / N.
 */
export function klDiv(ctx: XentContext, input: unknown, target: unknown, options?: KlDivOptions): Tensor<"f32"> {
  const op = "klDiv";
  const o = checkOpOptions(options, op, kKlDivOptionChecks);
  const { x, y } = checkPair(ctx, op, "input", input, target);
  const constants = { LOG_TARGET: o.logTarget };
  return runElementwiseLoss(ctx, { op, kernel: kKlDivKernel, constants, input: x, target: y, reduction: o.reduction, encoder: o.encoder });
}
