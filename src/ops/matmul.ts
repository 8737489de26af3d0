/**
 * The tiled matrix product the linear kernels share (shaders/common/tile-matmul.wgsl): one kernel
 * for x·Wᵀ, G·W and Gᵀ·x, each operand in either layout and dtype, and `xent.matmul` on top.
 */
import { checkTensor, recordOp, type RecordOptions, type XentContext } from "../context.js";
import type { Recording } from "../recording.js";
import { defineKernel, type Bindable } from "../kernel-descriptor.js";
import { kLogitDTypes, kLogitDTypeValues, type LogitDType } from "../dtype.js";
import { checkEncoder, checkOpOptions, optionalFlag, type OptionChecksFor } from "../option-checks.js";
import { formatShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import matmulWgsl from "../../shaders/matmul.wgsl?raw";

/** Rows and columns of one product tile (tile-matmul.wgsl's TILE). */
export const kTile = 64;

/** The operand uniforms of operands.wgsl: element offsets and row strides within the bound ranges. */
export const kOperandUniforms = { a_offset: "u32", a_stride: "u32", b_offset: "u32", b_stride: "u32" } as const;

/** The operand bindings of operands.wgsl. */
export const kOperandBindings = {
  a: { type: "array<u32>", access: "read", doc: "A's words: f32, or two packed 16-bit values (A_DTYPE)." },
  b: { type: "array<u32>", access: "read", doc: "B's words: f32, or two packed 16-bit values (B_DTYPE)." },
} as const;

/** The operand overrides of operands.wgsl (the linear-cross-entropy kernels fix the layouts). */
export const kOperandDTypes = {
  A_DTYPE: { kind: "enum", values: kLogitDTypeValues },
  B_DTYPE: { kind: "enum", values: kLogitDTypeValues },
} as const;

export const kMatmulKernel = defineKernel({
  name: "matmul",
  body: matmulWgsl,
  uniforms: {
    m: "u32",
    n: "u32",
    depth: "u32",
    tiles_m: "u32",
    ...kOperandUniforms,
    o_offset: "u32",
    o_stride: "u32",
    flag_offset: "u32",
    flag_rows: "u32",
    flag_transposed: "u32",
  },
  bindings: {
    ...kOperandBindings,
    out: { type: "array<f32>", access: "read_write", doc: "The product, row-major (ACCUMULATE: added to)." },
  },
  overrides: {
    ...kOperandDTypes,
    A_KMAJOR: { kind: "bool", doc: "A is stored [K][M] (a transposed operand)." },
    B_KMAJOR: { kind: "bool", doc: "B is stored [K][N]; otherwise [N][K]." },
    ACCUMULATE: { kind: "bool", doc: "out += A·B instead of out = A·B." },
  },
  entryPoints: ["main", "main_filtered", "column_sum"],
});

/** One operand of a product as bound: its words, dtype, element offset and row stride, and layout. */
export interface Operand {
  binding: Bindable;
  dtype: LogitDType;
  offset: number;
  stride: number;
  /** A: stored [K][M]; B: stored [K][N]. */
  kMajor: boolean;
}

export interface ProductArgs {
  m: number;
  n: number;
  depth: number;
  a: Operand;
  b: Operand;
  out: Bindable;
  outOffset: number;
  outStride: number;
  accumulate: boolean;
  /** A is a filtered gradient slab (f32) with its tile flags at element flagOffset (see matmul.wgsl). */
  filter?: { flagOffset: number; flagRows: number; transposed: boolean };
}

/** Records out (+)= A·B, [m, n] = [m, depth]·[depth, n], on 64 × 64 tiles. */
export function recordProduct(rec: Recording, p: ProductArgs): void {
  const tilesM = Math.ceil(p.m / kTile);
  rec.dispatch(kMatmulKernel, {
    entryPoint: p.filter ? "main_filtered" : "main",
    constants: { A_DTYPE: p.a.dtype, B_DTYPE: p.b.dtype, A_KMAJOR: p.a.kMajor, B_KMAJOR: p.b.kMajor, ACCUMULATE: p.accumulate },
    uniforms: {
      m: p.m,
      n: p.n,
      depth: p.depth,
      tiles_m: tilesM,
      a_offset: p.a.offset,
      a_stride: p.a.stride,
      b_offset: p.b.offset,
      b_stride: p.b.stride,
      o_offset: p.outOffset,
      o_stride: p.outStride,
      flag_offset: p.filter?.flagOffset ?? 0,
      flag_rows: p.filter?.flagRows ?? 0,
      flag_transposed: p.filter?.transposed ? 1 : 0,
    },
    bindings: { a: p.a.binding, b: p.b.binding, out: p.out },
    workgroups: tilesM * Math.ceil(p.n / kTile),
  });
}

/** Records out[j] (+)= Σ_{i < m} A[i, j] for j < n (A stored [m][n], f32 or 16-bit). */
export function recordColumnSum(
  rec: Recording,
  a: Operand,
  m: number,
  n: number,
  out: Bindable,
  outOffset: number,
  accumulate: boolean,
): void {
  rec.dispatch(kMatmulKernel, {
    entryPoint: "column_sum",
    constants: { A_DTYPE: a.dtype, ACCUMULATE: accumulate },
    uniforms: {
      m,
      n,
      depth: 0,
      tiles_m: 0,
      a_offset: a.offset,
      a_stride: a.stride,
      b_offset: 0,
      b_stride: 0,
      o_offset: outOffset,
      o_stride: 0,
      flag_offset: 0,
      flag_rows: 0,
      flag_transposed: 0,
    },
    bindings: { a: a.binding, b: a.binding, out },
    workgroups: Math.ceil(n / 256),
  });
}

export interface MatmulOptions extends RecordOptions {
  /** Use aᵀ: `a` is [K, M]. */
  transposeA?: boolean;
  /** Use bᵀ: `b` is [N, K] (a classifier's [V, H] layout). */
  transposeB?: boolean;
}

export const kMatmulOptionChecks = {
  transposeA: optionalFlag,
  transposeB: optionalFlag,
  encoder: checkEncoder,
} satisfies OptionChecksFor<MatmulOptions>;

/**
 * out[i, j] = Σ_k A[i, k]·B[k, j] (A = aᵀ, B = bᵀ with transposeA / transposeB), f32 out: the linear kernels' tiled product.
 * @op
 */
export function matmul(ctx: XentContext, a: Tensor, b: Tensor, options?: MatmulOptions): Tensor<"f32"> {
  const op = "matmul";
  const o = checkOpOptions(options, op, kMatmulOptionChecks);
  const ta = checkTensor(ctx, a, `${op}: a`, kLogitDTypes);
  const tb = checkTensor(ctx, b, `${op}: b`, kLogitDTypes);
  for (const [name, t] of [
    ["a", ta],
    ["b", tb],
  ] as const) {
    if (t.shape.length !== 2) throw new RangeError(`${op}: ${name}: expected a 2-D tensor, got shape ${formatShape(t.shape)}`);
    if (t.buffer.size > ctx.maxBindingBytes)
      throw new RangeError(`${op}: ${name}: ${t.buffer.size} bytes do not fit one storage binding (${ctx.maxBindingBytes} bytes)`);
  }
  const [ar, ac] = ta.shape as [number, number];
  const [br, bc] = tb.shape as [number, number];
  const [m, depth] = o.transposeA ? [ac, ar] : [ar, ac];
  const [depthB, n] = o.transposeB ? [bc, br] : [br, bc];
  if (depth !== depthB)
    throw new RangeError(
      `${op}: inner dimensions differ: a${o.transposeA ? "ᵀ" : ""} is [${m}, ${depth}], b${o.transposeB ? "ᵀ" : ""} is [${depthB}, ${n}]`,
    );
  if (m * n * 4 > ctx.maxBindingBytes) throw new RangeError(`${op}: the [${m}, ${n}] product does not fit one storage binding`);
  const [out] = recordOp(ctx, op, o.encoder, [ta, tb], (rec) => {
    const out = ctx.output([m, n], "f32", op);
    recordProduct(rec, {
      m,
      n,
      depth,
      a: { binding: ta.buffer, dtype: ta.dtype as LogitDType, offset: 0, stride: ac, kMajor: o.transposeA },
      b: { binding: tb.buffer, dtype: tb.dtype as LogitDType, offset: 0, stride: bc, kMajor: !o.transposeB },
      out: out.buffer,
      outOffset: 0,
      outStride: n,
      accumulate: false,
    });
    return [out] as const;
  });
  return out;
}
