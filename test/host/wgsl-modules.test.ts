// src/wgsl-modules.ts with a toy module table (no GPU): @use parsing, order, cycles, enables.
import { expect, it } from "vitest";
import { composeWgsl, usesOf, type WgslModules } from "../../src/wgsl-modules.js";

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
  expect(composeWgsl("// header", "// @use c, a\nfn main() {}", false, toy)).toBe(
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
  const sub = composeWgsl("", body, true, toy);
  expect(sub.split("\n").slice(0, 2)).toEqual(["enable subgroups;", "enable f16;"]);
  expect(sub.match(/enable/g)).toHaveLength(2);
  expect(sub).toContain("subgroupShuffleXor");
  const plain = composeWgsl("", body, false, toy);
  expect(plain.startsWith("enable f16;\n")).toBe(true);
  expect(plain.match(/enable/g)).toHaveLength(1);
  expect(plain).not.toContain("subgroupShuffleXor");
  // An enable that is not at the start of a line stays where it is.
  expect(composeWgsl("", "// no enable f16; here", false, toy)).toBe("\n// ---- kernel\n// no enable f16; here");
});

it("names an unknown module, its user, and a cycle", () => {
  expect(() => composeWgsl("", "// @use nope\n", false, toy)).toThrow(new Error('WGSL: the kernel uses unknown module "nope"'));
  expect(() => composeWgsl("", "// @use a\n", false, { a: "// @use zz" })).toThrow(new Error('WGSL: a uses unknown module "zz"'));
  expect(() => composeWgsl("", "// @use toString\n", false, toy)).toThrow(/unknown module "toString"/);
  expect(() => composeWgsl("", "// @use b, loop1\n", false, toy)).toThrow(new Error("WGSL: module cycle loop1 → loop2 → loop1"));
});

it("uses the library's own modules by default", () => {
  expect(composeWgsl("", "// @use numbers\n", false)).toContain("fn is_nan");
  const subgroups = composeWgsl("", "// @use lane-exchange\n", true);
  const plain = composeWgsl("", "// @use lane-exchange\n", false);
  expect(subgroups).toContain("subgroupShuffleXor");
  expect(plain).toContain("fn lane_xor");
  expect(plain).not.toContain("subgroupShuffleXor");
});
