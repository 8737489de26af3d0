// What a hostile (or careless) caller finds, each a finding of the reliability review: a clear
// error or a correct number, never a silently wrong one, and nothing left behind.
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { toFloat16Bits, Xent } from "../../src/index.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";

const kUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
const kTol = { atol: 1e-6, rtol: 2e-5 };

describe("read() of a bad buffer rejects, never resolves to zeros", () => {
  it("a buffer without COPY_SRC", async () => {
    const xent = await gpu();
    const buffer = xent.device.createBuffer({ size: 16, usage: kUsage.STORAGE });
    await expect(xent.wrap(buffer, [4], "f32").read()).rejects.toThrow(/lacks GPUBufferUsage\.COPY_SRC/);
    buffer.destroy();
  });

  it("a buffer its owner destroyed, and an op fed by it", async () => {
    const xent = await gpu();
    const buffer = xent.device.createBuffer({ size: 24, usage: kUsage.STORAGE | kUsage.COPY_SRC | kUsage.COPY_DST });
    const x = xent.wrap(buffer, [2, 3], "f32");
    buffer.destroy();
    await expect(x.read()).rejects.toThrow(/the GPU refused the copy|mapping the result failed/);
    const loss = xent.crossEntropy(x, xent.tensor(new Int32Array([0, 1]), [2]));
    const rejection = await loss.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    // The GPU's own error, not a RangeError naming label 0 from zeroed status words.
    expect(rejection).toBeInstanceOf(Error);
    expect(rejection).not.toBeInstanceOf(RangeError);
  });

  it("a buffer of another device", async () => {
    const xent = await gpu();
    const other = await Xent.create();
    const buffer = other.device.createBuffer({ size: 16, usage: kUsage.STORAGE | kUsage.COPY_SRC });
    await expect(xent.wrap(buffer, [4], "f32").read()).rejects.toThrow(/webgpu-xent: read\(\)/);
    other.destroy();
  });

  it("wrap() refuses what it can see: a mapped buffer, one smaller than the shape's words, a shape with a hole", async () => {
    const xent = await gpu();
    const mapped = xent.device.createBuffer({ size: 16, usage: kUsage.STORAGE | kUsage.COPY_SRC, mappedAtCreation: true });
    expect(() => xent.wrap(mapped, [4], "f32")).toThrow(/expected an unmapped buffer, got one whose mapState is "mapped"/);
    mapped.unmap();
    mapped.destroy();
    // Three f16 values are six bytes, but copies and bindings take whole words: eight.
    const small = xent.device.createBuffer({ size: 6, usage: kUsage.STORAGE | kUsage.COPY_SRC });
    expect(() => xent.wrap(small, [3], "f16")).toThrow(/needs 8 bytes, but the buffer has 6/);
    small.destroy();
    const buffer = xent.device.createBuffer({ size: 64, usage: kUsage.STORAGE | kUsage.COPY_SRC });
    // eslint-disable-next-line no-sparse-arrays
    expect(() => xent.wrap(buffer, [2, , 3] as number[], "f32")).toThrow(
      /wrap: shape\[1\]: expected a non-negative integer dimension size, got undefined/,
    );
    buffer.destroy();
  });
});

describe("labels never alias", () => {
  const logits = new Float32Array([1, 2, 0.5, -1, 0, 3, 2, 2, 1]);

  it("a u32 label with the bits of ignoreIndex (-100) is a bad label, printed as u32", async () => {
    const xent = await gpu();
    const x = xent.tensor(logits, [3, 3]);
    const t = xent.tensor(new Uint32Array([0, 4294967196, 2]), [3]);
    for (const loss of [xent.crossEntropy(x, t), xent.nllLoss(xent.logSoftmax(x), t), xent.crossEntropyWithGrad(x, t).loss])
      await expect(loss.read()).rejects.toThrow(/target\[1\] \(flat position 1\) is 4294967196: expected a class index in \[0, 3\)/);
    // A non-negative ignoreIndex still ignores the same u32 value.
    const ignored = await xent.crossEntropy(x, xent.tensor(new Uint32Array([0, 7, 2]), [3]), { ignoreIndex: 7 }).read();
    const want = ref.crossEntropy(ref.refTensor(logits, [3, 3]), ref.refTensor([0, 7, 2]), { ignoreIndex: 7 }).data;
    expectClose(ignored, want, kTol, "u32 target equal to a non-negative ignoreIndex");
    await expect(xent.crossEntropy(x, xent.tensor(new Uint32Array([2 ** 31, 0, 0]), [3])).read()).rejects.toThrow(/is 2147483648/);
  });

  it("keras.sparseCategoricalCrossentropy ignores no label, -2147483648 included", async () => {
    const xent = await gpu();
    const x = xent.tensor(logits, [3, 3]);
    const t = xent.tensor(new Int32Array([0, -2147483648, 2]), [3]);
    for (const fromLogits of [true, false])
      await expect(xent.keras.sparseCategoricalCrossentropy(t, xent.softmax(x), { fromLogits }).read()).rejects.toThrow(
        /is -2147483648: expected a class index in \[0, 3\)/,
      );
  });
});

