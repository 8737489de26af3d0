// softmax / logSoftmax on real WebGPU vs the float64 reference.
import { beforeEach, describe, expect, it } from "vitest";
import * as ref from "../../src/reference/index.js";
import { pipelineCount } from "../../src/pipeline-cache.js";
import { expectClose, type Tolerance } from "../helpers/compare.js";
import { gpuWithPlan, kPlans, type Plan } from "../helpers/gpu.js";
import { randomFloats, randomInt, rng } from "../helpers/random.js";

// f32 exp/log on the GPU vs float64: probabilities to 1e-6 absolute (they sum to 1),
// log-probabilities to 2e-5 relative (|log p| can be ~2e4 with ±1e4 logits).
const kProbTol: Tolerance = { atol: 1e-6, rtol: 2e-5 };
const kLogTol: Tolerance = { atol: 2e-5, rtol: 2e-5 };

let plan: Plan = "detected plan";

async function checkRowOps(data: Float32Array, shape: number[], dim: number, temperature = 1, what = ""): Promise<void> {
  const xent = await gpuWithPlan(plan);
  const x = xent.tensor(data, shape);
  const label = `${what} shape [${shape}] dim ${dim} T ${temperature}`;
  const [p, lp] = await Promise.all([xent.softmax(x, { dim, temperature }).read(), xent.logSoftmax(x, { dim, temperature }).read()]);
  x.destroy();
  const input = ref.refTensor(data, shape);
  expectClose(p, ref.softmax(input, { dim, temperature }).data, kProbTol, `softmax ${label}`);
  expectClose(lp, ref.logSoftmax(input, { dim, temperature }).data, kLogTol, `logSoftmax ${label}`);
}

describe.each(kPlans)("softmax and logSoftmax on the GPU, %s", (p) => {
  beforeEach(() => void (plan = p));

  it("matches hand-computed values", async () => {
    const xent = await gpuWithPlan(plan);
    const x = xent.tensor(new Float32Array([1, 2, 3]), [3]);
    expectClose(
      await xent.softmax(x).read(),
      [0.09003057317038046, 0.24472847105479767, 0.6652409557748219],
      { atol: 1e-7, rtol: 1e-6 },
      "softmax [1,2,3]",
    );
    // The dog/cat/horse/cheetah probabilities come back from their logs (they sum to 1).
    const p = [0.775, 0.116, 0.039, 0.07];
    const logs = xent.tensor(new Float32Array(p.map(Math.log)), [4]);
    expectClose(await xent.softmax(logs).read(), p, { atol: 1e-6, rtol: 0 }, "softmax(log p)");
  });

  it("random shapes: rows 1..4099, classes 1..70000 (non-multiples of 4 included), last dim", async () => {
    const random = rng(1);
    const shapes: number[][] = [
      [1, 1],
      [4099, 3],
      [7, 70000],
      [1, 70000],
      [33, 1001],
      [513, 64],
      [2, 4097],
      [1000, 129],
      [5, 1],
    ];
    for (let k = 0; k < 6; k++) {
      const classes = randomInt(random, 1, 3000);
      shapes.push([randomInt(random, 1, Math.max(1, Math.floor(200000 / classes))), classes]);
    }
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      await checkRowOps(randomFloats(n, random, 8), shape, -1, 1, "random");
    }
  });

  it("every dim of a 4-D tensor, including the middle class dim of NCHW", async () => {
    const random = rng(2);
    for (const shape of [
      [2, 5, 3, 7],
      [3, 130, 2, 2],
      [1, 3, 64, 65],
    ]) {
      const data = randomFloats(
        shape.reduce((a, b) => a * b, 1),
        random,
        6,
      );
      for (let dim = -4; dim < 4; dim++) await checkRowOps(data, shape, dim, 1, "4-D");
    }
  });

  it("temperature scales before normalising", async () => {
    const random = rng(3);
    for (const t of [0.1, 0.5, 2, 37]) await checkRowOps(randomFloats(64 * 300, random, 5), [64, 300], -1, t, "temperature");
    // Rows that are not vec4 (C % 4 ≠ 0) and a class dim that is not last take the scalar path.
    for (const t of [0.3, 3]) {
      await checkRowOps(randomFloats(33 * 7, random, 5), [33, 7], -1, t, "temperature, scalar rows");
      await checkRowOps(randomFloats(5 * 6 * 3, random, 5), [5, 6, 3], 1, t, "temperature, middle dim");
    }
  });

  it("adversarial rows: ±1e4, -Inf masks, all-masked rows, NaN, +Inf, equal values", async () => {
    const ninf = -Infinity;
    const rows: number[][] = [
      [1e4, -1e4, 0, 1e4 - 1],
      [-1e4, -1e4 + 0.5, -1e4 + 1, -1e4],
      [ninf, 0, ninf, 1],
      [ninf, ninf, ninf, ninf], // PyTorch: all NaN
      [NaN, 1, 2, 3], // NaN in -> NaN row
      [Infinity, 1, 2, 3], // exp(inf - inf): NaN row, as PyTorch
      [100, 100, 100, 100],
      [-400, -400, 0, -400], // TF.js odd-tree regression shape
      [-1e9, 0, -1e9, 5], // -1e9 masking (tfjs#5394)
      [3.4e38, -3.4e38, 0, 1],
    ];
    const data = new Float32Array(rows.flat());
    await checkRowOps(data, [rows.length, 4], -1, 1, "adversarial");
    // The same rows as columns (class dim 0, strided) and wide rows padded with -inf (workgroup path).
    const transposed = new Float32Array(rows.length * 4);
    rows.forEach((r, i) => r.forEach((v, c) => (transposed[c * rows.length + i] = v)));
    await checkRowOps(transposed, [4, rows.length], 0, 1, "adversarial transposed");
    const wide = new Float32Array(rows.length * 3000).fill(ninf);
    rows.forEach((r, i) => r.forEach((v, c) => (wide[i * 3000 + c * 700] = v)));
    await checkRowOps(wide, [rows.length, 3000], -1, 1, "adversarial wide");
    // Long rows (split into chunks on GPUs): a fully masked first chunk, a NaN in the last one.
    const long = randomFloats(3 * 40000, rng(5), 6);
    long.fill(-Infinity, 0, 9000);
    long[40000 + 39997] = NaN;
    await checkRowOps(long, [3, 40000], -1, 0.7, "adversarial long rows");
  });

  it("shapes share pipelines: sizes travel in uniforms", async () => {
    const xent = await gpuWithPlan(plan);
    // Both rows of ≥ 32 classes, not a multiple of 4, one thread a row: one plan (SPAN4 with stores).
    const a = xent.tensor(new Float32Array(10 * 50), [10, 50]);
    await xent.softmax(a).read();
    const before = pipelineCount(xent.device);
    const b = xent.tensor(new Float32Array(30 * 62), [30, 62]);
    await xent.softmax(b).read();
    expect(pipelineCount(xent.device)).toBe(before);
  });
});
