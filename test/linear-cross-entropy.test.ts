// linearCrossEntropy and linearCrossEntropyWithGrad: the GPU against the float64 reference (logits
// made in full, then the reference cross-entropy and its gradient) on shapes that are not multiples
// of the 64 × 64 tile, every option, 16-bit operands, bad labels, all-ignored batches, extreme
// hidden values; the V slabs and row chunks forced by a small binding limit; the same bits every
// run; and no allocation of the [N, V] logits.
import { describe, expect, it } from "vitest";
import * as ref from "../src/reference/index.js";
import { Xent, fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits, type Reduction, type Tensor } from "../src/index.js";
import { expectClose, type Tolerance } from "./helpers/compare.js";
import { gpu } from "./helpers/gpu.js";
import { randomFloats, rng } from "./helpers/random.js";

type Half = "f32" | "f16" | "bf16";

interface Case {
  n: number;
  h: number;
  v: number;
  hidden: Float32Array;
  classifier: Float32Array;
  target: Int32Array;
  bias?: Float32Array;
  weight?: Float32Array;
}

interface Options {
  bias?: boolean;
  weight?: boolean;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
  zLoss?: number;
  softcap?: number;
  base?: number;
  unsigned?: boolean;
  dtypes?: [Half, Half];
}

const kLossTol: Tolerance = { atol: 1e-6, rtol: 1e-4 };
// Gradients are sums over H (hidden) or N (classifier) of products with p − onehot: 1e-5 relative,
// plus an absolute part for the near-zero entries of a sum of cancelling terms.
const kGradTol: Tolerance = { atol: 1e-5, rtol: 1e-4 };

function makeCase(seed: number, n: number, h: number, v: number, scale = 1): Case {
  const r = rng(seed);
  // Scaled so that logits are O(1) whatever H is (scale multiplies them).
  const hidden = randomFloats(n * h, r, (2 * scale) / Math.sqrt(h));
  const classifier = randomFloats(v * h, r, 2);
  const target = Int32Array.from({ length: n }, () => (r() < 0.1 ? -100 : Math.floor(r() * v)));
  return {
    n,
    h,
    v,
    hidden,
    classifier,
    target,
    bias: randomFloats(v, r, 1),
    weight: Float32Array.from({ length: v }, () => 0.25 + r() * 2),
  };
}

// The values the GPU sees: 16-bit operands decoded.
function asDtype(xs: Float32Array, d: Half): { upload: Float32Array | Uint16Array; seen: Float32Array } {
  if (d === "f16") {
    const bits = toFloat16Bits(xs);
    return { upload: bits, seen: fromFloat16Bits(bits) };
  }
  if (d === "bf16") {
    const bits = toBfloat16Bits(xs);
    return { upload: bits, seen: fromBfloat16Bits(bits) };
  }
  return { upload: xs, seen: xs };
}

interface Uploaded {
  hidden: Tensor;
  classifier: Tensor;
  target: Tensor;
  options: Record<string, unknown>;
  refArgs: [ref.RefTensor, ref.RefTensor, ref.RefTensor, ref.RefLinearCrossEntropyOptions];
  free(): void;
}

function upload(xent: Xent, c: Case, o: Options): Uploaded {
  const [dx, dw] = o.dtypes ?? ["f32", "f32"];
  const x = asDtype(c.hidden, dx);
  const w = asDtype(c.classifier, dw);
  const hidden = xent.tensor(x.upload, [c.n, c.h], dx);
  const classifier = xent.tensor(w.upload, [c.v, c.h], dw);
  const ignore = o.ignoreIndex ?? -100;
  const labels = o.unsigned ? Uint32Array.from(c.target, (t) => (t === -100 ? (ignore >= 0 ? ignore : 0) : t)) : c.target;
  const target = xent.tensor(labels, [c.n]);
  const bias = o.bias && c.bias ? xent.tensor(c.bias, [c.v]) : undefined;
  const weight = o.weight && c.weight ? xent.tensor(c.weight, [c.v]) : undefined;
  const plain = {
    ...(o.ignoreIndex !== undefined ? { ignoreIndex: o.ignoreIndex } : {}),
    ...(o.reduction ? { reduction: o.reduction } : {}),
    ...(o.labelSmoothing ? { labelSmoothing: o.labelSmoothing } : {}),
    ...(o.zLoss ? { zLoss: o.zLoss } : {}),
    ...(o.softcap ? { softcap: o.softcap } : {}),
    ...(o.base ? { base: o.base } : {}),
  };
  return {
    hidden,
    classifier,
    target,
    options: { ...plain, ...(bias ? { bias } : {}), ...(weight ? { weight } : {}) },
    refArgs: [
      ref.refTensor(x.seen, [c.n, c.h]),
      ref.refTensor(w.seen, [c.v, c.h]),
      ref.refTensor(labels, [c.n]),
      { ...plain, ...(bias ? { bias: c.bias } : {}), ...(weight ? { weight: c.weight } : {}) },
    ],
    free() {
      for (const t of [hidden, classifier, target, bias, weight]) t?.destroy();
    },
  };
}

async function checkCase(xent: Xent, c: Case, o: Options, what: string, withGrad = true): Promise<void> {
  const u = upload(xent, c, o);
  const expected = ref.linearCrossEntropy(...u.refArgs).data;
  const loss = xent.linearCrossEntropy(u.hidden, u.classifier, u.target, u.options);
  expectClose(await loss.read(), expected, kLossTol, `${what}: loss`);
  loss.destroy();
  if (withGrad) {
    const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target, u.options);
    const g = ref.linearCrossEntropyGrad(...u.refArgs);
    expectClose(await r.loss.read(), expected, kLossTol, `${what}: loss (with grad)`);
    expectClose(await r.gradHidden.read(), g.gradHidden.data, kGradTol, `${what}: gradHidden`);
    expectClose(await r.gradClassifier.read(), g.gradClassifier.data, kGradTol, `${what}: gradClassifier`);
    if (o.bias) {
      expect(r.gradBias, `${what}: gradBias`).toBeDefined();
      expectClose(await r.gradBias!.read(), g.gradBias.data, kGradTol, `${what}: gradBias`);
    } else expect(r.gradBias).toBeUndefined();
    for (const t of [r.loss, r.gradHidden, r.gradClassifier, r.gradBias]) t?.destroy();
  }
  u.free();
}

const kShapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 3],
  [7, 13, 100],
  [65, 17, 130],
  [130, 70, 257],
  [64, 64, 64],
];

describe("linearCrossEntropy on the GPU", () => {
  it.each(kShapes)("N=%i H=%i V=%i: loss and gradients match the reference", async (n, h, v) => {
    const xent = await gpu();
    await checkCase(xent, makeCase(n * 1000 + h * 10 + v, n, h, v), { bias: true }, `[${n}, ${h}, ${v}]`);
  });
});
