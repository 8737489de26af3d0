/**
 * The fused linear + cross-entropy rows of the benchmark (the same in Node and in the browser):
 * for [N, H, V] = [256, 512, 32 000] and [64, 1024, 128 256], forward and forward+backward, f32
 * and f16, the time and peak GPU memory of
 *   (a) ours fused (linearCrossEntropy / linearCrossEntropyWithGrad),
 *   (b) TF.js's matMul for the logits + our crossEntropy(WithGrad) through webgpu-xent/tfjs + TF.js's
 *       matMuls for the two gradients (tf.grads through the adapter's custom gradient),
 *   (c) TF.js end to end (matMul + tf.losses.softmaxCrossEntropy + its gradients),
 * and the "matmul floor": our tiled product alone (the logits, [N, H]·[V, H]ᵀ) against tf.matMul.
 * Times are wall clock per call, each ended by reading the loss (and the classifier's gradient)
 * back, the median of `reps` calls after one warm-up; TF.js runs only in f32 (no shader-f16 here).
 */
import { toFloat16Bits, Xent, type Tensor } from "../src/index.js";
import { median } from "./timing.js";

export type Shape3 = [n: number, h: number, v: number];

export const kLinearShapes: Shape3[] = [
  [256, 512, 32_000],
  [64, 1024, 128_256],
];

export type LinearPath = "fused" | "tf.matMul + ours" | "TF.js" | "matmul";

export interface LinearRow {
  env: string;
  shape: Shape3;
  dtype: "f32" | "f16";
  pass: "forward" | "forward+backward" | "logits product";
  path: LinearPath;
  ms: number;
  /** Peak GPU bytes beyond the inputs (ours: xent.stats() on a fresh device; TF.js: tf.profile's peak). */
  peakBytes?: number;
  /** Of which the results every path returns (the loss; gradHidden and gradClassifier with the backward). */
  outputBytes?: number;
}

export interface LinearCase {
  shape: Shape3;
  hidden: Float32Array;
  classifier: Float32Array;
  target: Int32Array;
}

/** TF.js's side (bench/browser/main.ts): ms and peak bytes of each path on the case, f32. */
export interface LinearTfRunner {
  matmul(c: LinearCase, reps: number): Promise<number>;
  run(c: LinearCase, path: "tf.matMul + ours" | "TF.js", withGrad: boolean, reps: number): Promise<{ ms: number; peakBytes: number }>;
}

/** Hidden states of unit scale, a classifier giving logits of a few units, random targets. */
export function linearCase(shape: Shape3): LinearCase {
  const [n, h, v] = shape;
  return {
    shape,
    hidden: Float32Array.from({ length: n * h }, (_, i) => Math.sin(i * 0.618)),
    classifier: Float32Array.from({ length: v * h }, (_, i) => Math.sin(i * 0.377 + 1) * (2 / Math.sqrt(h))),
    target: Int32Array.from({ length: n }, (_, i) => (i * 7919) % v),
  };
}

export async function timeCalls(run: () => Promise<void>, reps: number): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function upload(xent: Xent, c: LinearCase, dtype: "f32" | "f16") {
  const [n, h, v] = c.shape;
  const as = (x: Float32Array, shape: number[]): Tensor =>
    dtype === "f16" ? xent.tensor(toFloat16Bits(x), shape, "f16") : xent.tensor(x, shape);
  const hidden = as(c.hidden, [n, h]);
  const classifier = as(c.classifier, [v, h]);
  const target = xent.tensor(c.target, [n]);
  return { hidden, classifier, target, destroy: () => [hidden, classifier, target].forEach((t) => t.destroy()) };
}

/** One call, synced by reading the loss back (the queue runs in order: the gradients are done too). */
async function oursOnce(xent: Xent, u: ReturnType<typeof upload>, withGrad: boolean): Promise<void> {
  if (!withGrad) {
    const loss = xent.linearCrossEntropy(u.hidden, u.classifier, u.target);
    await loss.read();
    loss.destroy();
    return;
  }
  const r = xent.linearCrossEntropyWithGrad(u.hidden, u.classifier, u.target);
  await r.loss.read();
  for (const t of [r.loss, r.gradHidden, r.gradClassifier]) t.destroy();
}

/** The bytes of the results every path returns: the loss, and with the backward both gradients. */
export function outputBytes([n, h, v]: Shape3, withGrad: boolean): number {
  return 4 + (withGrad ? (n * h + v * h) * 4 : 0);
}

