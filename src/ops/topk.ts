/** topK on the GPU (kernel: shaders/topk.wgsl; reference: src/reference/decode.ts). */
import { checkTensor, recordOp, type RecordOptions, type XentContext } from "../context.js";
import { kLogitDTypes, type LogitDType } from "../dtype.js";
import { defineKernel } from "../kernel-descriptor.js";
import { sharedOverrides } from "../kernel-overrides.js";
import { checkEncoder, checkOpOptions, optionalDim, optionalFlag, type OptionChecksFor } from "../option-checks.js";
import { normalizeDim, rowView, describe } from "../shape.js";
import type { Tensor } from "../tensor.js";
import topkWgsl from "../../shaders/topk.wgsl?raw";

export interface TopKOptions extends RecordOptions {
  /** The dimension searched (default −1, the last); the results hold k along it. */
  dim?: number;
  /** The k largest (default true) or the k smallest values (NaN counts as the largest either way). */
  largest?: boolean;
  /** Best first (default true), or in index order. */
  sorted?: boolean;
}

export const kTopKOptionChecks = {
  dim: optionalDim,
  largest: (value: unknown, op: string, name: string) => (value === undefined ? true : optionalFlag(value, op, name)),
  sorted: (value: unknown, op: string, name: string) => (value === undefined ? true : optionalFlag(value, op, name)),
  encoder: checkEncoder,
} satisfies OptionChecksFor<TopKOptions>;

export const kTopKKernel = defineKernel({
  name: "topk",
  body: topkWgsl,
  uniforms: {
    rows: "u32",
    classes: "u32",
    inner: "u32",
    k: "u32",
    x_offset: "u32",
  },
  bindings: {
    xw: { type: "array<u32>", access: "read", doc: "The input's words: f32, or two packed 16-bit values (DTYPE)." },
    values: { type: "array<f32>", access: "read_write" },
    indices: { type: "array<i32>", access: "read_write" },
    pairs: { type: "array<vec2<u32>>", access: "read_write", optional: true, doc: "SORTED: each row's k (key, index) pairs, to rank." },
  },
  overrides: {
    ...sharedOverrides("WG", "DTYPE"),
    LARGEST: { kind: "bool", default: true, doc: "The k largest values (else the k smallest)." },
    SORTED: { kind: "bool", default: true, doc: "main writes pairs for rank (else the result, in index order)." },
  },
  entryPoints: ["main", "rank"],
});

/** Threads of a topK / sample row workgroup: 256 on a GPU; 64 on a CPU-emulated adapter, whose barriers cost per lane group. */
export function selectWorkgroupSize(ctx: XentContext): number {
  return Math.min(ctx.adapterKind === "cpu" ? 64 : 256, ctx.device.limits.maxComputeInvocationsPerWorkgroup);
}

/**
 * topK(x, k)_r = the k largest values of row r along `dim` (default −1) and their indices, best
 * first (ties: the lower index first; NaN the largest), as torch.topk; `largest: false` the k
 * smallest, `sorted: false` in index order. Sorting-free (a radix selection of the k-th key).
 * @op
 */
export function topK(ctx: XentContext, x: Tensor, k: number, options?: TopKOptions): { values: Tensor<"f32">; indices: Tensor<"i32"> } {
  const op = "topK";
  const { dim: dimOption, largest, sorted, encoder } = checkOpOptions(options, op, kTopKOptionChecks);
  const input = checkTensor(ctx, x, `${op}: x`, kLogitDTypes);
  if (input.shape.length === 0) throw new RangeError(`${op}: x: expected rank >= 1, got a scalar`);
  const dim = normalizeDim(dimOption ?? -1, input.shape.length, `${op}: dim`);
  const view = rowView(input.shape, dim);
  if (typeof k !== "number" || !Number.isInteger(k)) throw new TypeError(`${op}: k: expected an integer, got ${describe(k)}`);
  if (k < 0 || k > view.classes)
    throw new RangeError(`${op}: k: expected an integer in [0, ${view.classes}] (the size of dim ${dim}), got ${k}`);
  const outShape = input.shape.map((s, d) => (d === dim ? k : s));
  const outBytes = view.rows * k * 4;
  if (input.buffer.size > ctx.maxBindingBytes || outBytes * (sorted ? 2 : 1) > ctx.maxBindingBytes)
    throw new RangeError(
      `${op}: x ${input.buffer.size} bytes, results ${outBytes} bytes: more than one storage binding holds (${ctx.maxBindingBytes} bytes); not sliced yet`,
    );
  const [values, indices] = recordOp(ctx, op, encoder, [input], (rec) => {
    const values = ctx.output(outShape, "f32", op);
    const indices = ctx.output(outShape, "i32", op);
    if (view.rows * k === 0) return [values, indices] as const;
    const wg = selectWorkgroupSize(ctx);
    const common = {
      uniforms: { rows: view.rows, classes: view.classes, inner: view.inner, k, x_offset: 0 },
    };
    const pairs = sorted ? rec.temporary(view.rows * k * 8, "topk-pairs") : undefined;
    const constants = { WG: wg, DTYPE: input.dtype as LogitDType, LARGEST: largest, SORTED: sorted };
    rec.dispatch(kTopKKernel, {
      ...common,
      constants,
      bindings: { xw: input.buffer, values: values.buffer, indices: indices.buffer, ...(pairs ? { pairs } : {}) },
      workgroups: view.rows,
    });
    if (pairs) {
      rec.dispatch(kTopKKernel, {
        ...common,
        constants: { ...constants, WG: 64 },
        entryPoint: "rank",
        bindings: { xw: input.buffer, values: values.buffer, indices: indices.buffer, pairs },
        workgroups: Math.ceil((view.rows * k) / 64),
      });
    }
    return [values, indices] as const;
  });
  return { values, indices };
}
