// entropy on real WebGPU vs the float64 reference.
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, rng, shapeSize } from "../helpers/random.js";

describe("entropy", () => {
  it("from probabilities and from logits, any dim, nats and bits, masked classes", async () => {
    const xent = await gpu();
    const random = rng(23);
    for (const [shape, dim] of [
      [[10, 7], -1],
      [[3, 4, 5], 1],
      [[2, 3000], 1],
      [[40, 2, 3], 0],
    ] as [number[], number][]) {
      const logits = randomFloats(shapeSize(shape), random, 6);
      if (logits.length > 3) logits[3] = -Infinity;
      const p = Float32Array.from(ref.softmax(ref.refTensor(logits, shape), { dim }).data);
      for (const base of [Math.E, 2]) {
        const fromLogits = await xent.entropy(xent.tensor(logits, shape), { dim, fromLogits: true, base }).read();
        expectClose(
          fromLogits,
          ref.entropy(ref.refTensor(logits, shape), { dim, fromLogits: true, base }).data,
          { atol: 2e-6, rtol: 2e-5 },
          `entropy logits ${shape} ${dim}`,
        );
        const fromProbs = await xent.entropy(xent.tensor(p, shape), { dim, base }).read();
        expectClose(
          fromProbs,
          ref.entropy(ref.refTensor(p, shape), { dim, base }).data,
          { atol: 2e-6, rtol: 2e-5 },
          `entropy probs ${shape} ${dim}`,
        );
      }
    }
    const uniform = await xent.entropy(xent.tensor(new Float32Array(8).fill(1 / 8), [8]), { base: 2 }).read();
    expect(uniform[0]).toBeCloseTo(3, 6);
    const allMasked = await xent.entropy(xent.tensor([-Infinity, -Infinity]), { fromLogits: true }).read();
    expect(allMasked[0]).toBeNaN();
  });
});

describe("entropy edge cases", () => {
  it("a negative probability makes the row NaN (as the reference), never a quiet 0·log 0", async () => {
    const xent = await gpu();
    const p = new Float32Array([0.5, -0.1, 0.6, 0.25, 0.25, 0.5]);
    const got = await xent.entropy(xent.tensor(p, [2, 3])).read();
    const want = ref.entropy(ref.refTensor(p, [2, 3])).data;
    expect(Number.isNaN(got[0])).toBe(true);
    expectClose(got, want, { atol: 2e-6, rtol: 2e-5 }, "entropy with a negative probability");
    // On scalar rows: the class dim not last, and a buffer that ends mid-vec4 (no spanning vec4s).
    const along0 = await xent.entropy(xent.tensor(p, [3, 2]), { dim: 0 }).read();
    expectClose(
      along0,
      ref.entropy(ref.refTensor(p, [3, 2]), { dim: 0 }).data,
      { atol: 2e-6, rtol: 2e-5 },
      "dim 0, a negative probability",
    );
    expect(Number.isNaN(along0[1])).toBe(true);
    const buffer = xent.device.createBuffer({ size: p.byteLength, usage: 0x80 | 0x8 }); // STORAGE | COPY_DST
    xent.device.queue.writeBuffer(buffer, 0, p);
    expectClose(
      await xent.entropy(xent.wrap(buffer, [2, 3], "f32")).read(),
      want,
      { atol: 2e-6, rtol: 2e-5 },
      "wrapped, a negative probability",
    );
    buffer.destroy();
    // The same on vec4 rows (four classes per load), the negative one in every lane position.
    for (let at = 0; at < 4; at++) {
      const q = new Float32Array([0.25, 0.25, 0.25, 0.25, 0.5, 0.2, 0.2, 0.1]);
      q[at] = -0.25;
      const h = await xent.entropy(xent.tensor(q, [2, 4])).read();
      expect(Number.isNaN(h[0]), `negative at ${at}`).toBe(true);
      expectClose(h, ref.entropy(ref.refTensor(q, [2, 4])).data, { atol: 2e-6, rtol: 2e-5 }, `vec4 entropy, negative at ${at}`);
    }
  });

  it("huge tied maxima share the mass: softmax ½ each and entropy ln 2, in the reference and on the GPU", async () => {
    // The reference once computed log p as x − lse, which is 0 beside a max of 1e30 (lse − max lost log 2).
    const xent = await gpu();
    const row = new Float32Array([1e30, 1e30, -Infinity, 3.6, -5.4]);
    const input = ref.refTensor(row, [5]);
    expect(Array.from(ref.softmax(input).data)).toEqual([0.5, 0.5, 0, 0, 0]);
    expect(ref.entropy(input, { fromLogits: true }).data[0]).toBeCloseTo(Math.LN2, 12);
    const x = xent.tensor(row, [5]);
    expectClose(await xent.softmax(x).read(), [0.5, 0.5, 0, 0, 0], { atol: 1e-7, rtol: 0 }, "softmax of tied 1e30 maxima");
    expectClose(await xent.entropy(x, { fromLogits: true }).read(), [Math.LN2], { atol: 1e-6, rtol: 1e-6 }, "entropy of tied 1e30 maxima");
  });
});
