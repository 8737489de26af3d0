// Contiguous rows whose length is not a multiple of 4 (SPAN4, src/row-plan.ts): the reading passes
// of crossEntropy (and its gradient's row pass), softmax / logSoftmax and entropy load the vec4s
// that span each row and mask the neighbouring rows' elements. The masks are what these tests aim
// at: NaN, +inf and large logits sit at row boundaries, where a leaked neighbour changes the answer,
// on every plan and input dtype; a wrapped buffer that ends mid-vec4 takes the scalar path instead.
import { describe, it } from "vitest";
import { toBfloat16Bits, toFloat16Bits, type Tensor, type Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpuWithPlan, kPlans } from "../helpers/gpu.js";
import { randomFloats, randomInts, rng } from "../helpers/random.js";

const kTol = { atol: 2e-6, rtol: 2e-5 };
type Dtype = "f32" | "f16" | "bf16";

/** Logits whose rows' first and last elements are extreme; rows 1–3 hold a NaN, +inf or only -inf. */
function boundaryLogits(rows: number, classes: number, seed: number): Float32Array {
  const x = randomFloats(rows * classes, rng(seed), 6);
  for (let r = 0; r < rows; r++) {
    x[r * classes] = r % 2 ? 30 : -30; // a large first element: a neighbour's max if it leaks
    x[r * classes + classes - 1] = r % 3 ? 25 : -Infinity;
  }
  if (rows > 3) {
    x[1 * classes + classes - 1] = Number.NaN; // the last element before row 2's first
    x[2 * classes] = Number.POSITIVE_INFINITY; // right after row 1's NaN
    for (let c = 0; c < classes; c++) x[3 * classes + c] = Number.NEGATIVE_INFINITY;
  }
  return x;
}

/** The values as the GPU sees them (16-bit dtypes round), and a tensor of them. */
function upload(xent: Xent, x: Float32Array, shape: number[], dtype: Dtype): { seen: Float32Array; tensor: Tensor } {
  if (dtype === "f32") return { seen: x, tensor: xent.tensor(x, shape) };
  const bits = dtype === "f16" ? toFloat16Bits(x) : toBfloat16Bits(x);
  const seen = dtype === "f16" ? ref.fromFloat16Bits(bits) : ref.fromBfloat16Bits(bits);
  return { seen, tensor: xent.tensor(bits, shape, dtype) };
}

/** An f32 tensor over a buffer exactly as long as its data (it may end mid-vec4: the scalar path). */
function wrapped(xent: Xent, x: Float32Array, shape: number[]): Tensor {
  const buffer = xent.device.createBuffer({ size: x.byteLength, usage: 0x80 | 0x8 }); // STORAGE | COPY_DST
  xent.device.queue.writeBuffer(buffer, 0, Float32Array.from(x));
  return xent.wrap(buffer, shape, "f32");
}

