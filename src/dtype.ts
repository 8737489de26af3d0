/**
 * Element types a {@link Tensor} can hold. Floats are f32; logits may also be f16 or bf16, stored
 * as their 16-bit patterns (Uint16Array) and unpacked in the shader, so no `shader-f16` feature
 * is needed and half the bytes are read. Class indices are i32 or u32.
 */
export type DType = "f32" | "i32" | "u32" | "f16" | "bf16";

/** The 16-bit float dtypes, stored as bit patterns. */
export type HalfDType = "f16" | "bf16";

/** The typed array that holds the elements of each dtype on the CPU. */
export interface TypedArrayOf {
  f32: Float32Array;
  i32: Int32Array;
  u32: Uint32Array;
  f16: Uint16Array;
  bf16: Uint16Array;
}

export const kBytesPerElement: Record<DType, number> = { f32: 4, i32: 4, u32: 4, f16: 2, bf16: 2 };

const kDTypes: readonly DType[] = ["f32", "i32", "u32", "f16", "bf16"];

/** The float dtypes logits may have: the values of the DTYPE override (see shaders/common/logits.wgsl). */
export const kLogitDTypeValues = ["f32", "f16", "bf16"] as const;
export type LogitDType = (typeof kLogitDTypeValues)[number];
export const kLogitDTypes: readonly DType[] = kLogitDTypeValues;

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (kDTypes as readonly string[]).includes(value);
}

/** The dtype a typed array stores (Uint16Array: f16 unless told bf16), or undefined for arrays we do not upload as-is. */
export function dtypeOfArray(data: unknown, half: HalfDType = "f16"): DType | undefined {
  if (data instanceof Float32Array) return "f32";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Uint32Array) return "u32";
  if (data instanceof Uint16Array) return half;
  return undefined;
}
