// Kernel descriptors of the library's own kernels and the WGSL resolver on its own modules (the
// toy-kernel cases are in test/host/kernel-descriptor.test.ts).
import { describe, expect, it } from "vitest";
import { composeWgsl, usesOf } from "../../src/wgsl-modules.js";
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
