/**
 * The pieces registry entries are written with: seeded random data, the reference's view of a
 * case, the `…WithGrad` twin of a loss entry, and uploading a case to the GPU.
 */
import * as ref from "../reference/index.js";
import type { LogitDType } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import type { Xent } from "../xent.js";
import type { BenchFloor, HostArray, OpCase, Random, RegisteredOp, TfjsCounterpart } from "./types.js";

/** Seeded random numbers in [0, 1) (mulberry32), so every case reproduces. */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in (−scale, scale). */
export const floats = (random: Random, n: number, scale = 4): Float32Array =>
  Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
/** n values uniform in [0, 1). */
export const uniform = (random: Random, n: number): Float32Array => Float32Array.from({ length: n }, () => random());
/** Class indices, about one in eight ignored (−100) unless `ignore` is false. */
export const labels = (random: Random, n: number, classes: number, ignore = true): Int32Array =>
  Int32Array.from({ length: n }, () => (ignore && random() < 0.125 ? -100 : Math.floor(random() * classes)));

/** Rows of probabilities summing to 1. */
export function distributions(random: Random, rows: number, classes: number): Float32Array {
  const p = uniform(random, rows * classes).map((v) => v + 0.01);
  for (let r = 0; r < rows; r++) {
    const row = p.subarray(r * classes, (r + 1) * classes);
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((v, i) => (row[i] = v / total));
  }
  return p;
}

/** Rows of log-probabilities (a logSoftmax of random logits). */
export const logDistributions = (random: Random, rows: number, classes: number, scale = 4): Float32Array =>
  Float32Array.from(ref.logSoftmax(ref.refTensor(floats(random, rows * classes, scale), [rows, classes])).data);

export const refOf = (a: HostArray): ref.RefTensor => ref.refTensor(a.data, a.shape);
export const input = (c: OpCase, i: number): HostArray => c.inputs[i] as HostArray;
export const one = (r: ref.RefResult): ArrayLike<number>[] => [r.data];

/** Options of a case for the reference: tensor options as plain arrays, or (broadcast weights) as tensors. */
export function refOptions(c: OpCase, asTensors = false): Record<string, unknown> {
  const o: Record<string, unknown> = { ...c.options };
  for (const [k, v] of Object.entries(c.tensorOptions)) o[k] = asTensors ? refOf(v) : v.data;
  return o;
}

/**
 * The `<loss>WithGrad` twin of a registered loss: the same cases, the loss and its gradient
 * (`gradRef`, the float64 reference gradient) compared, judged against reading the inputs and
 * writing the gradient.
 */
export function withGrad(
  forward: RegisteredOp,
  twin: Pick<RegisteredOp, "optionChecks" | "bench"> & {
    run: (xent: Xent, inputs: Tensor[], options: Record<string, unknown>, c: OpCase) => { loss: Tensor; grad: Tensor };
    gradRef: (c: OpCase) => ArrayLike<number>;
    tfjsCounterpart?: TfjsCounterpart;
    tolerance?: RegisteredOp["tolerance"];
  },
): RegisteredOp {
  const { tfjsCounterpart: _forwardCounterpart, torch, ...rest } = forward;
  return {
    ...rest,
    name: `${forward.name}WithGrad`,
    optionChecks: twin.optionChecks,
    run: (xent, inputs, options, c) => {
      const { loss, grad } = twin.run(xent, inputs, options, c);
      return [loss, grad];
    },
    reference: (c) => [...forward.reference(c), twin.gradRef(c)],
    bench: twin.bench,
    ...(twin.tolerance ? { tolerance: twin.tolerance } : {}),
    ...(twin.tfjsCounterpart ? { tfjsCounterpart: twin.tfjsCounterpart } : {}),
    ...(torch ? { torch: { ...torch, grad: true } } : {}),
  };
}

/** The floors of a loss and of its gradient twin (one input read; or two, and the gradient written). */
export const kFloors = {
  oneInput: "read",
  oneInputGrad: "read+copy",
  twoInputs: "2×read",
  twoInputsGrad: "2×read+copy",
} as const satisfies Record<string, BenchFloor>;

/** Uploads a case's inputs (the first as `dtype`) and tensor options; returns them and the options to pass. */
export function uploadCase(
  xent: Xent,
  c: OpCase,
  dtype: LogitDType,
  encode: (data: Float32Array) => Uint16Array,
): { inputs: Tensor[]; options: Record<string, unknown>; destroy(): void } {
  const upload = (a: HostArray): Tensor =>
    xent.tensor(a.data instanceof Int32Array || a.data instanceof Uint32Array ? a.data : Float32Array.from(a.data), a.shape);
  const inputs = c.inputs.map((a, i) =>
    i === 0 && dtype !== "f32" ? xent.tensor(encode(a.data as Float32Array), a.shape, dtype) : upload(a),
  );
  const extra = Object.entries(c.tensorOptions).map(([k, v]) => [k, upload(v)] as const);
  const options: Record<string, unknown> = { ...c.options, ...Object.fromEntries(extra) };
  return {
    inputs,
    options,
    destroy: () => {
      for (const t of inputs) t.destroy();
      for (const [, t] of extra) t.destroy();
    },
  };
}
