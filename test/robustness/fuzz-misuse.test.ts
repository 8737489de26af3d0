// Seeded misuse of every registered op (src/registry/): inputs as wrapped caller buffers,
// SharedArrayBuffer views, sub-array views, plain number arrays, wrong typed-array kinds, mapped
// or too-small buffers; bad options; an input passed twice; inputs destroyed before or after the
// call; a caller's encoder finished early, read before its submit, or never submitted; a device
// lost mid-flight. Each call either fails the way the contract says (a synchronous TypeError /
// RangeError, or a read() that rejects saying why) or gives the float64 reference's answer at the
// op's tolerance. MISUSE_SEED=n reproduces a run; MISUSE_CALLS=n sets its length.
import { expect, it } from "vitest";
import { toBfloat16Bits, toFloat16Bits, fromBfloat16Bits, fromFloat16Bits, Tensor, Xent } from "../../src/index.js";
import type { LogitDType } from "../../src/dtype.js";
import { kOpRegistry, type HostArray, type OpCase, type RegisteredOp } from "../../src/registry/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu } from "../helpers/gpu.js";
import { rng } from "../helpers/random.js";

const seed = Number(process.env.MISUSE_SEED ?? 20261201);
const kCalls = Number(process.env.MISUSE_CALLS ?? 3000);
const kUsage = { COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** How an input reaches the op. "Benign" forms must give the reference's answer. */
const kForms = ["tensor", "shared", "view", "numbers", "wrap", "wrap without COPY_SRC"] as const;
/** What else goes wrong around the call. */
const kMisuses = [
  "none",
  "none",
  "none",
  "Float64Array input",
  "mapped buffer",
  "too-small buffer",
  "unknown option",
  "bad reduction",
  "input passed twice",
  "input destroyed before the call",
  "input destroyed after the call",
  "output destroyed, then read",
  "encoder: never submitted",
  "encoder: read before submit",
  "encoder: finished before the call",
] as const;
type Misuse = (typeof kMisuses)[number];

const encode = { f16: toFloat16Bits, bf16: toBfloat16Bits } as const;
const decode = { f16: fromFloat16Bits, bf16: fromBfloat16Bits } as const;

/** Outcome of one call, checked by the caller. */
type Expect =
  { kind: "answer" } | { kind: "throws"; error: RegExp; type?: typeof TypeError | typeof RangeError } | { kind: "rejects"; error: RegExp };

function upload(xent: Xent, a: HostArray, dtype: LogitDType | "as is", form: (typeof kForms)[number], made: GPUBuffer[]): Tensor {
  const half = dtype === "f16" || dtype === "bf16";
  const data: Float32Array | Int32Array | Uint32Array | Uint16Array = half ? encode[dtype](a.data) : a.data;
  const asDtype = half ? dtype : undefined;
  switch (form) {
    case "shared": {
      const copy = new (data.constructor as new (b: SharedArrayBuffer) => typeof data)(new SharedArrayBuffer(data.byteLength));
      copy.set(data);
      return xent.tensor(copy, a.shape, asDtype);
    }
    case "view": {
      // A sub-array view starting past an offset (a whole-buffer upload would read the wrong bytes).
      const big = new (data.constructor as new (n: number) => typeof data)(data.length + 3);
      big.set(data, 3);
      return xent.tensor(big.subarray(3), a.shape, asDtype);
    }
    case "numbers":
      return data instanceof Float32Array ? xent.tensor(Array.from(data), a.shape) : xent.tensor(data, a.shape, asDtype);
    case "wrap":
    case "wrap without COPY_SRC": {
      const usage = kUsage.STORAGE | kUsage.COPY_DST | (form === "wrap" ? kUsage.COPY_SRC : 0);
      const buffer = xent.device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 4) * 4), usage });
      made.push(buffer);
      if (data.byteLength > 0) {
        const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
        padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        xent.device.queue.writeBuffer(buffer, 0, padded);
      }
      const dt = half ? (dtype as LogitDType) : data instanceof Int32Array ? "i32" : data instanceof Uint32Array ? "u32" : "f32";
      return xent.wrap(buffer, a.shape, dt);
    }
    default:
      return xent.tensor(data, a.shape, asDtype);
  }
}

