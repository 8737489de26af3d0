/** topK on the GPU (kernel: shaders/topk.wgsl; reference: src/reference/decode.ts). */
import { checkTensor, recordOp, type RecordOptions, type XentContext } from "../context.js";
import { kBytesPerElement, kLogitDTypes, type LogitDType } from "../dtype.js";
import { bindRange, planSlicedBindings } from "../binding-slices.js";
import { defineKernel } from "../kernel-descriptor.js";
import { sharedOverrides } from "../kernel-overrides.js";
import { checkEncoder, checkOpOptions, optionalDim, optionalFlag, type OptionChecksFor } from "../option-checks.js";
import { normalizeDim, rowView, describe } from "../shape.js";
import { outputBufferSize, type Tensor } from "../tensor.js";
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
    // A tensor bound in slices: each slice's first element within its bound range.
    x_offset: "u32",
    out_offset: "u32",
    pairs_offset: "u32",
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

/**
 * Threads of a topK / sample row workgroup: about one per 16 classes, at least 4 (a SIMD vector)
 * and at most 256 on a GPU, 64 on a CPU-emulated adapter, where every barrier costs per lane group
 * (SwiftShader: sampling [1000, 50] took 160 ms with 64 threads a row).
 */
export function selectWorkgroupSize(ctx: XentContext, classes: number): number {
  const most = Math.min(ctx.adapterKind === "cpu" ? 64 : 256, ctx.device.limits.maxComputeInvocationsPerWorkgroup);
  let wg = 4;
  while (wg < most && wg * 16 < classes) wg *= 2;
  return wg;
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
  const outBytes = outputBufferSize(view.rows * k * 4);
  // Larger than one binding: slices of whole row blocks, each tensor at its own offset.
  const plan = planSlicedBindings(
    view,
    {
      x: { bufferSize: input.buffer.size, bytesPerElement: kBytesPerElement[input.dtype] },
      out: { bufferSize: outBytes, bytesPerElement: 4, classes: k },
      pairs: { bufferSize: outputBufferSize(view.rows * k * 8), bytesPerElement: 8, classes: k },
    },
    ctx.maxBindingBytes,
    ctx.device.limits.minStorageBufferOffsetAlignment,
    `${op}: x`,
  );
  const [values, indices] = recordOp(ctx, op, encoder, [input], (rec) => {
    const values = ctx.output(outShape, "f32", op);
    const indices = ctx.output(outShape, "i32", op);
    if (view.rows * k === 0) return [values, indices] as const;
    const wg = selectWorkgroupSize(ctx, view.classes);
    const pairs = sorted ? rec.temporary(view.rows * k * 8, "topk-pairs") : undefined;
    const constants = { WG: wg, DTYPE: input.dtype as LogitDType, LARGEST: largest, SORTED: sorted };
    for (const slice of plan) {
      const uniforms = {
        rows: slice.rows,
        classes: view.classes,
        inner: view.inner,
        k,
        x_offset: slice.offsets.x,
        out_offset: slice.offsets.out,
        pairs_offset: slice.offsets.pairs,
      };
      const bindings = {
        xw: bindRange(input.buffer, slice.ranges.x),
        values: bindRange(values.buffer, slice.ranges.out),
        indices: bindRange(indices.buffer, slice.ranges.out),
        ...(pairs ? { pairs: bindRange(pairs, slice.ranges.pairs) } : {}),
      };
      rec.dispatch(kTopKKernel, { uniforms, constants, bindings, workgroups: slice.rows });
      if (pairs) {
        rec.dispatch(kTopKKernel, {
          uniforms,
          constants: { ...constants, WG: 64 },
          entryPoint: "rank",
          bindings,
          workgroups: Math.ceil((slice.rows * k) / 64),
        });
      }
    }
    return [values, indices] as const;
  });
  return { values, indices };
}
