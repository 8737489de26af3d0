/** klDiv on the GPU (kernel: shaders/kl-div.wgsl; reference: src/reference/kl-div.ts). */
import type { RecordOptions, XentContext } from "../context.js";
import { checkEncoder, checkOpOptions, checkReduction, optionalFlag, type OptionChecksFor, type Reduction } from "../option-checks.js";
import type { Tensor } from "../tensor.js";
import type { LossAndGrad } from "./loss-reduction.js";
import {
  checkPair,
  defineElementwiseLoss,
  runElementwiseLoss,
  runElementwiseLossWithGrad,
  type ElementwiseRun,
} from "./elementwise-loss.js";
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
  overrides: { LOG_TARGET: { kind: "bool", doc: "The target holds log-probabilities." } },
});

function klDivRun(
  ctx: XentContext,
  op: string,
  input: unknown,
  target: unknown,
  options: unknown,
): ElementwiseRun<typeof kKlDivKernel.overrides> {
  const o = checkOpOptions(options, op, kKlDivOptionChecks);
  const { x, y } = checkPair(ctx, op, "input", input, target);
  return {
    op,
    kernel: kKlDivKernel,
    constants: { LOG_TARGET: o.logTarget },
    input: x,
    target: y,
    reduction: o.reduction,
    encoder: o.encoder,
  };
}

/**
 * PyTorch's kl_div(log q, p): Σ p·(log p − log q), reduced by 'mean' | 'batchmean' | 'sum' | 'none'.
 * @op
 */
export function klDiv(ctx: XentContext, input: Tensor, target: Tensor, options?: KlDivOptions): Tensor<"f32"> {
  return runElementwiseLoss(ctx, klDivRun(ctx, "klDiv", input, target, options));
}

/**
 * klDiv and d/d(input) = −p (logTarget: −exp(t)), scaled for the reduction, one pass.
 * @op
 */
export function klDivWithGrad(ctx: XentContext, input: Tensor, target: Tensor, options?: KlDivOptions): LossAndGrad {
  return runElementwiseLossWithGrad(ctx, klDivRun(ctx, "klDivWithGrad", input, target, options));
}
