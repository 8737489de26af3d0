// jsDiv and jsDivWithGrad on real WebGPU vs the float64 reference (the registry's conformance,
// fuzz and PyTorch fixtures cover the declared variants; here: Liger's semantics and the edges).
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

const kTol: Tolerance = { atol: 1e-6, rtol: 1e-5 };

const logSoftmax = (data: Float32Array, shape: number[]): Float32Array =>
  Float32Array.from(ref.logSoftmax(ref.refTensor(data, shape)).data);

describe("jsDiv", () => {
  it("matches the reference for every β, reduction and label set, loss and gradient", async () => {
    const xent = await gpu();
    const random = rng(71);
    for (const shape of [
      [7, 10],
      [2, 3, 9],
      [1, 4099],
    ]) {
      const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const n = rows * (shape.at(-1) as number);
      const logQ = logSoftmax(randomFloats(n, random, 3), shape);
      const logP = logSoftmax(randomFloats(n, random, 6), shape);
      const ids = randomInts(rows, random, shape.at(-1) as number);
      ids[0] = -100;
      for (const beta of [0, 0.1, 0.5, 1]) {
        for (const reduction of ["batchmean", "sum", "none"] as const) {
          for (const withLabels of [false, true]) {
            const labels = withLabels ? xent.tensor(ids, shape.slice(0, -1)) : undefined;
            const o = { beta, reduction, ...(labels ? { labels } : {}) };
            const ro = { beta, reduction, ...(withLabels ? { labels: ids } : {}) };
            const q = xent.tensor(logQ, shape);
            const p = xent.tensor(logP, shape);
            const what = `${shape} β ${beta} ${reduction} labels ${withLabels}`;
            expectClose(
              await xent.jsDiv(q, p, o).read(),
              ref.jsDiv(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), ro).data,
              kTol,
              what,
            );
            const { loss, grad } = xent.jsDivWithGrad(q, p, o);
            expectClose(
              await loss.read(),
              ref.jsDiv(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), ro).data,
              kTol,
              `${what} (WithGrad)`,
            );
            expectClose(
              await grad.read(),
              ref.jsDivGrad(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), ro).data,
              kTol,
              `${what} grad`,
            );
          }
        }
      }
    }
  });

  it("the ends are the two KLs, and β = 0.5 is the Jensen–Shannon divergence (≤ ln 2 a row)", async () => {
    const xent = await gpu();
    const q = [0.7, 0.2, 0.1];
    const p = [0.1, 0.3, 0.6];
    const lq = xent.tensor(q.map(Math.log), [1, 3]);
    const lp = xent.tensor(p.map(Math.log), [1, 3]);
    const kl = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * Math.log(v / (b[i] as number)), 0);
    const m = p.map((v, i) => (v + (q[i] as number)) / 2);
    expect((await xent.jsDiv(lq, lp, { beta: 0 }).read())[0]).toBeCloseTo(kl(p, q), 6);
    expect((await xent.jsDiv(lq, lp, { beta: 1 }).read())[0]).toBeCloseTo(kl(q, p), 6);
    expect((await xent.jsDiv(lq, lp).read())[0]).toBeCloseTo(0.5 * kl(p, m) + 0.5 * kl(q, m), 6);
    // Disjoint supports: the JSD's maximum, ln 2 (0·log 0 = 0 on both sides).
    const disjoint = await xent.jsDiv(xent.tensor([0, -Infinity], [1, 2]), xent.tensor([-Infinity, 0], [1, 2])).read();
    expect(disjoint[0]).toBeCloseTo(Math.LN2, 6);
  });

  it("keeps its digits when the student is close to the teacher (no difference of nearly equal logs)", async () => {
    const xent = await gpu();
    const random = rng(5);
    const shape = [4, 1000];
    const logP = logSoftmax(randomFloats(4000, random, 8), shape);
    const logQ = logSoftmax(
      Float32Array.from(logP, (v) => v + 1e-3 * (random() - 0.5)),
      shape,
    );
    for (const beta of [0.1, 0.5, 0.9]) {
      const want = ref.jsDiv(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), { beta }).data[0] as number;
      const got = (await xent.jsDiv(xent.tensor(logQ, shape), xent.tensor(logP, shape), { beta }).read())[0] as number;
      expect(want).toBeGreaterThan(0);
      expect(Math.abs(got - want) / want, `β ${beta}: ${got} vs ${want}`).toBeLessThan(1e-4);
    }
  });

  it("far-apart distributions: log-ratios past 20 (expm1 would overflow) and tiny probabilities", async () => {
    const xent = await gpu();
    const shape = [2, 4];
    const logQ = Float32Array.from([-0.1, -30, -3, -60, -25, -0.2, -2.5, -80]);
    const logP = Float32Array.from([-40, -0.05, -4, -3.5, -0.3, -45, -1.5, -70]);
    for (const beta of [0.01, 0.5, 0.99]) {
      for (const reduction of ["none", "sum"] as const) {
        const { loss, grad } = xent.jsDivWithGrad(xent.tensor(logQ, shape), xent.tensor(logP, shape), { beta, reduction });
        const r = ref.jsDiv(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), { beta, reduction });
        const g = ref.jsDivGrad(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), { beta, reduction });
        // Relative digits even where the values are 1e-10 (a tiny probability's terms).
        expectClose(await loss.read(), r.data, { atol: 1e-30, rtol: 1e-4 }, `β ${beta} ${reduction}`);
        expectClose(await grad.read(), g.data, { atol: 1e-30, rtol: 1e-4 }, `β ${beta} ${reduction} grad`);
      }
    }
  });

  it("skips ignored rows (all ignored: 0 and a zero gradient, as Liger), u32 labels, a custom ignoreIndex", async () => {
    const xent = await gpu();
    const shape = [3, 4];
    const logQ = logSoftmax(Float32Array.from([1, 2, 3, 4, 0, 0, 0, 1, 5, 1, 1, 1]), shape);
    const logP = logSoftmax(Float32Array.from([4, 3, 2, 1, 1, 0, 0, 0, 1, 1, 1, 5]), shape);
    const q = xent.tensor(logQ, shape);
    const p = xent.tensor(logP, shape);
    const none = xent.jsDivWithGrad(q, p, { labels: xent.tensor(new Int32Array([-100, -100, -100]), [3]) });
    expect(Array.from(await none.loss.read())).toEqual([0]);
    expect(Array.from(await none.grad.read()).every((g) => g === 0)).toBe(true);
    // Row 1 ignored (label 9 with ignoreIndex 9, as u32): the others' sum over 2.
    const labels = xent.tensor(new Uint32Array([2, 9, 0]), [3]);
    const got = await xent.jsDiv(q, p, { labels, ignoreIndex: 9 }).read();
    const want = ref.jsDiv(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), { labels: [2, 9, 0], ignoreIndex: 9 });
    expectClose(got, want.data, kTol, "u32 labels");
    const rows = ref.jsDiv(ref.refTensor(logQ, shape), ref.refTensor(logP, shape), { reduction: "none" }).data;
    const kept = [0, 1, 2, 3, 8, 9, 10, 11].reduce((s, i) => s + (rows[i] as number), 0);
    expect(got[0]).toBeCloseTo(kept / 2, 6);
  });

  it("rejects read() for a bad label, and is NaN where an input is NaN", async () => {
    const xent = await gpu();
    const shape = [2, 3];
    const q = xent.tensor(logSoftmax(Float32Array.from([1, 2, 3, 3, 2, 1]), shape), shape);
    const p = xent.tensor(logSoftmax(Float32Array.from([3, 2, 1, 1, 2, 3]), shape), shape);
    await expect(xent.jsDiv(q, p, { labels: xent.tensor(new Int32Array([0, 3]), [2]) }).read()).rejects.toThrow(RangeError);
    await expect(xent.jsDivWithGrad(q, p, { labels: xent.tensor(new Int32Array([-5, 1]), [2]) }).grad.read()).rejects.toThrow(RangeError);
    const nan = xent.tensor(Float32Array.from([NaN, -1, -1, -1, -1, -1]), shape);
    const { loss, grad } = xent.jsDivWithGrad(nan, p, { reduction: "none" });
    const l = await loss.read();
    expect(l[0]).toBeNaN();
    expect(Number.isFinite(l[3])).toBe(true);
    expect((await grad.read())[0]).toBeNaN();
  });

  it("refuses bad arguments at the call", async () => {
    const xent = await gpu();
    const q = xent.tensor(new Float32Array(6), [2, 3]);
    expect(() => xent.jsDiv(q, xent.tensor(new Float32Array(6), [3, 2]))).toThrow(/jsDiv: target: expected the logQ shape \[2, 3\]/);
    expect(() => xent.jsDiv(q, q, { beta: 1.5 })).toThrow(RangeError);
    expect(() => xent.jsDiv(q, q, { beta: "0.5" as unknown as number })).toThrow(TypeError);
    expect(() => xent.jsDiv(q, q, { reduction: "mean" as "sum" })).toThrow(/reduction: expected 'batchmean', 'sum', 'none'/);
    expect(() => xent.jsDiv(q, q, { labels: xent.tensor(new Int32Array(3), [3]) })).toThrow(/labels: expected the shape \[2\]/);
    expect(() => xent.jsDiv(q, q, { labels: xent.tensor(new Float32Array(2), [2]) })).toThrow(/labels/);
    const scalar = xent.tensor(new Float32Array(1), []);
    expect(() => xent.jsDiv(scalar, scalar)).toThrow(/jsDiv: logQ: expected rank >= 1/);
  });
});
