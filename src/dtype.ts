/** Element types a {@link Tensor} can hold. Floats are f32; class indices are i32 or u32. */
export type DType = "f32" | "i32" | "u32";

/** The typed array that holds the elements of each dtype on the CPU. */
export interface TypedArrayOf {
  f32: Float32Array;
  i32: Int32Array;
  u32: Uint32Array;
}

export type TypedArray = TypedArrayOf[DType];

export const kBytesPerElement: Record<DType, number> = { f32: 4, i32: 4, u32: 4 };

const kDTypes: readonly DType[] = ["f32", "i32", "u32"];

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (kDTypes as readonly string[]).includes(value);
}

/** The dtype a typed array stores, or undefined for arrays we do not upload as-is. */
export function dtypeOfArray(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return "f32";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Uint32Array) return "u32";
  return undefined;
}

export function isIntegerDType(dtype: DType): dtype is "i32" | "u32" {
  return dtype === "i32" || dtype === "u32";
}