describe("rows of classes % 4 != 0 read as spanning vec4s", () => {
  it.each(kPlans)("crossEntropy, its gradient, softmax, logSoftmax and entropy at row boundaries, %s", async (plan) => {
    const xent = await gpuWithPlan(plan);
    // One thread a row (10, 3 classes), lanes sharing a row (1001), a GPU plan's split rows (33001).
    const shapes: [number, number][] = [
      [64, 10],
      [9, 3],
      [6, 1001],
      [3, 33001],
    ];
    for (const [rows, classes] of shapes) {
      const shape = [rows, classes];
      const x = boundaryLogits(rows, classes, rows + classes);
      const labels = randomInts(rows, rng(classes), classes);
      labels[0] = classes - 1; // the target at the row's end
      for (const dtype of ["f32", "f16", "bf16"] as const) {
        const { seen, tensor } = upload(xent, x, shape, dtype);
        const rx = ref.refTensor(seen, shape);
        const t = xent.tensor(labels, [rows]);
        const rt = ref.refTensor(labels, [rows]);
        const what = `[${shape}] ${dtype} ${plan}`;
        const ce = await xent.crossEntropy(tensor, t, { reduction: "none" }).read();
        expectClose(ce, ref.crossEntropy(rx, rt, { reduction: "none" }).data, kTol, `crossEntropy ${what}`);
        const withGrad = xent.crossEntropyWithGrad(tensor, t);
        expectClose(await withGrad.loss.read(), ref.crossEntropy(rx, rt).data, kTol, `crossEntropyWithGrad loss ${what}`);
        expectClose(await withGrad.grad.read(), ref.crossEntropyGrad(rx, rt).data, kTol, `crossEntropyWithGrad grad ${what}`);
        expectClose(await xent.softmax(tensor).read(), ref.softmax(rx).data, kTol, `softmax ${what}`);
        expectClose(await xent.logSoftmax(tensor).read(), ref.logSoftmax(rx).data, kTol, `logSoftmax ${what}`);
        const options = { fromLogits: true, reduction: "none" } as const;
        expectClose(await xent.entropy(tensor, options).read(), ref.entropy(rx, options).data, kTol, `entropy ${what}`);
        for (const out of [withGrad.loss, withGrad.grad, tensor, t]) out.destroy();
      }
      // Probabilities (masked lanes are zeros, not -inf): a zero, a one and a negative at row ends.
      const p = Float32Array.from(
        ref.softmax(
          ref.refTensor(
            Float32Array.from(x, (v) => (Number.isFinite(v) ? v : 0)),
            shape,
          ),
        ).data,
      );
      p[classes - 1] = 0;
      if (rows > 3) p[2 * classes - 1] = -0.5; // a negative probability: row 1 is NaN, row 2 not
      const rp = ref.refTensor(p, shape);
      const probabilities = xent.tensor(p, shape);
      const h = await xent.entropy(probabilities, { reduction: "none" }).read();
      expectClose(h, ref.entropy(rp, { reduction: "none" }).data, kTol, `entropy of probabilities [${shape}] ${plan}`);
      const hg = xent.entropyWithGrad(probabilities, { reduction: "none" });
      expectClose(await hg.grad.read(), ref.entropyGrad(rp, { reduction: "none" }).data, kTol, `entropyWithGrad [${shape}] ${plan}`);
      for (const out of [hg.loss, hg.grad, probabilities]) out.destroy();
    }
  });

  it.each(kPlans)(
    "crossEntropyWithGrad's options on spanning vec4s: weights, ignore_index, softcap, z-loss, in place, %s",
    async (plan) => {
      const xent = await gpuWithPlan(plan);
      for (const [rows, classes] of [
        [33, 10],
        [5, 1001],
      ] as const) {
        const shape = [rows, classes];
        const x = boundaryLogits(rows, classes, 2 * rows + classes);
        const labels = randomInts(rows, rng(rows), classes);
        labels[0] = classes - 1;
        labels[4] = -100; // ignored: a zero gradient row between two rows that are not
        const weight = Float32Array.from({ length: classes }, (_, c) => 0.5 + (c % 3));
        const rx = ref.refTensor(x, shape);
        const rt = ref.refTensor(labels, [rows]);
        for (const extra of [{}, { softcap: 20, zLoss: 1e-3 }] as const) {
          const what = `[${shape}] ${JSON.stringify(extra)} ${plan}`;
          const w = xent.tensor(weight, [classes]);
          const t = xent.tensor(labels, [rows]);
          const want = ref.crossEntropyGrad(rx, rt, { weight, ...extra }).data;
          const out = xent.crossEntropyWithGrad(xent.tensor(x, shape), t, { weight: w, ...extra });
          expectClose(await out.grad.read(), want, kTol, `grad ${what}`);
          const logits = xent.tensor(x, shape);
          const inPlace = xent.crossEntropyWithGrad(logits, t, { weight: w, inPlace: true, ...extra });
          expectClose(await inPlace.grad.read(), want, kTol, `grad in place ${what}`);
          for (const o of [out.loss, out.grad, inPlace.loss, inPlace.grad, w, t]) o.destroy();
        }
      }
    },
  );

  it("a wrapped buffer that ends mid-vec4 (the scalar path) gives the same values", async () => {
    const xent = await gpuWithPlan("detected plan");
    const [rows, classes] = [7, 10];
    const shape = [rows, classes];
    const x = boundaryLogits(rows, classes, 5);
    const labels = randomInts(rows, rng(6), classes);
    const rx = ref.refTensor(x, shape);
    const rt = ref.refTensor(labels, [rows]);
    for (const tensor of [xent.tensor(x, shape), wrapped(xent, x, shape)]) {
      const t = xent.tensor(labels, [rows]);
      const ce = await xent.crossEntropy(tensor, t, { reduction: "none" }).read();
      expectClose(ce, ref.crossEntropy(rx, rt, { reduction: "none" }).data, kTol, `crossEntropy ${tensor.buffer.size} bytes`);
      expectClose(await xent.softmax(tensor).read(), ref.softmax(rx).data, kTol, `softmax ${tensor.buffer.size} bytes`);
      const options = { fromLogits: true, reduction: "none" } as const;
      expectClose(await xent.entropy(tensor, options).read(), ref.entropy(rx, options).data, kTol, `entropy ${tensor.buffer.size} bytes`);
      t.destroy();
    }
  });
});
