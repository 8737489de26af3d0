// crossEntropyWithGrad on real WebGPU: the GPU against the reference for every option, which
// passes run, in-place gradients, and a tiny training run (the reference's own gradient against
// finite differences: test/reference/cross-entropy-gradient.test.ts).
import { describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { Xent, type Reduction } from "../../src/index.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpu, gpuWithPlan, kPlans } from "../helpers/gpu.js";
import { pipelineKeys } from "../../src/pipeline-cache.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
// Gradients are differences of probabilities (p − 1 at the target): 1e-6 absolute, 1e-5 relative
// ('sum' over many rows and z-loss scale them up, hence the relative part).
const kGradTol: Tolerance = { atol: 2e-6, rtol: 1e-5 };

interface Options {
  weight?: number[];
  ignoreIndex?: number;
  labelSmoothing?: number;
  zLoss?: number;
  softcap?: number;
  reduction?: Reduction;
  dim?: number;
}

const combos: Options[] = [
  {},
  { labelSmoothing: 0.1 },
  { zLoss: 1e-2 },
  { softcap: 4 },
  { weight: [0.5, 2, 1, 3], ignoreIndex: 2 },
  { weight: [0.5, 2, 1, 3], labelSmoothing: 0.3, zLoss: 1e-3, softcap: 2 },
];

describe("crossEntropyWithGrad's passes", () => {
  it("fused (the labels' pre-pass, one pass, the reduction) where a row's lanes finish it alone; three passes for scalar rows in place and nll", async () => {
    const xent = await Xent.create(); // a device of its own: its pipeline cache holds only what runs here
    try {
      const kernels = (): Set<string> => new Set(pipelineKeys(xent.device).map((k) => k.split(/[:+]/)[0] ?? k));
      const x = xent.tensor(randomFloats(8 * 100, rng(37), 3), [8, 100]);
      const t = xent.tensor(new Int32Array(8).fill(3), [8]);
      await xent.crossEntropyWithGrad(x, t).grad.read();
      expect(kernels()).toEqual(new Set(["cross-entropy-labels", "cross-entropy-with-grad", "reduce-loss"]));
      await xent.nllLossWithGrad(x, t).grad.read();
      expect(kernels()).toEqual(
        new Set(["cross-entropy-labels", "cross-entropy-with-grad", "reduce-loss", "cross-entropy", "cross-entropy-grad"]),
      );
      const before = pipelineKeys(xent.device).length;
      await xent.crossEntropyWithGrad(x, t, { labelSmoothing: 0.1, inPlace: true }).grad.read();
      expect(pipelineKeys(xent.device).filter((k) => k.startsWith("cross-entropy-grad:") && k.includes("IN_PLACE=1"))).toHaveLength(1);
      expect(pipelineKeys(xent.device).length).toBeGreaterThan(before);
    } finally {
      xent.destroy();
    }
  });
});

describe.each(kPlans)("crossEntropyWithGrad on the GPU, %s", (plan) => {
  it("loss and gradient match the reference for every option, reduction, target kind and a middle class dim", async () => {
    const xent = await gpuWithPlan(plan);
    const random = rng(31);
    for (const [shape, dim] of [
      [[33, 4], 1],
      [[2, 4, 5], 1],
      [[4], 0],
    ] as [number[], number][])
      for (const base of combos)
        for (const reduction of ["mean", "sum", "none"] as const)
          for (const prob of [false, true]) {
            const o = { ...base, reduction, dim, ...(prob ? { ignoreIndex: undefined } : {}) };
            const logits = randomFloats(size(shape), random, 5);
            const rowShape = shape.filter((_, d) => d !== dim);
            const tData = prob
              ? Float32Array.from(ref.softmax(ref.refTensor(randomFloats(size(shape), random, 2), shape), { dim }).data)
              : randomInts(size(rowShape), random, 4);
            const tShape = prob ? shape : rowShape;
            const { weight, ...rest } = o;
            const gpuOpts = { ...rest, ...(weight ? { weight: xent.tensor(new Float32Array(weight), [4]) } : {}) };
            const { loss, grad } = xent.crossEntropyWithGrad(xent.tensor(logits, shape), xent.tensor(tData, tShape), gpuOpts);
            const refLogits = ref.refTensor(logits, shape);
            const refTarget = ref.refTensor(tData, tShape);
            const label = `${shape} ${JSON.stringify(o)} prob ${prob}`;
            expectClose(await loss.read(), ref.crossEntropy(refLogits, refTarget, o).data, { atol: 2e-6, rtol: 3e-5 }, `loss ${label}`);
            expectClose(await grad.read(), ref.crossEntropyGrad(refLogits, refTarget, o).data, kGradTol, `grad ${label}`);
          }
  });

  it("the fused pass gives the three passes' bits (sliced logits keep three passes): every option, reduction, target kind", async () => {
    const xent = await gpuWithPlan(plan);
    // 16 KiB bindings: [64, C] f32 gradients in 5 or more slices, which the fused pass does not take.
    const sliced = Xent.fromDevice(xent.device, { adapterKind: xent.adapterKind, useSubgroups: xent.hasSubgroups, maxBindingBytes: 16384 });
    const random = rng(36);
    const rows = 64;
    // 4 classes: scalar rows (a thread per row); 100: vec4 rows with lanes; 101: SPAN4 reads and stores
    // (fused only).
    for (const classes of [4, 100, 101])
      for (const base of combos)
        for (const reduction of ["mean", "sum", "none"] as const)
          for (const prob of [false, true]) {
            const shape = [rows, classes];
            const logits = randomFloats(rows * classes, random, 6);
            const tData = prob
              ? Float32Array.from(ref.softmax(ref.refTensor(randomFloats(rows * classes, random, 2), shape)).data)
              : Int32Array.from(randomInts(rows, random, 4), (v, i) => (i % 9 === 4 ? (base.ignoreIndex ?? -100) : v));
            const tShape = prob ? shape : [rows];
            const { weight, ...rest } = { ...base, reduction, ...(prob ? { ignoreIndex: undefined } : {}) };
            const run = async (x: Xent) => {
              const w = weight
                ? x.tensor(
                    Float32Array.from({ length: classes }, (_, c) => weight[c % 4] as number),
                    [classes],
                  )
                : undefined;
              const r = x.crossEntropyWithGrad(x.tensor(logits, shape), x.tensor(tData, tShape), { ...rest, ...(w ? { weight: w } : {}) });
              return { loss: Array.from(await r.loss.read()), grad: Array.from(await r.grad.read()) };
            };
            const one = await run(xent);
            const three = await run(sliced);
            const label = `C ${classes} ${JSON.stringify(base)} ${reduction} prob ${prob}`;
            if (classes === 101) {
              // Sliced rows are not read as spanning vec4s: the same sums in another order.
              expectClose(one.loss, three.loss, { atol: 1e-6, rtol: 1e-6 }, `loss ${label}`, "f64"); // GPU against GPU: not a reference case
              expectClose(one.grad, three.grad, { atol: 1e-7, rtol: 1e-5 }, `grad ${label}`, "f64");
            } else {
              expect(one.loss, `loss ${label}`).toEqual(three.loss);
              expect(one.grad, `grad ${label}`).toEqual(three.grad);
            }
          }
  });

  it("large vocabularies and many rows: [3, 70000], [4099, 10], C = 1", async () => {
    const xent = await gpuWithPlan(plan);
    const random = rng(32);
    for (const shape of [
      [3, 70000],
      [4099, 10],
      [5, 1],
    ]) {
      const logits = randomFloats(size(shape), random, 8);
      const t = randomInts(shape[0] as number, random, shape[1] as number);
      const { loss, grad } = xent.crossEntropyWithGrad(xent.tensor(logits, shape), xent.tensor(t, [shape[0] as number]), {
        labelSmoothing: 0.1,
        zLoss: 1e-4,
      });
      const o = { labelSmoothing: 0.1, zLoss: 1e-4 };
      expectClose(
        await loss.read(),
        ref.crossEntropy(ref.refTensor(logits, shape), ref.refTensor(t, [shape[0] as number]), o).data,
        { atol: 2e-6, rtol: 3e-5 },
        `loss ${shape}`,
      );
      expectClose(
        await grad.read(),
        ref.crossEntropyGrad(ref.refTensor(logits, shape), ref.refTensor(t, [shape[0] as number]), o).data,
        kGradTol,
        `grad ${shape}`,
      );
    }
  });

  it("ignored positions get a zero gradient; bad labels reject both loss and grad", async () => {
    const xent = await gpuWithPlan(plan);
    const x = xent.tensor(randomFloats(12, rng(33)), [3, 4]);
    const { grad } = xent.crossEntropyWithGrad(x, xent.tensor(new Int32Array([1, -100, 2]), [3]));
    expect(Array.from((await grad.read()).slice(4, 8))).toEqual([0, 0, 0, 0]);
    const bad = xent.crossEntropyWithGrad(x, xent.tensor(new Int32Array([1, 4, 2]), [3]));
    await expect(bad.loss.read()).rejects.toThrow("crossEntropyWithGrad: target[1] (flat position 1) is 4");
    await expect(bad.grad.read()).rejects.toThrow(RangeError);
  });

  it("inPlace writes the gradient over the logits buffer, with the same values (scalar and vec4 rows)", async () => {
    const xent = await gpuWithPlan(plan);
    const random = rng(34);
    for (const [classes, labelSmoothing] of [
      [300, 0.05],
      [300, 0],
      [301, 0],
    ] as const) {
      const logits = randomFloats(64 * classes, random, 6);
      const t = xent.tensor(randomInts(64, random, classes), [64]);
      const copy = xent.crossEntropyWithGrad(xent.tensor(logits, [64, classes]), t, { labelSmoothing });
      const expected = await copy.grad.read();
      const expectedLoss = Array.from(await copy.loss.read());
      expectClose(
        expected,
        ref.crossEntropyGrad(ref.refTensor(logits, [64, classes]), ref.refTensor(await t.read(), [64]), { labelSmoothing }).data,
        kGradTol,
        `grad C ${classes}`,
      );
      const x = xent.tensor(logits, [64, classes]);
      const { loss, grad } = xent.crossEntropyWithGrad(x, t, { labelSmoothing, inPlace: true });
      expect(grad.buffer).toBe(x.buffer);
      expect(Array.from(await grad.read())).toEqual(Array.from(expected));
      expect(Array.from(await x.read())).toEqual(Array.from(expected)); // consumed: the logits now hold the gradient
      expect(Array.from(await loss.read())).toEqual(expectedLoss); // the targets' logits read before the gradient overwrote them
      grad.destroy(); // an alias: the logits tensor still owns the buffer
      expect((await x.read()).length).toBe(64 * classes);
    }
  });

  it("trains a softmax-regression classifier on a 3-class synthetic set: loss falls below 0.25 in 50 steps", async () => {
    const xent = await gpuWithPlan(plan);
    const { finalLoss, firstLoss } = await trainSoftmaxRegression(xent, 50);
    expect(firstLoss).toBeGreaterThan(1);
    expect(finalLoss).toBeLessThan(0.25);
  });
});

/** Three Gaussian blobs in 2-D; logits = X·W + b on the CPU (tiny), loss and dL/dlogits on the GPU. */
async function trainSoftmaxRegression(
  xent: Awaited<ReturnType<typeof gpu>>,
  steps: number,
): Promise<{ firstLoss: number; finalLoss: number }> {
  const random = rng(35);
  const n = 300;
  const centers = [
    [2, 0],
    [-1, 1.7],
    [-1, -1.7],
  ];
  const X = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i] = k;
    X[2 * i] = (centers[k]![0] as number) + (random() - 0.5);
    X[2 * i + 1] = (centers[k]![1] as number) + (random() - 0.5);
  }
  const W = new Float32Array(6); // [2, 3]
  const b = new Float32Array(3);
  const labels = xent.tensor(y, [n]);
  const lr = 0.5;
  let firstLoss = NaN;
  let finalLoss = NaN;
  for (let step = 0; step < steps; step++) {
    const logits = new Float32Array(n * 3);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 3; c++)
        logits[i * 3 + c] =
          (X[2 * i] as number) * (W[c] as number) +
          (X[2 * i + 1] as number) * (W[3 + c] as number) +
          (b[c] as number) +
          3 * (c === 0 ? 1 : 0);
    const x = xent.tensor(logits, [n, 3]);
    const { loss, grad } = xent.crossEntropyWithGrad(x, labels, { inPlace: true });
    const [l, g] = await Promise.all([loss.read(), grad.read()]);
    if (step === 0) firstLoss = l[0] as number;
    finalLoss = l[0] as number;
    for (let c = 0; c < 3; c++) {
      let gw0 = 0;
      let gw1 = 0;
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const gi = g[i * 3 + c] as number;
        gw0 += (X[2 * i] as number) * gi;
        gw1 += (X[2 * i + 1] as number) * gi;
        gb += gi;
      }
      W[c] = (W[c] as number) - lr * gw0;
      W[3 + c] = (W[3 + c] as number) - lr * gw1;
      b[c] = (b[c] as number) - lr * gb;
    }
    x.destroy();
    loss.destroy();
  }
  return { firstLoss, finalLoss };
}