describe("numbers PyTorch gives", () => {
  it("a weighted mean whose weights sum to 0 is the IEEE quotient (±Inf), with and without smoothing", async () => {
    const xent = await gpu();
    const data = new Float32Array([1, 2, 0.5, -1, 0, 3, 2, 2, 1]);
    const w = new Float32Array([1, -1, 0]);
    for (const labelSmoothing of [0, 0.2]) {
      const got = await xent
        .crossEntropy(xent.tensor(data, [3, 3]), xent.tensor(new Int32Array([0, 1, 2]), [3]), {
          weight: xent.tensor(w, [3]),
          labelSmoothing,
        })
        .read();
      const want = ref.crossEntropy(ref.refTensor(data, [3, 3]), ref.refTensor([0, 1, 2]), { weight: w, labelSmoothing }).data;
      expect(Number.isFinite(want[0])).toBe(false);
      expectClose(got, want, kTol, `weights summing to 0, smoothing ${labelSmoothing}`);
    }
  });

  it("a temperature whose reciprocal overflows f32 is refused, naming the limit; the smallest allowed gives one-hot rows", async () => {
    const xent = await gpu();
    const data = new Float32Array([0.5, 2, 1, 3, -1, 0]);
    const x = xent.tensor(data, [2, 3]);
    for (const op of ["softmax", "logSoftmax"] as const)
      expect(() => xent[op](x, { temperature: 1e-39 })).toThrow(
        /temperature: expected at least 2\.93\d*e-39 \(1 \/ temperature must be finite in f32\)/,
      );
    const p = await xent.softmax(x, { temperature: 3e-39 }).read();
    expect(Array.from(p)).toEqual([0, 1, 0, 1, 0, 0]);
    expectClose(p, ref.softmax(ref.refTensor(data, [2, 3]), { temperature: 3e-39 }).data, { atol: 0, rtol: 0 }, "vs the reference");
  });
});

describe("work recorded into a caller's encoder", () => {
  it("read() before the encoder is submitted rejects saying so (also downstream, also a bad label's loss); after, it resolves", async () => {
    const xent = await gpu();
    const data = new Float32Array([0.5, 2, 1, 3, -1, 0]);
    const x = xent.tensor(data, [2, 3]);
    const encoder = xent.device.createCommandEncoder();
    const p = xent.softmax(x, { encoder });
    const bad = xent.crossEntropy(x, xent.tensor(new Int32Array([0, 9]), [2]), { encoder });
    const downstream = xent.entropy(p); // submitted at once, but its input is not computed yet
    for (const t of [p, bad, downstream]) await expect(t.read()).rejects.toThrow(/not submitted before this read\(\)/);
    xent.device.queue.submit([encoder.finish()]);
    expectClose(await p.read(), ref.softmax(ref.refTensor(data, [2, 3])).data, kTol, "softmax after the submit");
    await expect(bad.read()).rejects.toThrow(RangeError);
  });
});

