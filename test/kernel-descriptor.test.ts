// Kernel descriptors (src/kernel-descriptor.ts) and the WGSL resolver (src/wgsl-modules.ts): the
// generated header, uniform packing, typed dispatch arguments, and module composition.
import { describe, expect, it } from "vitest";
import {
  defineKernel,
  overrideConstants,
  packUniforms,
  type BindingValues,
  type OverrideValues,
  type UniformValues,
} from "../src/kernel-descriptor.js";
import { composeWgsl, usesOf } from "../src/wgsl-modules.js";
import { kCrossEntropyGradKernel, kCrossEntropyKernel } from "../src/ops/cross-entropy.js";
import { kSoftmaxKernel } from "../src/ops/softmax.js";

const kToy = defineKernel({
  name: "toy",
  body: "// @use numbers\n@compute @workgroup_size(WG)\nfn main() {}\n",
  uniforms: { rows: "u32", offset: "i32", scale: "f32" },
  bindings: {
    x: { type: "array<f32>", access: "read" },
    y: { type: "array<f32>", access: "read_write", optional: true, doc: "The output." },
  },
  overrides: {
    WG: { kind: "u32", default: 64 },
    FLAG: { kind: "bool" },
    DTYPE: { kind: "enum", values: ["f32", "f16", "bf16"] },
    BOTH: { kind: "derived", type: "bool", expression: "FLAG && WG > 1u" },
  },
});

describe("kernel descriptors", () => {
  it("generate the WGSL header: Params in declaration order after groups, bindings from 1, overrides, enum constants", () => {
    const code = kToy.code(false);
    expect(code).toContain("struct Params {\n  groups: u32,\n  rows: u32,\n  offset: i32,\n  scale: f32,\n}");
    expect(code).toContain("@group(0) @binding(0) var<uniform> params: Params;");
    expect(code).toContain("@group(0) @binding(1) var<storage, read> x: array<f32>;");
    expect(code).toContain("// The output.\n@group(0) @binding(2) var<storage, read_write> y: array<f32>;");
    expect(code).toContain("override WG: u32 = 64u;");
    expect(code).toContain("override FLAG: bool = false;");
    expect(code).toContain("const DTYPE_F32 = 0u;\nconst DTYPE_F16 = 1u;\nconst DTYPE_BF16 = 2u;\noverride DTYPE: u32 = 0u;");
    expect(code).toContain("override BOTH: bool = FLAG && WG > 1u;");
    // The shared module came in once, before the body.
    expect(code.indexOf("fn is_nan")).toBeGreaterThan(code.indexOf("override BOTH"));
    expect(code.indexOf("fn is_nan")).toBeLessThan(code.indexOf("fn main"));
  });

  it("packs uniforms by name in declaration order, groups first, padded to 16 bytes", () => {
    const data = new DataView(packUniforms(kToy, 7, { rows: 3, offset: -100, scale: 0.5 }));
    expect(data.byteLength).toBe(16);
    expect([data.getUint32(0, true), data.getUint32(4, true), data.getInt32(8, true), data.getFloat32(12, true)]).toEqual([
      7, 3, -100, 0.5,
    ]);
    expect(() => packUniforms(kToy, 1, { rows: 3, offset: 0 })).toThrow(/uniform scale not set/);
  });

  it("turn override values into pipeline constants with defaults filled in; unknown or derived ones are refused", () => {
    expect(overrideConstants(kToy, { FLAG: true, DTYPE: "bf16" })).toEqual({ WG: 64, FLAG: 1, DTYPE: 2 });
    expect(() => overrideConstants(kToy, { BOTH: true })).toThrow(/no settable override BOTH/);
    expect(() => overrideConstants(kToy, { DTYPE: "f64" })).toThrow(/not one of f32, f16, bf16/);
  });

  it("type dispatch arguments: a misspelt or missing uniform or binding does not compile", () => {
    const uniforms: UniformValues<typeof kToy.uniforms> = { rows: 1, offset: 0, scale: 1 };
    // @ts-expect-error: misspelt uniform
    const misspelt: UniformValues<typeof kToy.uniforms> = { rows: 1, ofset: 0, scale: 1 };
    // @ts-expect-error: the required binding x is missing (y is optional)
    const missing: BindingValues<typeof kToy.bindings> = { y: {} as GPUBuffer };
    // @ts-expect-error: a derived override cannot be set, and DTYPE takes its declared values only
    const derived: OverrideValues<typeof kToy.overrides> = { BOTH: true, DTYPE: "f64" };
    expect([uniforms, misspelt, missing, derived]).toHaveLength(4);
  });

  it("both cross-entropy passes share one uniform declaration (no drifted fields)", () => {
    expect(kCrossEntropyGradKernel.uniforms).toBe(kCrossEntropyKernel.uniforms);
    const params = (code: string): string => code.slice(code.indexOf("struct Params"), code.indexOf("}", code.indexOf("struct Params")));
    expect(params(kCrossEntropyGradKernel.code(false))).toBe(params(kCrossEntropyKernel.code(false)));
  });
});

describe("WGSL modules", () => {
  it("are pulled in transitively, once each, dependencies first; enable directives are hoisted", () => {
    expect(usesOf("// @use a, b\n// @use c\nfn x() {}")).toEqual(["a", "b", "c"]);
    const plain = kSoftmaxKernel.code(false);
    const subgroups = kSoftmaxKernel.code(true);
    expect(plain).not.toContain("enable subgroups;");
    expect(subgroups.startsWith("enable subgroups;\n")).toBe(true);
    expect(subgroups.match(/enable subgroups;/g)).toHaveLength(1);
    for (const code of [plain, subgroups]) {
      expect(code.match(/\/\/ ---- numbers\n/g)).toHaveLength(1);
      expect(code.indexOf("// ---- numbers")).toBeLessThan(code.indexOf("// ---- online-softmax"));
      expect(code.indexOf("// ---- online-softmax")).toBeLessThan(code.indexOf("// ---- lane-vec4"));
      expect(code.match(/fn lane_xor/g)).toHaveLength(1);
    }
    expect(subgroups).toContain("subgroupShuffleXor");
    expect(plain).not.toContain("subgroupShuffleXor");
  });

  it("name a missing module in the error", () => {
    expect(() => composeWgsl("", "// @use no-such-module\n", false)).toThrow(/uses unknown module "no-such-module"/);
  });
});