describe("crossEntropyWithGrad edge cases", () => {
  it("rows whose softmax is undefined (NaN, +inf, every class −inf) get a NaN gradient, an ignored one 0 (vec4 and scalar rows, every plan)", async () => {
    for (const plan of kPlans) {
      const xent = await gpuWithPlan(plan);
      for (const c of [8, 7]) {
        const rows = [
          Array.from({ length: c }, (_, k) => (k === 3 ? NaN : k / 3)),
          Array.from({ length: c }, (_, k) => (k === 5 ? Infinity : -k)),
          Array.from({ length: c }, () => -Infinity),
          Array.from({ length: c }, (_, k) => Math.sin(k)),
          Array.from({ length: c }, (_, k) => (k === 1 ? NaN : 0)), // ignored below: 0, not NaN
        ];
        const logits = new Float32Array(rows.flat());
        const labels = new Int32Array([0, 1, 2, 3, -100]);
        const shape = [rows.length, c];
        const want = ref.crossEntropyGrad(ref.refTensor(logits, shape), ref.refTensor(labels, [rows.length])).data;
        const { grad } = xent.crossEntropyWithGrad(xent.tensor(logits, shape), xent.tensor(labels, [rows.length]));
        const got = await grad.read();
        for (const r of [0, 1, 2])
          expect(Array.from(got.slice(r * c, (r + 1) * c)).every(Number.isNaN), `${plan}, C ${c}, row ${r}`).toBe(true);
        expect(Array.from(got.slice(4 * c))).toEqual(new Array(c).fill(0));
        expectClose(got, want, kGradTol, `${plan}, C ${c}: undefined rows`);
      }
    }
  });

  it("u32 targets: ignoreIndex rows get a zero gradient, as with i32 (vec4 and scalar rows, every plan)", async () => {
    for (const plan of kPlans) {
      const xent = await gpuWithPlan(plan);
      for (const classes of [8, 7]) {
        const r = rng(classes);
        const logits = randomFloats(5 * classes, r);
        const labels = [1, 3, 3, 0, 6];
        for (const reduction of ["mean", "none"] as const) {
          const o = { ignoreIndex: 3, reduction };
          const { loss, grad } = xent.crossEntropyWithGrad(
            xent.tensor(logits, [5, classes]),
            xent.tensor(Uint32Array.from(labels), [5]),
            o,
          );
          const x = ref.refTensor(logits, [5, classes]);
          const t = ref.refTensor(labels);
          expectClose(await grad.read(), ref.crossEntropyGrad(x, t, o).data, kGradTol, `u32 grad C=${classes} ${reduction}, ${plan}`);
          expectClose(await loss.read(), ref.crossEntropy(x, t, o).data, kGradTol, `u32 loss C=${classes} ${reduction}, ${plan}`);
        }
      }
    }
  });

  it("softcap with -Inf and -1e9 masks and |x| far beyond the cap stays finite, as the math (tanh saturates)", async () => {
    const xent = await gpu();
    const cases: { logits: number[]; target: number; softcap: number; loss: number }[] = [
      { logits: [-Infinity, 0, 1], target: 2, softcap: 30, loss: 0.31336 },
      { logits: [500, -1e9, 0.5], target: 2, softcap: 5, loss: 4.51273 },
    ];
    for (const c of cases) {
      const o = { softcap: c.softcap };
      const { loss, grad } = xent.crossEntropyWithGrad(
        xent.tensor(new Float32Array(c.logits), [1, 3]),
        xent.tensor(new Int32Array([c.target]), [1]),
        o,
      );
      const [l, g] = await Promise.all([loss.read(), grad.read()]);
      expect(l[0]).toBeCloseTo(c.loss, 4);
      const x = ref.refTensor(c.logits, [1, 3]);
      const t = ref.refTensor([c.target]);
      expectClose(l, ref.crossEntropy(x, t, o).data, kGradTol, `softcap loss ${c.logits}`);
      expectClose(g, ref.crossEntropyGrad(x, t, o).data, kGradTol, `softcap grad ${c.logits}`);
      expect(Array.from(g).every(Number.isFinite)).toBe(true);
      expectClose(
        await xent.crossEntropy(xent.tensor(new Float32Array(c.logits), [1, 3]), xent.tensor(new Int32Array([c.target]), [1]), o).read(),
        [c.loss],
        { atol: 1e-4, rtol: 0 },
        "forward",
      );
    }
  });
});
