/** entropy on the GPU (kernel: shaders/entropy.wgsl; reference: src/reference/entropy.ts). */
import { sharedOverrides } from "../kernel-overrides.js";
import { checkTensor, subgroupMerges, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { bindRange, checkRowArrays, type SlicedTensor } from "../binding-slices.js";
import { defineKernel } from "../kernel-descriptor.js";
import { planRowOp } from "../row-plan.js";
import { normalizeDim, rowView } from "../shape.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
import {
  checkEncoder,
  checkLogBase,
  checkOpOptions,
  checkReduction,
  optionalDim,
  optionalFlag,
  type OptionChecksFor,
  type Reduction,
} from "../option-checks.js";
import { recordLoss, type LossAndGrad, type LossAndMaybeGrad } from "./loss-reduction.js";
import entropyWgsl from "../../shaders/entropy.wgsl?raw";

export interface EntropyOptions extends RecordOptions {
  /** The dimension holding each distribution (default −1). */
  dim?: number;
  /** The input holds logits (entropy of softmax(x)) instead of probabilities (default false). */
  fromLogits?: boolean;
  /** Logarithm base: Math.E (nats, default) or 2 (bits); any base > 0, ≠ 1. */
  base?: number;
  /** 'none' (default: one entropy per row), 'mean' or 'sum' over rows. */
  reduction?: Reduction;
}

export const kEntropyOptionChecks = {
  dim: optionalDim,
  fromLogits: optionalFlag,
  base: checkLogBase,
  reduction: (value: unknown, op: string) => checkReduction<Reduction>(value, op, undefined, "none"),
  encoder: checkEncoder,
} satisfies OptionChecksFor<EntropyOptions>;

export const kEntropyKernel = defineKernel({
  name: "entropy",
  body: entropyWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    // 1 / ln(base).
    scale: "f32",
    // A tensor bound in slices: the slice's first element within the bound range, its first row,
    // and its first element within the gradient's bound range (they differ for 16-bit input).
    x_offset: "u32",
    row_offset: "u32",
    grad_offset: "u32",
    // Multiplies dH/dx: 1 / ln(base), over the rows for 'mean'.
    grad_scale: "f32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The input's words: f32, or two packed 16-bit values (DTYPE)." },
    out: { type: "array<f32>", access: "read_write" },
    grad: { type: "array<f32>", access: "read_write", optional: true, doc: "dH/dx, laid out like the input (entry point with_grad)." },
    x4: { type: "array<vec4<f32>>", access: "read", optional: true, doc: "VEC4 rows, f32: the input as vec4s (16-bit rows read xw)." },
    out4: { type: "array<vec4<f32>>", access: "read_write", optional: true, doc: "VEC4 and SPAN4 rows: the gradient as vec4s." },
  },
  overrides: sharedOverrides("WG", "ROW_THREADS", "FROM_LOGITS", "DTYPE", "SUBGROUPS", "VEC4", "SPAN4", "SPAN4_STORE"),

  entryPoints: ["main", "with_grad"],
});

function recordEntropy(ctx: XentContext, op: string, x: unknown, options: unknown, withGrad: boolean): LossAndMaybeGrad {
  const { dim: dimOption, fromLogits, base, reduction, encoder } = checkOpOptions(options, op, kEntropyOptionChecks);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(dimOption ?? -1, input.shape.length, `${op}: dim`);
  const view = rowView(input.shape, dim);
  if (view.classes === 0 && view.rows > 0) throw new RangeError(`${op}: x: the distribution dim ${dim} has size 0`);
  checkRowArrays(op, view.rows, 4, "their entropies", ctx.maxBindingBytes);
  // Larger than one binding: slices of whole row blocks (binding-slices.ts), the input and the f32
  // gradient (when there is one) each at its own offset.
  const bytes = kBytesPerElement[input.dtype];
  const plan = planRowOp({
    view,
    tensors: {
      x: { bufferSize: input.buffer.size, bytesPerElement: bytes },
      ...(withGrad ? { grad: { bufferSize: outputBufferSize(input.size * 4), bytesPerElement: 4 } } : {}),
    } as Record<"x" | "grad", SlicedTensor>,
    input: "x",
    inputDType: input.dtype,
    limits: ctx.device.limits,
    adapter: ctx.adapterKind,
    maxBindingBytes: ctx.maxBindingBytes,
    what: `${op}: x`,
  });
  const scale = 1 / Math.log(base);
  const { vec4, span4, x4 } = plan;
  const span4Store = plan.span4Stores;
  return recordLoss(ctx, {
    op,
    encoder,
    reduction,
    shape: input.shape.filter((_, d) => d !== dim),
    count: view.rows,
    mean: "mean-by-count",
    inputs: [input],
    gradShape: withGrad ? input.shape : undefined,
    record: (rec, out, _denom, grad) => {
      for (const slice of plan.slices) {
        const xRange = bindRange(input.buffer, slice.ranges.x);
        rec.dispatch(kEntropyKernel, {
          constants: {
            WG: plan.rows.workgroupSize,
            ROW_THREADS: plan.rows.rowThreads,
            FROM_LOGITS: fromLogits,
            DTYPE: input.dtype as LogitDType,
            VEC4: vec4,
            SPAN4: span4,
            SPAN4_STORE: span4Store,
          },
          entryPoint: grad ? "with_grad" : "main",
          uniforms: {
            rows: slice.rows,
            classes: view.classes,
            inner: view.inner,
            scale,
            x_offset: slice.offsets.x,
            row_offset: slice.firstRow,
            grad_offset: slice.offsets.grad ?? 0,
            grad_scale: reduction === "mean" ? scale / view.rows : scale,
          },
          bindings: {
            xw: xRange,
            ...(x4 ? { x4: xRange } : {}),
            out,
            ...(grad && (vec4 || span4Store) ? { out4: bindRange(grad.buffer, slice.ranges.grad) } : {}),
            ...(grad && !vec4 && !span4Store ? { grad: bindRange(grad.buffer, slice.ranges.grad) } : {}),
          },
          workgroups: Math.ceil(slice.rows / (plan.rows.workgroupSize / plan.rows.rowThreads)),
          subgroups: subgroupMerges(ctx, plan.rows.rowThreads),
        });
      }
    },
  });
}

/**
 * Shannon entropy per row: H(p) = −Σ p·log_b p (from probabilities, or from logits with fromLogits).
 * @op
 */
export function entropy(ctx: XentContext, x: Tensor, options?: EntropyOptions): Tensor<"f32"> {
  return recordEntropy(ctx, "entropy", x, options, false).loss;
}

/**
 * entropy and dH/dx in the same row pass: −(log p + 1), or from logits −p·(log p + H) (the entropy bonus).
 * @op
 */
export function entropyWithGrad(ctx: XentContext, x: Tensor, options?: EntropyOptions): LossAndGrad {
  const { loss, grad } = recordEntropy(ctx, "entropyWithGrad", x, options, true);
  return { loss, grad: grad as Tensor<"f32"> };
}
