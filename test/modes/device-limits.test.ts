// On a device whose maxStorageBufferBindingSize really is WebGPU's default 128 MiB (as on many
// phones; requested with maxBufferSize raised, shared through fromDevice), the reductions of the
// elementwise losses over more f32 values than one binding holds (34M > 33.5M) work: their loss
// temporaries are reduced in binding-sized parts. The other tests lower only the planning limit.
import { afterAll, expect, it } from "vitest";
import { Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { rng } from "../helpers/random.js";

const kBinding = 2 ** 27;
let device: Xent | undefined;
afterAll(() => device?.destroy());

it(
  "klDiv, binaryCrossEntropy(WithLogits) and keras.binaryCrossentropy reduce 34M values on a real 128 MiB binding limit",
  { timeout: 300_000 },
  async () => {
    await gpu(); // names the adapter in the run's GPU-case count
    device = await Xent.create({ requiredLimits: { maxStorageBufferBindingSize: kBinding, maxBufferSize: 2 ** 30 } });
    const xent = Xent.fromDevice(device.device);
    expect(xent.device.limits.maxStorageBufferBindingSize).toBe(kBinding);
    const n = 34_000_000;
    const random = rng(128);
    const p = Float32Array.from({ length: n }, () => 0.01 + 0.98 * random());
    const y = Float32Array.from({ length: n }, () => random());
    const shape = [n / 4, 4];
    const P = xent.tensor(p, shape);
    const Y = xent.tensor(y, shape);
    const rp = ref.refTensor(p, shape);
    const ry = ref.refTensor(y, shape);
    // Sums of 34M f32 values: Kahan-compensated per thread, then a tree and the parts in order.
    const tol = { atol: 1e-6, rtol: 2e-5 };
    const cases: [string, () => Promise<Float32Array>, () => ArrayLike<number>][] = [
      [
        "klDiv batchmean",
        () => xent.klDiv(P, Y, { reduction: "batchmean" }).read(),
        () => ref.klDiv(rp, ry, { reduction: "batchmean" }).data,
      ],
      ["binaryCrossEntropy mean", () => xent.binaryCrossEntropy(P, Y).read(), () => ref.binaryCrossEntropy(rp, ry).data],
      [
        "binaryCrossEntropyWithLogits sum",
        () => xent.binaryCrossEntropyWithLogits(P, Y, { reduction: "sum" }).read(),
        () => ref.binaryCrossEntropyWithLogits(rp, ry, { reduction: "sum" }).data,
      ],
      ["keras.binaryCrossentropy", () => xent.keras.binaryCrossentropy(Y, P).read(), () => [ref.keras.binaryCrossentropy(ry, rp)]],
    ];
    for (const [what, gpuValue, refValue] of cases) {
      expectClose(await gpuValue(), refValue(), tol, what);
    }
    P.destroy();
    Y.destroy();
  },
);