describe("refused calls leave nothing behind", () => {
  it("no buffer and no error scope after row-block RangeErrors", async () => {
    const base = await gpu();
    const xent = Xent.fromDevice(base.device, { maxBindingBytes: 4096 });
    const x = xent.tensor(new Float32Array(2 * 2048), [2, 2048]);
    const t = xent.tensor(new Int32Array([0, 1]), [2]);
    await base.device.queue.onSubmittedWorkDone();
    const before = xent.stats().liveBuffers;
    const calls = [
      () => xent.softmax(x),
      () => xent.logSoftmax(x),
      () => xent.crossEntropy(x, t),
      () => xent.nllLoss(x, t),
      () => xent.crossEntropyWithGrad(x, t),
      () => xent.crossEntropyWithGrad(x, t, { inPlace: true }),
      () => xent.entropy(x),
      () => xent.logLoss([0, 1], xent.wrap(x.buffer, [2, 2048], "f32"), { labels: Array.from({ length: 2048 }, (_, i) => i) }),
    ];
    for (const call of calls)
      for (let i = 0; i < 3; i++) expect(call).toThrow(/does not fit this device's maxStorageBufferBindingSize \(4096 bytes\)/);
    expect(xent.stats().liveBuffers).toBe(before);
    // No scope left pushed: popping one now finds the stack empty.
    await expect(base.device.popErrorScope()).rejects.toThrow();
    x.destroy();
    t.destroy();
  });
});

describe("lifecycle", () => {
  it("an unreachable Xent and the device it made are garbage-collected", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const base = await gpu();
    let collected = 0;
    const registry = new FinalizationRegistry<string>(() => void collected++);
    const make = async (owned: boolean): Promise<void> => {
      const xent = owned ? await Xent.create() : Xent.fromDevice(base.device);
      const y = xent.softmax(xent.tensor(new Float32Array([1, 2, 3]), [3]));
      await y.read();
      y.destroy();
      registry.register(xent, owned ? "owned" : "shared");
    };
    for (let i = 0; i < 4; i++) await make(true);
    for (let i = 0; i < 20; i++) await make(false);
    for (let round = 0; round < 20 && collected < 22; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(collected).toBeGreaterThanOrEqual(22);
  });

  it("a destroyed Xent's ops, tensor() and wrap() throw at once; tensors it made stay usable by others", async () => {
    const base = await gpu();
    const xent = Xent.fromDevice(base.device);
    const x = xent.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const t = xent.tensor(new Int32Array([0, 1]), [2]);
    xent.destroy();
    const destroyed = /this Xent was destroyed/;
    expect(() => xent.softmax(x)).toThrow(destroyed);
    expect(() => xent.sigmoid(x)).toThrow(destroyed);
    expect(() => xent.crossEntropy(x, t)).toThrow(destroyed);
    expect(() => xent.keras.binaryCrossentropy(x, x)).toThrow(destroyed);
    expect(() => xent.tensor(new Float32Array(1))).toThrow(destroyed);
    expect(() => xent.wrap(x.buffer, [4], "f32")).toThrow(destroyed);
    expect(await base.softmax(x).read()).toHaveLength(4);
  });

  it("SharedArrayBuffer-backed arrays upload (as a copy)", async () => {
    const xent = await gpu();
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4]);
    expect(Array.from(await xent.tensor(shared, [4]).read())).toEqual([1, 2, 3, 4]);
    const half = new Uint16Array(new SharedArrayBuffer(6));
    half.set(toFloat16Bits([0.5, 1, 2]));
    expect(Array.from(await xent.tensor(half, [3], "f16").read())).toEqual(Array.from(toFloat16Bits([0.5, 1, 2])));
  });
});

describe("unclear or late errors become clear and early", () => {
  it("crossEntropyWithGrad refuses a target or weight sharing the logits' buffer, at the call", async () => {
    const xent = await gpu();
    const x = xent.tensor(new Float32Array([0.2, 0.3, 0.5, 0.1, 0.1, 0.8]), [2, 3]);
    expect(() => xent.crossEntropyWithGrad(x, x)).toThrow(/target: cannot share the logits' GPUBuffer/);
    const w = xent.wrap(x.buffer, [3], "f32");
    const t = xent.tensor(new Int32Array([0, 1]), [2]);
    expect(() => xent.crossEntropyWithGrad(x, t, { weight: w })).toThrow(/weight: cannot share the logits' GPUBuffer/);
    expect(() => xent.crossEntropyWithGrad(x, t, { weight: w, inPlace: true })).toThrow(/weight: cannot share/);
    // The forward pass only reads: sharing is fine there.
    await expect(xent.crossEntropy(x, x).read()).resolves.toHaveLength(1);
  });

  it("messages use 'an' before a vowel", async () => {
    const xent = await gpu();
    expect(() => xent.softmax({} as never)).toThrow(/got an Object/);
    expect(() => xent.softmax(new Int32Array(2) as never)).toThrow(/got an Int32Array of length 2/);
  });
});
