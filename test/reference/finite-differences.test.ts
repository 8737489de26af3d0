// Every float64 reference gradient against central finite differences of its own reference loss
// (CPU only). The GPU against the reference: test/robustness/adversarial-gradients.test.ts and
// test/modes/conformance.test.ts; vs PyTorch autograd: test/modes/torch-on-gpu.test.ts.
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { kOpRegistry, type OpCase } from "../../src/registry/index.js";
import { randomFloats, rng } from "../helpers/random.js";

/** The case with input 0's element i moved by d (in float64). */
function nudged(c: OpCase, i: number, d: number): OpCase {
  const [first, ...rest] = c.inputs;
  const data = Float64Array.from(first?.data ?? []);
  data[i] = (data[i] as number) + d;
  return { ...c, inputs: [{ data: data as unknown as Float32Array, shape: first?.shape ?? [] }, ...rest] };
}

const sum = (v: ArrayLike<number>): number => Array.from(v).reduce((a, b) => a + b, 0);

/**
 * Central differences of f at each element of input 0 against `grad`; elements at a kink (the
 * one-sided slopes disagree: a clip bound, BCE's edge) or where f is not finite nearby are
 * skipped and counted.
 */
function checkFiniteDifferences(c: OpCase, f: (c: OpCase) => number, grad: ArrayLike<number>, what: string): number {
  const x = c.inputs[0]?.data ?? [];
  let skipped = 0;
  for (let i = 0; i < x.length; i++) {
    const h = 1e-6 * Math.max(1, Math.abs(x[i] as number));
    const [plus, zero, minus] = [f(nudged(c, i, h)), f(c), f(nudged(c, i, -h))];
    const forward = (plus - zero) / h;
    const backward = (zero - minus) / h;
    const central = (plus - minus) / (2 * h);
    if (![plus, zero, minus].every(Number.isFinite) || Math.abs(forward - backward) > 1e-3 * (1 + Math.abs(central))) {
      skipped++;
      continue;
    }
    const g = grad[i] as number;
    if (!(Math.abs(central - g) <= 1e-6 + 1e-5 * Math.abs(g)))
      throw new Error(`${what}: element ${i}: finite difference ${central}, gradient ${g}`);
  }
  return skipped;
}

describe("reference gradients equal finite differences of the reference losses", () => {
  // (The linear ops' three gradients: test/ops/linear-cross-entropy.test.ts, against torch autograd.)
  const rowOps = kOpRegistry.filter((o) => o.kind === "rows");
  const gradOps = rowOps.filter((o) => o.name.endsWith("WithGrad"));

  it("covers every loss", () => {
    const losses = rowOps.filter(
      (o) => !o.name.endsWith("WithGrad") && !o.name.endsWith("Backward") && !/softmax|sigmoid/i.test(o.name) && !o.noGradient,
    );
    expect(gradOps.map((o) => o.name).sort()).toEqual(losses.map((o) => `${o.name}WithGrad`).sort());
  });

  for (const op of gradOps)
    it(op.name, () => {
      let elements = 0;
      let skipped = 0;
      for (const [k, variant] of op.variants.entries()) {
        const c = op.sample(rng(100 + k), 3, 5, variant);
        const [, grad] = op.reference(c);
        skipped += checkFiniteDifferences(
          c,
          (d) => sum(op.reference(d)[0] as ArrayLike<number>),
          grad as ArrayLike<number>,
          `${op.name} "${variant}"`,
        );
        elements += c.inputs[0]?.data.length ?? 0;
      }
      // Kinks are rare: most elements are checked.
      expect(skipped).toBeLessThan(elements / 4);
    });

  it("the activations' backward are vector-Jacobian products of their forward", () => {
    const random = rng(7);
    const shape = [3, 4, 5];
    const x = randomFloats(60, random, 3);
    const dy = randomFloats(60, random, 1);
    const forwards = {
      softmaxBackward: (v: ArrayLike<number>) => ref.softmax(ref.refTensor(v, shape), { dim: 1 }).data,
      logSoftmaxBackward: (v: ArrayLike<number>) => ref.logSoftmax(ref.refTensor(v, shape), { dim: 1 }).data,
      sigmoidBackward: (v: ArrayLike<number>) => ref.sigmoid(ref.refTensor(v, shape)).data,
    };
    for (const [name, forward] of Object.entries(forwards)) {
      const y = ref.refTensor(forward(x), shape);
      const dyT = ref.refTensor(dy, shape);
      const grad =
        name === "softmaxBackward"
          ? ref.softmaxBackward(y, dyT, { dim: 1 })
          : name === "logSoftmaxBackward"
            ? ref.logSoftmaxBackward(y, dyT, { dim: 1 })
            : ref.sigmoidBackward(y, dyT);
      const c: OpCase = { inputs: [{ data: x, shape }], tensorOptions: {}, options: {} };
      const f = (d: OpCase): number => sum(Array.from(forward(d.inputs[0]?.data ?? []), (v, i) => v * (dy[i] as number)));
      expect(checkFiniteDifferences(c, f, grad.data, name)).toBe(0);
    }
  });
});