/** The case as the GPU sees it (16-bit first input decoded). */
function asSeen(c: OpCase, dtype: LogitDType): OpCase {
  if (dtype === "f32") return c;
  const [first, ...rest] = c.inputs;
  return { ...c, inputs: [{ data: decode[dtype](encode[dtype](first?.data as Float32Array)), shape: first?.shape ?? [] }, ...rest] };
}

async function outcomeOf(
  run: () => Tensor[],
  expect_: Expect,
  check: (outs: Tensor[]) => Promise<void>,
): Promise<"threw" | "rejected" | "compared"> {
  let outs: Tensor[];
  try {
    outs = run();
  } catch (e) {
    if (expect_.kind !== "throws") throw new Error(`threw ${String(e)}, expected ${expect_.kind}`, { cause: e });
    expect(String(e)).toMatch(expect_.error);
    if (expect_.type) expect(e).toBeInstanceOf(expect_.type);
    return "threw";
  }
  if (expect_.kind === "throws") throw new Error(`returned, expected a throw matching ${String(expect_.error)}`);
  if (expect_.kind === "rejects") {
    for (const t of outs) await expect(t.read()).rejects.toThrow(expect_.error);
    return "rejected";
  }
  await check(outs);
  return "compared";
}

it(
  `${kCalls} seeded misuses of every registered op (seed ${seed}): the contract's error or the reference's answer`,
  { timeout: 600_000 },
  async () => {
    const xent = await gpu();
    const r = rng(seed);
    const tally: Record<string, number> = { threw: 0, rejected: 0, compared: 0, deviceLosses: 0 };
    const byMisuse: Record<string, number> = {};
    for (let i = 0; i < kCalls; i++) {
      const op: RegisteredOp = pick(r, kOpRegistry);
      const dtype = pick(r, op.dtypes);
      const rows = 1 + Math.floor(r() * 6);
      const classes = 2 + Math.floor(r() * 9);
      const c = op.sample(rng(seed * 7919 + i), rows, classes, pick(r, op.variants));
      const misuse: Misuse = pick(r, kMisuses);
      const forms = c.inputs.map(() => pick(r, kForms));
      const what = `seed ${seed}, call ${i}: ${op.name} [${rows}, ${classes}] ${dtype} "${misuse}" inputs as ${forms.join(", ")}`;
      byMisuse[misuse] = (byMisuse[misuse] ?? 0) + 1;
      const made: GPUBuffer[] = [];
      const owned: Tensor[] = [];
      try {
        const inputs = c.inputs.map((a, k) => upload(xent, a, k === 0 ? dtype : "as is", forms[k] ?? "tensor", made));
        owned.push(...inputs);
        const tensorOptions = Object.fromEntries(Object.entries(c.tensorOptions).map(([k, v]) => [k, xent.tensor(v.data, v.shape)]));
        owned.push(...Object.values(tensorOptions));
        const options: Record<string, unknown> = { ...c.options, ...tensorOptions };
        let args = inputs;
        let expected: Expect = { kind: "answer" };
        let reference = (): ArrayLike<number>[] => op.reference(asSeen(c, dtype));
        let encoder: GPUCommandEncoder | undefined;
        let afterCall = (): void => {};
        let beforeRead = (): void => {};
        switch (misuse) {
          case "Float64Array input":
            expected = { kind: "throws", error: /expected a Float32Array, Int32Array, Uint32Array, Uint16Array/, type: TypeError };
            break;
          case "mapped buffer":
            expected = { kind: "throws", error: /expected an unmapped buffer/, type: TypeError };
            break;
          case "too-small buffer":
            expected = { kind: "throws", error: /needs \d+ bytes, but the buffer has \d+/, type: RangeError };
            break;
          case "unknown option":
            options.bogus = 1;
            expected = { kind: "throws", error: /unknown option "bogus"/, type: TypeError };
            break;
          case "bad reduction":
            if ("reduction" in op.optionChecks) {
              options.reduction = "avg";
              expected = { kind: "throws", error: /reduction: expected/, type: TypeError };
            }
            break;
          case "input passed twice": {
            const [x, second] = c.inputs;
            // Only where the second input may be the first: f32, same shape and kind.
            if (second && x && dtype === "f32" && second.data instanceof Float32Array && second.shape.join() === x.shape.join()) {
              args = [inputs[0] as Tensor, inputs[0] as Tensor, ...inputs.slice(2)];
              const twice = { ...c, inputs: [x, x, ...c.inputs.slice(2)] };
              reference = () => op.reference(twice);
              // The cross-entropy gradient pass binds the logits writable (Keras' from-logits losses use it too).
              if (op.name === "crossEntropyWithGrad" || (op.name === "keras.categoricalCrossentropyWithGrad" && c.options.fromLogits))
                expected = { kind: "throws", error: /target: cannot share the logits' GPUBuffer/, type: RangeError };
            }
            break;
          }
          case "input destroyed before the call":
            inputs[0]?.destroy();
            expected = { kind: "throws", error: /was destroyed/ };
            break;
          case "input destroyed after the call":
            afterCall = () => inputs.forEach((t) => t.destroy());
            break;
          case "output destroyed, then read":
            beforeRead = () => undefined;
            expected = { kind: "rejects", error: /was destroyed/ };
            break;
          case "encoder: never submitted":
            encoder = xent.device.createCommandEncoder();
            expected = { kind: "rejects", error: /not submitted before this read\(\)/ };
            break;
          case "encoder: read before submit":
            encoder = xent.device.createCommandEncoder();
            break;
          case "encoder: finished before the call":
            encoder = xent.device.createCommandEncoder();
            encoder.finish();
            expected = { kind: "rejects", error: /webgpu-xent/ };
            break;
          default:
            break;
        }
        // Arrays and buffers that cannot be uploaded: the upload is the call.
        const call = (): Tensor[] => {
          if (misuse === "Float64Array input") return [xent.tensor(new Float64Array(c.inputs[0]?.data ?? []) as never, c.inputs[0]?.shape)];
          if (misuse === "mapped buffer") {
            const b = xent.device.createBuffer({ size: 64, usage: kUsage.STORAGE | kUsage.COPY_SRC, mappedAtCreation: true });
            made.push(b);
            return [xent.wrap(b, [16], "f32")];
          }
          if (misuse === "too-small buffer") {
            // One word: every case has at least two elements.
            const b = xent.device.createBuffer({ size: 4, usage: kUsage.STORAGE | kUsage.COPY_SRC });
            made.push(b);
            return [xent.wrap(b, [rows, classes], "f32")];
          }
          const outs = op.run(xent, args, encoder ? { ...options, encoder } : options, c);
          afterCall();
          if (misuse === "output destroyed, then read") outs.forEach((t) => (t.destroy(), t.destroy()));
          return outs;
        };
        beforeRead();
        const result = await outcomeOf(call, expected, async (outs) => {
          if (misuse === "encoder: read before submit" && encoder) {
            for (const t of outs) await expect(t.read()).rejects.toThrow(/not submitted before this read\(\)/);
            xent.device.queue.submit([encoder.finish()]);
          }
          const want = reference();
          for (const [k, t] of outs.entries())
            expectClose(await t.read(), want[k] as ArrayLike<number>, op.tolerance, `${what}: output ${k}`);
          outs.forEach((t) => t.destroy());
        }).catch((e: unknown) => {
          throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        });
        tally[result] = (tally[result] ?? 0) + 1;
      } finally {
        owned.forEach((t) => t.destroy());
        made.forEach((b) => b.destroy());
      }

      // Now and then, a device lost with reads in flight: they reject saying so, and new ops throw.
      if (i % 400 === 199) {
        const doomed = await Xent.create();
        const x = doomed.tensor(
          new Float32Array(64).map((_, k) => Math.sin(k)),
          [8, 8],
        );
        const pending = [doomed.softmax(x).read(), doomed.crossEntropy(x, doomed.tensor(new Int32Array(8), [8])).read()];
        doomed.device.destroy();
        for (const p of pending) await expect(p).rejects.toThrow(/the GPU device was lost/);
        expect(() => doomed.softmax(x)).toThrow(/the GPU device was lost/);
        tally.deviceLosses = (tally.deviceLosses ?? 0) + 1;
      }
    }
    console.log(`misuse fuzz seed ${seed}: ${JSON.stringify(tally)}; by misuse ${JSON.stringify(byMisuse)}`);
    expect(tally.compared).toBeGreaterThan(kCalls / 3);
    expect(tally.threw).toBeGreaterThan(kCalls / 10);
    expect(tally.rejected).toBeGreaterThan(kCalls / 20);
  },
);
