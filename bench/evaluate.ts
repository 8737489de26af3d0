/**
 * evaluate's benchmark (issue #28): evaluate (without the confusion matrix) against crossEntropy
 * on every bench shape, GPU time in the same run (goal ≤ 1.15× crossEntropy's), with the confusion
 * matrix on [4096, 10] and [1024, 1000], and against the TF.js way of getting the same numbers
 * (loss + argMax + inTopKAsync + equal + mean, read back), wall clock with one sync.
 */
import type * as TF from "@tensorflow/tfjs-core";
import type { Xent } from "../src/index.js";
import { seededRandom } from "../src/registry/index.js";
import { batchSize } from "./roofline.js";
import { makeTimer, median } from "./timing.js";
import { kBenchShapes, type Shape2 } from "./suite.js";

export interface EvaluateRow {
  env: string;
  shape: Shape2;
  op: "crossEntropy" | "evaluate" | "evaluate + confusion";
  /** GPU ms per call (K calls a submit). */
  ms: number;
  /** ms / crossEntropy's ms on the shape. */
  vsCrossEntropy: number;
  /** One call and its read, wall clock. */
  wallMs: number;
  /** TF.js: softmaxCrossEntropy + argMax + inTopKAsync(5) + equal + mean, read back, wall clock. */
  tfjsMs?: number;
}

export async function runEvaluateSuite(
  xent: Xent,
  options: { env: string; shapes?: Shape2[]; reps?: number; targetMs?: number; tf?: typeof TF; log?: (line: string) => void },
): Promise<EvaluateRow[]> {
  const log = options.log ?? (() => {});
  const reps = options.reps ?? 10;
  const timer = makeTimer(xent.device);
  const rows: EvaluateRow[] = [];
  for (const shape of options.shapes ?? kBenchShapes) {
    const [n, c] = shape;
    const random = seededRandom(n + 3 * c);
    const values = Float32Array.from({ length: n * c }, () => (random() * 2 - 1) * 4);
    const ids = Int32Array.from({ length: n }, () => Math.floor(random() * c));
    const x = xent.tensor(values, shape);
    const t = xent.tensor(ids, [n]);
    type Call = { read: () => Promise<unknown>; done: () => void };
    const variants: [EvaluateRow["op"], (encoder?: GPUCommandEncoder) => Call][] = [
      [
        "crossEntropy",
        (encoder) => {
          const loss = xent.crossEntropy(x, t, encoder ? { encoder } : {});
          return { read: () => loss.read(), done: () => loss.destroy() };
        },
      ],
      ["evaluate", (encoder) => evaluation(xent.evaluate(x, t, encoder ? { encoder } : {}))],
    ];
    // The confusion matrix where the issue asks for it: [4096, 10] and [1024, 1000].
    if (c <= 1000)
      variants.push([
        "evaluate + confusion",
        (encoder) => evaluation(xent.evaluate(x, t, { confusion: true, ...(encoder ? { encoder } : {}) })),
      ]);
    let ceMs = 0;
    for (const [op, run] of variants) {
      const pending: (() => void)[] = [];
      const record = (encoder: GPUCommandEncoder): void => void pending.push(run(encoder).done);
      const cleanup = (): void => void pending.splice(0).forEach((done) => done());
      const k = await batchSize(timer, record, options.targetMs ?? 30, cleanup);
      const ms = await timer.time(record, k, reps, cleanup);
      if (op === "crossEntropy") ceMs = ms;
      const walls: number[] = [];
      for (let r = 0; r < Math.min(reps, 10); r++) {
        const start = performance.now();
        const call = run();
        await call.read();
        walls.push(performance.now() - start);
        call.done();
      }
      const row: EvaluateRow = { env: options.env, shape, op, ms, vsCrossEntropy: ms / ceMs, wallMs: median(walls) };
      if (options.tf && op === "evaluate") row.tfjsMs = await tfjsWay(options.tf, values, ids, shape, Math.min(reps, 10));
      rows.push(row);
      log(
        `[${shape}] ${op}: ${ms.toFixed(3)} ms = ${row.vsCrossEntropy.toFixed(2)}x crossEntropy (goal ≤ 1.15x), wall ${row.wallMs.toFixed(2)} ms` +
          (row.tfjsMs !== undefined ? `, TF.js way ${row.tfjsMs.toFixed(2)} ms` : ""),
      );
    }
    x.destroy();
    t.destroy();
  }
  timer.destroy();
  return rows;
}

function evaluation(e: { read(): Promise<unknown>; destroy(): void }): { read: () => Promise<unknown>; done: () => void } {
  return { read: () => e.read(), done: () => e.destroy() };
}

/** What a TF.js evaluation loop does per batch for loss, accuracy and top-5 accuracy. */
async function tfjsWay(tf: typeof TF, values: Float32Array, ids: Int32Array, shape: Shape2, reps: number): Promise<number> {
  const x = tf.tensor2d(values, shape);
  const y = tf.tensor1d(ids, "int32");
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const start = performance.now();
    const [loss, acc] = tf.tidy(() => {
      const l = tf.losses.softmaxCrossEntropy(tf.oneHot(y, shape[1]), x);
      const a = tf.mean(tf.cast(tf.equal(tf.argMax(x, -1), y), "float32"));
      return [l, a];
    });
    const top5 = await tf.inTopKAsync(x, y, Math.min(5, shape[1]));
    const top5Mean = tf.mean(tf.cast(top5, "float32"));
    await Promise.all([loss.data(), acc.data(), top5Mean.data()]);
    tf.dispose([loss, acc, top5, top5Mean]);
    if (r > 0) times.push(performance.now() - start);
  }
  tf.dispose([x, y]);
  return median(times);
}

export function evaluateTable(rows: EvaluateRow[]): string {
  const lines = ["| env | shape | op | ms | vs crossEntropy | wall ms (1 read) | TF.js way ms |", "|---|---|---|---:|---:|---:|---:|"];
  for (const r of rows)
    lines.push(
      `| ${r.env} | [${r.shape.join(", ")}] | ${r.op} | ${r.ms.toFixed(3)} | ${r.vsCrossEntropy.toFixed(2)}x | ${r.wallMs.toFixed(2)} | ${r.tfjsMs?.toFixed(2) ?? "–"} |`,
    );
  return lines.join("\n");
}
