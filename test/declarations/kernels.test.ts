// Kernel descriptors of the library's own kernels and the WGSL resolver on its own modules (the
// toy-kernel cases are in test/host/kernel-descriptor.test.ts).
import { describe, expect, it } from "vitest";
import { composeWgsl, modulesFromFiles, needsOf, usesOf } from "../../src/wgsl-modules.js";
import { kCrossEntropyGradKernel, kCrossEntropyKernel } from "../../src/ops/cross-entropy.js";
import { kSoftmaxKernel } from "../../src/ops/softmax.js";

describe("kernel descriptors", () => {
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

describe("the library's WGSL modules declare what they need", () => {
  const files = import.meta.glob<string>("../../shaders/common/*.wgsl", { query: "?raw", import: "default", eager: true });
  const modules = modulesFromFiles(files);
  const plain = (name: string): string => {
    const m = modules[name];
    return typeof m === "string" ? m : (m?.plain ?? "");
  };
  const code = (s: string): string => s.replace(/\/\/.*$/gm, "");
  const defined = (name: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(name)) return new Set();
    seen.add(name);
    const source = code(plain(name));
    const own = [...source.matchAll(/\b(?:fn|struct)\s+([A-Za-z_]\w*)/g)].map((m) => String(m[1]));
    return new Set([...own, ...usesOf(plain(name)).flatMap((d) => [...defined(d, seen)])]);
  };
  // WGSL built-ins and constructors the modules call.
  const builtins = new Set(
    "for if while loop return abs all any array atomicAdd atomicLoad atomicMax atomicMin atomicStore bitcast bool ceil clamp exp exp2 f32 floor fma i32 log log2 max min select sqrt subgroupShuffleXor tanh u32 unpack2x16float vec2 vec3 vec3u vec4 workgroupBarrier builtin workgroup_size pow sign trunc round countOneBits arrayLength".split(
      " ",
    ),
  );

  it.each(Object.keys(modules))("%s: every function it calls and does not define, and every global array it indexes", (name) => {
    const source = code(plain(name));
    const needs = needsOf(plain(name), name);
    const locals = new Set(
      [...source.matchAll(/\b(?:let|var|const)\s+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*:/g)].map((m) => String(m[1] ?? m[2])),
    );
    const calls = new Set([...source.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => String(m[1])));
    const own = defined(name);
    const supplied = [...calls].filter((f) => !own.has(f) && !builtins.has(f) && !f.startsWith("vec"));
    expect(supplied.sort()).toEqual([...needs.functions].filter((f) => calls.has(f)).sort());
    const indexed = new Set([...source.matchAll(/\b([A-Za-z_]\w*)\[/g)].map((m) => String(m[1])).filter((n) => !locals.has(n)));
    for (const binding of indexed) expect(needs.bindings, `${name} indexes ${binding}`).toContain(binding);
    // No stale declaration: each declared binding and function appears in the code.
    for (const n of [...needs.bindings, ...needs.functions]) expect(source, `${name} declares ${n}`).toMatch(new RegExp(`\\b${n}\\b`));
  });
});
