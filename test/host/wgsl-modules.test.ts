// src/wgsl-modules.ts with a toy module table (no GPU): @use parsing, order, cycles, enables.
import { describe, expect, it } from "vitest";
import { composeWgsl, modulesFromFiles, needsOf, readsOf, usesOf, type WgslModules } from "../../src/wgsl-modules.js";

const toy: WgslModules = {
  a: "// @use b\nfn a() {}",
  b: "fn b() {}",
  c: "// @use a, b\nenable f16;\nfn c() {}",
  lanes: { subgroups: "enable subgroups;\nfn lane() { subgroupShuffleXor(); }", plain: "fn lane() {}" },
  loop1: "// @use loop2",
  loop2: "// @use loop1",
};

it("reads the modules of every `// @use` line that starts a line, skipping empty names", () => {
  expect(usesOf("// @use a, b\n// @use c\nfn x() {}")).toEqual(["a", "b", "c"]);
  expect(usesOf("// @use  a,, b ,\n")).toEqual(["a", "b"]);
  expect(usesOf("fn x() {} // @use a\n  // @use b\n")).toEqual([]);
  expect(usesOf("")).toEqual([]);
});

it("composes header, modules (dependencies first, once each) and body, with enables hoisted to the top", () => {
  expect(composeWgsl("// header", "// @use c, a\nfn main() {}", false, { modules: toy })).toBe(
    [
      "enable f16;",
      "// header",
      "// ---- b\nfn b() {}",
      "// ---- a\n// @use b\nfn a() {}",
      "// ---- c\n// @use a, b\n\nfn c() {}",
      "// ---- kernel\n// @use c, a\nfn main() {}",
    ].join("\n"),
  );
});

it("picks a two-build module's source by the subgroups flag, and hoists each enable once", () => {
  const body = "// @use lanes, c\nenable f16;\nfn main() {}";
  const sub = composeWgsl("", body, true, { modules: toy });
  expect(sub.split("\n").slice(0, 2)).toEqual(["enable subgroups;", "enable f16;"]);
  expect(sub.match(/enable/g)).toHaveLength(2);
  expect(sub).toContain("subgroupShuffleXor");
  const plain = composeWgsl("", body, false, { modules: toy });
  expect(plain.startsWith("enable f16;\n")).toBe(true);
  expect(plain.match(/enable/g)).toHaveLength(1);
  expect(plain).not.toContain("subgroupShuffleXor");
  // An enable that is not at the start of a line stays where it is.
  expect(composeWgsl("", "// no enable f16; here", false, { modules: toy })).toBe("\n// ---- kernel\n// no enable f16; here");
});

it("names an unknown module, its user, and a cycle", () => {
  expect(() => composeWgsl("", "// @use nope\n", false, { modules: toy })).toThrow(
    new Error('WGSL: the kernel uses unknown module "nope"'),
  );
  expect(() => composeWgsl("", "// @use a\n", false, { modules: { a: "// @use zz" } })).toThrow(
    new Error('WGSL: a uses unknown module "zz"'),
  );
  expect(() => composeWgsl("", "// @use toString\n", false, { modules: toy })).toThrow(/unknown module "toString"/);
  expect(() => composeWgsl("", "// @use b, loop1\n", false, { modules: toy })).toThrow(
    new Error("WGSL: module cycle loop1 → loop2 → loop1"),
  );
});

it("uses the library's own modules by default", () => {
  expect(composeWgsl("", "// @use numbers\n", false)).toContain("fn is_nan");
  const subgroups = composeWgsl("", "// @use lane-exchange\n", true);
  const plain = composeWgsl("", "// @use lane-exchange\n", false);
  expect(subgroups).toContain("subgroupShuffleXor");
  expect(plain).toContain("fn lane_xor");
  expect(plain).not.toContain("subgroupShuffleXor");
});

