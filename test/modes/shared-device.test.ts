// Sharing a device, wrapping caller buffers, recording into a caller's encoder, the tutorial CLI.
import { describe, expect, it } from "vitest";
import { Xent } from "../../src/index.js";
import { pipelineKeys } from "../../src/pipeline-cache.js";
import * as ref from "../../src/reference/index.js";
import { throughput, tutorialNumbers } from "../../demo/tutorial.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";

describe("API", () => {
  it("rows of up to subgroupMinSize lanes merge by subgroup shuffles when the device has subgroups, else in workgroup memory", async () => {
    const xent = await gpu();
    const rows = Xent.fromDevice(xent.device, { adapterKind: "cpu" });
    const plain = Xent.fromDevice(xent.device, { adapterKind: "cpu", useSubgroups: false });
    const data = new Float32Array(8 * 1000).map((_, i) => Math.sin(i));
    const x = rows.tensor(data, [8, 1000]);
    const want = ref.softmax(ref.refTensor(data, [8, 1000])).data;
    expectClose(await rows.softmax(x).read(), want, { atol: 1e-6, rtol: 1e-5 }, "softmax, subgroup merges");
    expectClose(await plain.softmax(x).read(), want, { atol: 1e-6, rtol: 1e-5 }, "softmax, workgroup-memory merges");
    const keys = pipelineKeys(xent.device);
    expect(keys.some((k) => k.startsWith("softmax:") && k.includes("SUBGROUPS=0"))).toBe(true);
    // The subgroup build ran exactly when the device offers subgroups of at least the CPU plan's 4 lanes.
    const shuffles = rows.hasSubgroups && rows.subgroupMinSize >= 4;
    expect(keys.some((k) => k.startsWith("softmax+subgroups:") && k.includes("SUBGROUPS=1"))).toBe(shuffles);
    // This machine's SwiftShader has them: the shuffle path is what these tests cover here.
    if (xent.adapterKind === "cpu") expect(shuffles).toBe(xent.device.features.has("subgroups"));
  });

  it("fromDevice shares a device; wrap() reads a caller's buffer without a copy", async () => {
    const owner = await gpu();
    const xent = Xent.fromDevice(owner.device);
    const data = new Float32Array([1, 2, 3, 4, 5, 7]);
    const buffer = owner.device.createBuffer({ size: data.byteLength, usage: 0x80 | 0x4 | 0x8 });
    owner.device.queue.writeBuffer(buffer, 0, data);
    const x = xent.wrap(buffer, [2, 3], "f32");
    expectClose(await xent.softmax(x).read(), ref.softmax(ref.refTensor(data, [2, 3])).data, { atol: 1e-6, rtol: 1e-5 }, "wrap softmax");
    expect(Array.from(await x.read())).toEqual(Array.from(data)); // the wrapped buffer, read back as written
    xent.destroy(); // not its device: still usable
    expect(await owner.softmax(x).read()).toHaveLength(6);
    buffer.destroy();
    expect(() => Xent.fromDevice({} as GPUDevice)).toThrow(TypeError);
  });

  it("destroy() of a fromDevice Xent between recording into a caller's encoder and its submit loses no work (issue 29.5)", async () => {
    const owner = await gpu();
    const device = owner.device;
    const shared = Xent.fromDevice(device);
    const data = new Float32Array([1, 2, 3, 4, 0, -1]);
    const x = shared.tensor(data, [2, 3]);
    // (Usage and map-mode flags as numbers: Node has no WebGPU globals.) The caller's own work and ours in one encoder; an op whose kernel binds placeholders (softmax's unused bindings).
    const mine = device.createBuffer({ size: 16, usage: 0x8 | 0x1 });
    const source = device.createBuffer({ size: 16, usage: 0x4, mappedAtCreation: true });
    new Float32Array(source.getMappedRange()).set([7, 8, 9, 10]);
    source.unmap();
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, 0, mine, 0, 16);
    const y = shared.softmax(x, { encoder });
    const out = device.createBuffer({ size: 32, usage: 0x8 | 0x1 });
    encoder.copyBufferToBuffer(y.buffer, 0, out, 0, 24);
    shared.destroy();
    device.pushErrorScope("validation");
    device.queue.submit([encoder.finish()]);
    expect(await device.popErrorScope()).toBeNull();
    await mine.mapAsync(1);
    expect(Array.from(new Float32Array(mine.getMappedRange()))).toEqual([7, 8, 9, 10]);
    await out.mapAsync(1);
    expectClose(
      new Float32Array(out.getMappedRange(), 0, 6),
      ref.softmax(ref.refTensor(data, [2, 3])).data,
      { atol: 1e-6, rtol: 1e-5 },
      "softmax after destroy()",
    );
    [mine, source, out].forEach((b) => b.destroy());
    y.destroy();
    x.destroy();
    // Another Xent on the device still works (the placeholders are the device's).
    expect(
      (
        await Xent.fromDevice(device)
          .softmax(owner.tensor(data, [2, 3]))
          .read()
      ).length,
    ).toBe(6);
  });

  it("{ encoder } records many ops into one submit", async () => {
    const xent = await gpu();
    const logits = new Float32Array([0.5, -1, 3, 2, 2, 2, -4, 0, 1]);
    const x = xent.tensor(logits, [3, 3]);
    const t = xent.tensor(new Int32Array([2, 0, 1]), [3]);
    const encoder = xent.device.createCommandEncoder();
    const p = xent.softmax(x, { encoder });
    const loss = xent.crossEntropy(x, t, { encoder, reduction: "sum" });
    const h = xent.entropy(p, { encoder });
    xent.device.queue.submit([encoder.finish()]);
    const input = ref.refTensor(logits, [3, 3]);
    expectClose(await p.read(), ref.softmax(input).data, { atol: 1e-6, rtol: 1e-5 }, "encoder softmax");
    expectClose(
      await loss.read(),
      ref.crossEntropy(input, ref.refTensor([2, 0, 1], [3]), { reduction: "sum" }).data,
      { atol: 1e-6, rtol: 1e-5 },
      "encoder CE",
    );
    expectClose(await h.read(), ref.entropy(ref.softmax(input)).data, { atol: 1e-6, rtol: 1e-5 }, "encoder entropy");
  });

  it("the tutorial CLI's numbers match the tutorials; throughput is positive", async () => {
    const xent = await gpu();
    for (const line of await tutorialNumbers(xent)) {
      if (line.expected !== undefined) expect(Math.abs(line.value - line.expected), line.what).toBeLessThan(1e-4);
      expect(Number.isFinite(line.value), line.what).toBe(true);
    }
    for (const row of await throughput(xent, [[64, 10]], 3)) expect(row.gbPerSecond).toBeGreaterThan(0);
  });
});
