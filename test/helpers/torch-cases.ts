// PyTorch's answers (test/fixtures/torch-cases.json, `npm run fixtures`) as the registry's cases.
import { readFileSync } from "node:fs";
import type { HostArray, OpCase } from "../../src/registry/index.js";
import type { Tolerance } from "./compare.js";

interface Stored {
  data: (number | string)[];
  shape: number[];
  dtype?: "f32" | "i32" | "u32";
}

interface StoredCase {
  op: string;
  inputs: Stored[];
  tensorOptions: Record<string, Stored>;
  options: Record<string, unknown>;
  outputs: Record<string, Stored>;
  gpu?: Tolerance;
}

/** One fixture: the registered op's case and torch's outputs by output index. */
export interface TorchCase {
  op: string;
  case: OpCase;
  outputs: Map<number, number[]>;
  /** A tolerance of its own for the GPU (inputs whose f32 rounding moves the answer). */
  gpu?: Tolerance;
}

const values = (s: Stored): number[] =>
  s.data.map((v) => (typeof v === "string" ? (v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity) : v));

function hostArray(s: Stored): HostArray {
  const v = values(s);
  const data = s.dtype === "i32" ? Int32Array.from(v) : s.dtype === "u32" ? Uint32Array.from(v) : Float32Array.from(v);
  return { data, shape: s.shape };
}

/**
 * The cases as the reference sees them: float inputs kept in float64 (the Float32Array type is
 * the registry's; the values are torch's float64 ones), class indices as integers.
 */
function float64Array(s: Stored): HostArray {
  if (s.dtype === "i32" || s.dtype === "u32") return hostArray(s);
  return { data: Float64Array.from(values(s)) as unknown as Float32Array, shape: s.shape };
}

const file = JSON.parse(readFileSync(new URL("../fixtures/torch-cases.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: StoredCase[];
};

export const kTorchVersion = file.torch;

/** Every fixture; `precision` "f64" keeps torch's float64 inputs (for the reference), "f32" rounds them (as uploaded). */
export function torchCases(precision: "f64" | "f32"): TorchCase[] {
  const array = precision === "f64" ? float64Array : hostArray;
  return file.cases.map((c) => ({
    op: c.op,
    case: {
      inputs: c.inputs.map(array),
      tensorOptions: Object.fromEntries(Object.entries(c.tensorOptions).map(([k, v]) => [k, array(v)])),
      options: c.options,
    },
    outputs: new Map(Object.entries(c.outputs).map(([k, v]) => [Number(k), values(v)])),
    ...(c.gpu ? { gpu: c.gpu } : {}),
  }));
}
