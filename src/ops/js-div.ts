/** jsDiv on the GPU (kernel: shaders/js-div.wgsl; reference: src/reference/js-div.ts). */
import { checkTensor, type RecordOptions, type XentContext } from "../context.js";
import { sharedOverrides } from "../kernel-overrides.js";
import { LabelCheck } from "../label-check.js";
import {
  checkEncoder,
  checkInt32,
  checkOpOptions,
  checkReduction,
  checkUnitInterval,
  optionalTensor,
  type OptionChecksFor,
} from "../option-checks.js";
import { reduceWorkgroupSize } from "../row-plan.js";
import { formatShape, sameShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { kCrossEntropyLabelsKernel } from "./cross-entropy.js";
import {
  checkPair,
  defineElementwiseLoss,
  runElementwiseLoss,
  runElementwiseLossWithGrad,
  type ElementwiseRun,
} from "./elementwise-loss.js";
import type { LossAndGrad } from "./loss-reduction.js";
import jsDivWgsl from "../../shaders/js-div.wgsl?raw";

export interface JsDivOptions extends RecordOptions {
  /** The teacher's weight in the mixture M = βP + (1 − β)Q, in [0, 1] (default 0.5); 0: forward KL(P‖Q), 1: reverse KL(Q‖P). */
  beta?: number;
  /** i32 or u32 class indices, one per row (the input's shape without its last dim); rows labelled `ignoreIndex` count nowhere. */
  labels?: Tensor;
  /** The label of rows to skip (default −100). */
  ignoreIndex?: number;
  /** 'batchmean' (default, Liger's): the sum over kept rows / their count, 0 when none is kept; 'sum'; 'none' (per element). */
  reduction?: "batchmean" | "sum" | "none";
}

export const kJsDivOptionChecks = {
  beta: (value: unknown, op: string, name: string) => (value === undefined ? 0.5 : checkUnitInterval(value, op, name)),
  labels: optionalTensor,
  ignoreIndex: (value: unknown, op: string, name: string) => checkInt32(value, op, name, -100),
  reduction: (value: unknown, op: string) => checkReduction(value, op, ["batchmean", "sum", "none"] as const, "batchmean"),
  encoder: checkEncoder,
} satisfies OptionChecksFor<JsDivOptions>;

export const kJsDivKernel = defineElementwiseLoss("js-div", jsDivWgsl, {
  overrides: {
    ...sharedOverrides("TARGET_UNSIGNED", "IGNORE_INDEX"),
    HAS_LABELS: { kind: "bool", doc: "Rows labelled ignore_index contribute 0." },
    BY_COUNT: { kind: "bool", doc: "Kept elements scaled by 1 / count[0] (batchmean with labels), else by row_scale." },
  },
  uniforms: { beta: "f32", classes: "u32", label_rows: "u32", ignore_index: "i32", row_scale: "f32" },
  bindings: {
    labels: { type: "array<u32>", access: "read", optional: true, doc: "One class index per row (HAS_LABELS)." },
    count: { type: "array<f32>", access: "read", optional: true, doc: "The kept rows' count (cross-entropy-labels.wgsl)." },
  },
});

function jsDivRun(
  ctx: XentContext,
  op: string,
  logQ: unknown,
  logP: unknown,
  options: unknown,
): ElementwiseRun<typeof kJsDivKernel.overrides> {
  const o = checkOpOptions(options, op, kJsDivOptionChecks);
  const { x, y } = checkPair(ctx, op, "logQ", logQ, logP);
  if (x.shape.length === 0) throw new RangeError(`${op}: logQ: expected rank >= 1 (rows of distributions), got a scalar`);
  const classes = x.shape.at(-1) as number;
  const rows = classes === 0 ? 0 : x.size / classes;
  const labels = o.labels === undefined ? undefined : checkTensor(ctx, o.labels, `${op}: labels`, ["i32", "u32"]);
  if (labels && !sameShape(labels.shape, x.shape.slice(0, -1)))
    throw new RangeError(
      `${op}: labels: expected the shape ${formatShape(x.shape.slice(0, -1))} (logQ's rows), got ${formatShape(labels.shape)}`,
    );
  const byCount = !!labels && o.reduction === "batchmean";
  const check = labels ? new LabelCheck(ctx.device, op, labels, classes, o.ignoreIndex, !o.encoder) : undefined;
  const constants = { TARGET_UNSIGNED: labels?.dtype === "u32", IGNORE_INDEX: true, HAS_LABELS: !!labels, BY_COUNT: byCount };
  return {
    op,
    kernel: kJsDivKernel,
    constants,
    uniforms: {
      beta: o.beta,
      classes: Math.max(classes, 1),
      label_rows: Math.max(rows, 1),
      ignore_index: o.ignoreIndex,
      // Without labels every row is kept: 'batchmean' divides by the row count (0 rows: nothing to scale).
      row_scale: o.reduction === "batchmean" && !labels ? 1 / Math.max(rows, 1) : 1,
    },
    input: x,
    target: y,
    // The kernel scales each element itself: the reduction only sums.
    reduction: o.reduction === "none" ? "none" : "sum",
    encoder: o.encoder,
    ...(labels && check ? { labels: { target: labels, check } } : {}),
    bind: (rec) => {
      if (!labels || !check) return {};
      // The kept rows' count and the label check, from the labels alone (one workgroup).
      const count = rec.temporary(16, "kept-rows");
      rec.dispatch(kCrossEntropyLabelsKernel, {
        constants: {
          WG: reduceWorkgroupSize(ctx.adapterKind),
          TARGET_UNSIGNED: labels.dtype === "u32",
          IGNORE_INDEX: true,
          CHECK_LABELS: true,
        },
        uniforms: { rows, classes, ignore_index: o.ignoreIndex },
        bindings: { targets: labels.buffer, status: check.buffer, divisor: count },
        workgroups: 1,
      });
      return { labels: labels.buffer, ...(byCount ? { count } : {}) };
    },
  };
}

/**
 * Liger's generalised Jensen–Shannon divergence of student log-probabilities logQ and teacher logP
 * (distributions along the last dim): Σ β·p·log(p/M) + (1 − β)·q·log(q/M), M = βP + (1 − β)Q, over
 * kept rows / their count; β = 0: KL(P‖Q), β = 1: KL(Q‖P).
 * @op
 */
export function jsDiv(ctx: XentContext, logQ: Tensor, logP: Tensor, options?: JsDivOptions): Tensor<"f32"> {
  return runElementwiseLoss(ctx, jsDivRun(ctx, "jsDiv", logQ, logP, options));
}

/**
 * jsDiv and d/d(logQ) = (1 − β)·q·log(q/M) (β = 0: −p; β = 1: q·(log q − log p) + q), scaled as the loss, one pass.
 * @op
 */
export function jsDivWithGrad(ctx: XentContext, logQ: Tensor, logP: Tensor, options?: JsDivOptions): LossAndGrad {
  return runElementwiseLossWithGrad(ctx, jsDivRun(ctx, "jsDivWithGrad", logQ, logP, options));
}
