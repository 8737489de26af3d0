// A bad class index is visible on the GPU, not only at read(): the loss is NaN at the bad
// position ('none') or as a whole ('mean', 'sum'), its gradient's row is NaN, and xent.check()
// rejects with read()'s RangeError while reading back only the status words.
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../src/index.js";
import { gpu } from "../helpers/gpu.js";

/** The raw buffer contents, bypassing read()'s check (what a GPU consumer of the buffer sees). */
async function rawContents(t: Tensor): Promise<Float32Array> {
  const device = t.device;
  const staging = device.createBuffer({ size: Math.max(4, t.size * 4), usage: 0x0001 | 0x0008 /* MAP_READ | COPY_DST */ });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(t.buffer, 0, staging, 0, t.size * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(0x0001 /* GPUMapMode.READ */);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}

describe("bad labels are NaN on the GPU, and xent.check() reports them", () => {
  it("every class-index loss: NaN at the bad position, the whole reduction NaN, the gradient's bad row NaN", async () => {
    const xent = await gpu();
    const logits = xent.tensor(
      Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)),
      [3, 4],
    );
    const probs = xent.softmax(logits);
    const logp = xent.logSoftmax(logits);
    const bad = xent.tensor(Int32Array.from([1, 7, 2]), [3]);
    const good = xent.tensor(Int32Array.from([1, 3, 2]), [3]);
    const none = { reduction: "none" } as const;
    const cases: [string, (t: Tensor) => { loss: Tensor; grad?: Tensor }, "row" | "scalar"][] = [
      ["crossEntropy none", (t) => ({ loss: xent.crossEntropy(logits, t, none) }), "row"],
      ["crossEntropy mean", (t) => ({ loss: xent.crossEntropy(logits, t) }), "scalar"],
      ["crossEntropy sum", (t) => ({ loss: xent.crossEntropy(logits, t, { reduction: "sum" }) }), "scalar"],
      ["nllLoss none", (t) => ({ loss: xent.nllLoss(logp, t, none) }), "row"],
      ["crossEntropyWithGrad none", (t) => xent.crossEntropyWithGrad(logits, t, none), "row"],
      ["crossEntropyWithGrad mean (vec4 rows)", (t) => xent.crossEntropyWithGrad(logits, t), "scalar"],
      ["nllLossWithGrad mean", (t) => xent.nllLossWithGrad(logp, t), "scalar"],
      [
        "keras.sparseCategoricalCrossentropyWithGrad (probabilities)",
        (t) => xent.keras.sparseCategoricalCrossentropyWithGrad(t, probs),
        "scalar",
      ],
      [
        "keras.sparseCategoricalCrossentropy (logits)",
        (t) => ({ loss: xent.keras.sparseCategoricalCrossentropy(t, logits, { fromLogits: true }) }),
        "scalar",
      ],
      ["logLossWithGrad (class-id tensor)", (t) => xent.logLossWithGrad(t, probs), "scalar"],
    ];
    for (const [what, run, kind] of cases) {
      const out = run(bad);
      const loss = await rawContents(out.loss);
      if (kind === "row") {
        expect(Number.isNaN(loss[1]), `${what}: bad position`).toBe(true);
        expect(Number.isFinite(loss[0]) && Number.isFinite(loss[2]), `${what}: other positions`).toBe(true);
      } else {
        expect(Number.isNaN(loss[0]), `${what}: the reduction`).toBe(true);
      }
      if (out.grad) {
        const g = await rawContents(out.grad);
        expect(g.subarray(4, 8).every(Number.isNaN), `${what}: the bad row's gradient`).toBe(true);
        expect([...g.subarray(0, 4), ...g.subarray(8)].every(Number.isFinite), `${what}: the other rows' gradient`).toBe(true);
      }
      const message = await out.loss.read().then(
        () => "resolved",
        (e: unknown) => String(e),
      );
      expect(message, what).toMatch(/RangeError: .*target\[1\].* is 7: expected a class index in \[0, 4\)/);
      await expect(xent.check(out.loss), what).rejects.toThrow(message.replace(/^RangeError: /, ""));
      if (out.grad) await expect(xent.check(out.grad), what).rejects.toThrow(RangeError);
      const fine = run(good);
      await expect(xent.check(fine.loss), `${what}: good labels`).resolves.toBeUndefined();
      for (const t of [out.loss, out.grad, fine.loss, fine.grad]) t?.destroy();
    }
    for (const t of [logits, probs, logp, bad, good]) t.destroy();
  });

  it("check() is synchronous about its argument, and a tensor computed from a checked one inherits the check", async () => {
    const xent = await gpu();
    expect(() => xent.check({} as Tensor)).toThrow("check: expected a Tensor, got an Object");
    const t = xent.tensor(new Float32Array(4), [4]);
    t.destroy();
    expect(() => xent.check(t)).toThrow(/check\(\): tensor \[4\] f32 was destroyed/);
    const logits = xent.tensor(new Float32Array(8), [2, 4]);
    const loss = xent.crossEntropy(logits, xent.tensor(Int32Array.from([0, 9]), [2]), { reduction: "none" });
    const second = xent.sigmoid(loss);
    await expect(xent.check(second)).rejects.toThrow(RangeError);
    await expect(xent.check(logits)).resolves.toBeUndefined();
  });
});