describe("module needs", () => {
  const face = { name: "toy-kernel", uniforms: ["rows", "classes"], bindings: ["xw"], overrides: ["WG", "DTYPE"] };
  const needy: Record<string, string> = {
    rows: "// @needs uniforms: rows; overrides: WG\nfn row() -> u32 { return params.rows * WG + params.groups; }",
    reader: "// @use rows\n// @needs bindings: xw; overrides: DTYPE\n// @needs functions: load1\nfn r() { let d = DTYPE_F16; load1(); }",
    sneaky: "// reads params.classes in a comment only\nfn s() -> u32 { return params.classes; }",
    flagged: "// @needs overrides: WG\nconst OWN_LIMIT = 4u;\nfn f() -> u32 { return WG + OWN_LIMIT + SPAN4; }",
    constants: "const NO_POSITION = 1u;",
    user: "// @use constants\nfn u() -> u32 { return NO_POSITION; }",
    bad: "// @needs colours: red",
  };

  it("parses `// @needs` clauses by kind, over several lines", () => {
    expect(needsOf("// @needs uniforms: a, b; bindings: x\n// @needs functions: f;\n// @needs overrides: WG")).toEqual({
      uniforms: ["a", "b"],
      bindings: ["x"],
      overrides: ["WG"],
      functions: ["f"],
    });
    expect(needsOf("fn x() {} // @needs uniforms: a")).toEqual({ uniforms: [], bindings: [], overrides: [], functions: [] });
    expect(() => needsOf(needy.bad ?? "", "bad")).toThrow(
      new Error('WGSL: bad: "@needs colours: red" is not "<uniforms|bindings|overrides|functions>: names"'),
    );
    expect(() => needsOf("// @needs uniforms a", "m")).toThrow(/"@needs uniforms a" is not/);
  });

  it("finds the uniforms and override-style names a module reads, outside comments, less its own constants", () => {
    expect(readsOf(needy.flagged ?? "")).toEqual({ uniforms: [], overrides: ["WG", "SPAN4"] });
    expect(readsOf("// params.a WG\nlet x = params.b + params.b; override OWN: u32 = 1u; let y = OWN + X;")).toEqual({
      uniforms: ["b"],
      overrides: [],
    });
  });

  it("accepts a kernel that provides every need (a kernel-defined function, an enum's constants)", () => {
    const code = composeWgsl("", "// @use reader\nfn load1() {}", false, { modules: needy, kernel: face });
    expect(code).toContain("fn r()");
    // Without a kernel to check against, nothing is checked.
    expect(composeWgsl("", "// @use sneaky", false, { modules: needy })).toContain("fn s()");
  });

  it("names the module and each need its kernel misses", () => {
    const thin = { name: "thin", uniforms: [], bindings: [], overrides: [] };
    expect(() => composeWgsl("", "// @use reader", false, { modules: needy, kernel: thin })).toThrow(
      new Error("WGSL: thin: module rows needs uniform rows, override WG, which the kernel does not provide"),
    );
    expect(() => composeWgsl("", "// @use reader", false, { modules: needy, kernel: face })).toThrow(
      new Error("WGSL: toy-kernel: module reader needs fn load1, which the kernel does not provide"),
    );
    expect(() => composeWgsl("", "// @use reader\nfn load1() {}", false, { modules: needy, kernel: { ...face, bindings: [] } })).toThrow(
      /module reader needs binding xw,/,
    );
  });

  it("refuses a module that reads a uniform or override it does not declare; another module's constants are fine", () => {
    expect(() => composeWgsl("", "// @use sneaky", false, { modules: needy, kernel: face })).toThrow(
      new Error("WGSL: module sneaky reads params.classes without a @needs line for it"),
    );
    expect(() => composeWgsl("", "// @use flagged", false, { modules: needy, kernel: face })).toThrow(
      new Error("WGSL: module flagged reads SPAN4 without a @needs line for it"),
    );
    expect(composeWgsl("", "// @use user", false, { modules: needy, kernel: face })).toContain("return NO_POSITION;");
  });

  it("composes a kernel's own build modules before the body's", () => {
    const code = composeWgsl("", "// @use a\nfn main() {}", false, { modules: toy, uses: ["c"] });
    expect(code.indexOf("fn c()")).toBeLessThan(code.indexOf("fn main()"));
    expect(code.match(/fn a\(\)/g)).toHaveLength(1);
  });

  it("registers files by name, `name.subgroups.wgsl` as the subgroup build of `name.wgsl`", () => {
    expect(
      modulesFromFiles({
        "../shaders/common/a.wgsl": "A",
        "../shaders/common/lanes.wgsl": "plain",
        "../shaders/common/lanes.subgroups.wgsl": "sub",
      }),
    ).toEqual({ a: "A", lanes: { subgroups: "sub", plain: "plain" } });
    expect(() => modulesFromFiles({ "x/only.subgroups.wgsl": "sub" })).toThrow(
      new Error("WGSL: only.subgroups.wgsl has no plain build only.wgsl"),
    );
  });
});