/** Peak bytes of one call beyond its inputs, on a device of its own (stats are per device). */
async function oursPeak(c: LinearCase, dtype: "f32" | "f16", withGrad: boolean): Promise<number> {
  const fresh = await Xent.create();
  const u = upload(fresh, c, dtype);
  const base = fresh.stats().liveBytes;
  await oursOnce(fresh, u, withGrad);
  const peak = fresh.stats().peakBytes - base;
  u.destroy();
  fresh.destroy();
  return peak;
}

export async function runLinearSuite(
  xent: Xent,
  options: { env: string; shapes?: Shape3[]; reps?: number; tf?: LinearTfRunner; log?: (line: string) => void },
): Promise<LinearRow[]> {
  const log = options.log ?? (() => {});
  const reps = options.reps ?? 2;
  const rows: LinearRow[] = [];
  const push = (row: LinearRow): void => {
    rows.push(row);
    log(
      `[${row.shape}] ${row.dtype} ${row.pass} ${row.path}: ${row.ms.toFixed(1)} ms` +
        (row.peakBytes !== undefined ? `, peak ${(row.peakBytes / 2 ** 20).toFixed(1)} MiB beyond the inputs` : ""),
    );
  };
  for (const shape of options.shapes ?? kLinearShapes) {
    const c = linearCase(shape);
    for (const dtype of ["f32", "f16"] as const) {
      const u = upload(xent, c, dtype);
      const mm = await timeCalls(async () => {
        const z = xent.matmul(u.hidden, u.classifier, { transposeB: true });
        await z.read();
        z.destroy();
      }, reps).catch(() => NaN); // [N, V] may not fit one binding: then no floor row
      if (!Number.isNaN(mm)) push({ env: options.env, shape, dtype, pass: "logits product", path: "matmul", ms: mm });
      for (const withGrad of [false, true]) {
        const ms = await timeCalls(() => oursOnce(xent, u, withGrad), reps);
        push({
          env: options.env,
          shape,
          dtype,
          pass: withGrad ? "forward+backward" : "forward",
          path: "fused",
          ms,
          peakBytes: await oursPeak(c, dtype, withGrad),
          outputBytes: outputBytes(shape, withGrad),
        });
      }
      u.destroy();
    }
    if (options.tf) {
      push({ env: options.env, shape, dtype: "f32", pass: "logits product", path: "TF.js", ms: await options.tf.matmul(c, reps) });
      for (const path of ["tf.matMul + ours", "TF.js"] as const)
        for (const withGrad of [false, true]) {
          const r = await options.tf.run(c, path, withGrad, reps);
          push({
            env: options.env,
            shape,
            dtype: "f32",
            pass: withGrad ? "forward+backward" : "forward",
            path,
            ...r,
            outputBytes: outputBytes(shape, withGrad),
          });
        }
    }
  }
  return rows;
}

/**
 * The markdown table of the linear rows: peak memory beyond the inputs, and beyond inputs and
 * results (the temporaries: [N, V] logits and their gradient for (b) and (c)); each fused f32
 * row's time and temporaries against (b).
 */
export function linearTable(rows: LinearRow[]): string {
  const mib = (b: number | undefined): string => (b !== undefined ? (b / 2 ** 20).toFixed(2) : "–");
  const temp = (r: LinearRow): number | undefined =>
    r.peakBytes !== undefined ? Math.max(0, r.peakBytes - (r.outputBytes ?? 0)) : undefined;
  const lines = [
    "| env | [N, H, V] | dtype | pass | path | ms (median) | peak MiB beyond inputs | of which temporaries | fused / (b) time | (b) / fused temporaries |",
    "|---|---|---|---|---|---:|---:|---:|---:|---:|",
  ];
  const b = (r: LinearRow) =>
    rows.find((x) => x.env === r.env && x.shape.join() === r.shape.join() && x.pass === r.pass && x.path === "tf.matMul + ours");
  for (const r of rows) {
    const ref = r.path === "fused" && r.dtype === "f32" ? b(r) : undefined;
    const [tr, tb] = [temp(r), ref ? temp(ref) : undefined];
    lines.push(
      `| ${r.env} | [${r.shape.join(", ")}] | ${r.dtype} | ${r.pass} | ${r.path} | ${r.ms.toFixed(1)} | ${mib(r.peakBytes)} | ${mib(tr)} | ${ref ? `${(r.ms / ref.ms).toFixed(2)}×` : "–"} | ${tb !== undefined && tr ? `${(tb / tr).toFixed(0)}×` : "–"} |`,
    );
  }
  return lines.join("\n");
}
