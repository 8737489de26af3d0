// src/kernel-descriptor.ts with toy kernels (no GPU): the generated header, uniform packing, typed
// dispatch arguments, override constants.
import { describe, expect, it } from "vitest";
import {
  defineKernel,
  enumConstantName,
  overrideConstants,
  packUniforms,
  type BindingValues,
  type OverrideValues,
  type UniformValues,
} from "../../src/kernel-descriptor.js";

/** Made inside each test: a throw in defineKernel must fail a test, not the file's import. */
const toyKernel = () =>
  defineKernel({
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

// Four uniforms (20 bytes with groups: padded to 32), overrides with and without docs and defaults, two entry points.
const toy2Kernel = () =>
  defineKernel({
    name: "toy2",
    body: "fn a() {}\nfn b() {}\n",
    uniforms: { n: "u32", m: "u32", k: "i32", s: "f32" },
    bindings: { out: { type: "array<u32>", access: "read_write" } },
    overrides: {
      ON: { kind: "bool", default: true, doc: "On unless told." },
      MODE: { kind: "enum", values: ["sum-over.batch", "none"], default: "none", doc: "The mode." },
      TILE: { kind: "u32", default: 16 },
      KIND: { kind: "enum", values: ["x", "y"] },
    },
    entryPoints: ["a", "b"],
  });

type Toy = ReturnType<typeof toyKernel>;

describe("kernel descriptors", () => {
  it("generate the WGSL header: Params in declaration order after groups, bindings from 1, overrides, enum constants", () => {
    const kToy = toyKernel();
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
    expect(kToy.entryPoints).toEqual(["main"]);
    expect(kToy.bindingNames).toEqual(["x", "y"]);
  });

  it("generate exactly this header (documented overrides, an enum default, no stray lines)", () => {
    const kToy2 = toy2Kernel();
    expect(kToy2.code(false)).toBe(
      [
        "// toy2: generated from its declaration in TypeScript (src/kernel-descriptor.ts).",
        "struct Params {",
        "  groups: u32,",
        "  n: u32,",
        "  m: u32,",
        "  k: i32,",
        "  s: f32,",
        "}",
        "",
        "@group(0) @binding(0) var<uniform> params: Params;",
        "@group(0) @binding(1) var<storage, read_write> out: array<u32>;",
        "",
        "// On unless told.",
        "override ON: bool = true;",
        "// The mode.",
        "const MODE_SUM_OVER_BATCH = 0u;",
        "const MODE_NONE = 1u;",
        "override MODE: u32 = 1u;",
        "override TILE: u32 = 16u;",
        "const KIND_X = 0u;",
        "const KIND_Y = 1u;",
        "override KIND: u32 = 0u;",
        "// ---- kernel",
        "fn a() {}",
        "fn b() {}",
        "",
      ].join("\n"),
    );
    expect(kToy2.entryPoints).toEqual(["a", "b"]);
    expect(enumConstantName("DTYPE", "bf16")).toBe("DTYPE_BF16");
  });

  it("refuse a declared `groups` uniform and an enum default outside its values", () => {
    const spec = { name: "bad", body: "", bindings: {}, overrides: {} };
    expect(() => defineKernel({ ...spec, uniforms: { groups: "u32" } })).toThrow(new Error("bad: 'groups' is the implicit first uniform"));
    expect(() => defineKernel({ ...spec, uniforms: {}, overrides: { E: { kind: "enum", values: ["a", "b"], default: "c" } } })).toThrow(
      new Error("bad: E: default c is not one of a, b"),
    );
  });

  it("packs uniforms by name in declaration order, groups first, padded to 16 bytes", () => {
    const [kToy, kToy2] = [toyKernel(), toy2Kernel()];
    const data = new DataView(packUniforms(kToy, 7, { rows: 3, offset: -100, scale: 0.5 }));
    expect(data.byteLength).toBe(16);
    expect([data.getUint32(0, true), data.getUint32(4, true), data.getInt32(8, true), data.getFloat32(12, true)]).toEqual([
      7, 3, -100, 0.5,
    ]);
    expect(() => packUniforms(kToy, 1, { rows: 3, offset: 0 })).toThrow(new Error("toy: uniform scale not set"));
    const five = new DataView(packUniforms(kToy2, 1, { n: 2, m: 0xffffffff, k: -1, s: 1.5 }));
    expect(five.byteLength).toBe(32);
    expect([five.getUint32(8, true), five.getInt32(12, true), five.getFloat32(16, true), five.getUint32(20, true)]).toEqual([
      0xffffffff, -1, 1.5, 0,
    ]);
  });

  it("turn override values into pipeline constants with defaults filled in; unknown or derived ones are refused", () => {
    const [kToy, kToy2] = [toyKernel(), toy2Kernel()];
    expect(overrideConstants(kToy, { FLAG: true, DTYPE: "bf16" })).toEqual({ WG: 64, FLAG: 1, DTYPE: 2 });
    expect(overrideConstants(kToy, { WG: 8, DTYPE: "f32" })).toEqual({ WG: 8, FLAG: 0, DTYPE: 0 });
    expect(overrideConstants(kToy2, {})).toEqual({ ON: 1, MODE: 1, TILE: 16, KIND: 0 });
    expect(overrideConstants(kToy2, { ON: false, MODE: "sum-over.batch" })).toEqual({ ON: 0, MODE: 0, TILE: 16, KIND: 0 });
    expect(() => overrideConstants(kToy, { BOTH: true })).toThrow(/no settable override BOTH/);
    expect(() => overrideConstants(kToy, { DTYPE: "f64" })).toThrow(new Error("toy: DTYPE: f64 is not one of f32, f16, bf16"));
  });

  it("type dispatch arguments: a misspelt or missing uniform or binding does not compile", () => {
    const uniforms: UniformValues<Toy["uniforms"]> = { rows: 1, offset: 0, scale: 1 };
    // @ts-expect-error: misspelt uniform
    const misspelt: UniformValues<Toy["uniforms"]> = { rows: 1, ofset: 0, scale: 1 };
    // @ts-expect-error: the required binding x is missing (y is optional)
    const missing: BindingValues<Toy["bindings"]> = { y: {} as GPUBuffer };
    // @ts-expect-error: a derived override cannot be set, and DTYPE takes its declared values only
    const derived: OverrideValues<Toy["overrides"]> = { BOTH: true, DTYPE: "f64" };
    expect([uniforms, misspelt, missing, derived]).toHaveLength(4);
  });
});
