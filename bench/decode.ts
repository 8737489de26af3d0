/**
 * The decoding ops' benchmark (issue #27): argmax, topK and sample on LLM vocabularies, each
 * against the row's read floor (the tuned read roofline on the same device, same run), against
 * what apps do today (read the whole row back and sample in JavaScript) and, where a TF.js is
 * given, against tf.topk and tf.multinomial on its WebGPU backend. Goals: argmax, greedy and
 * plain sampling ≤ 1.3× the read floor; top-k / top-p / min-p sampling ≤ 3×.
 */
import type * as TF from "@tensorflow/tfjs-core";
import { toFloat16Bits, type SampleOptions, type Tensor, type Xent } from "../src/index.js";
import { seededRandom } from "../src/registry/index.js";
import { batchSize, makeRoofline, tuneRoofline } from "./roofline.js";
import { makeTimer, median } from "./timing.js";
import type { Shape2 } from "./suite.js";

export const kDecodeShapes: Shape2[] = [
  [1, 32000],
  [1, 128256],
  [1, 262144],
  [16, 128256],
  [64, 32000],
];

export interface DecodeRow {
  env: string;
  shape: Shape2;
  dtype: "f32" | "f16";
  op: string;
  /** GPU ms per call (timestamps, K calls a submit). */
  ms: number;
  readFloorMs: number;
  /** ms / readFloorMs. */
  ratio: number;
  goal: number;
  /** One call and the read() of its tokens (4 bytes a row), wall clock. */
  wallMs: number;
  /** Reading the logits back and sampling in JavaScript (softmax + inverse CDF), wall clock, f32. */
  readBackJsMs?: number;
  /** TF.js's counterpart (tf.topk / tf.multinomial / tf.argMax) with one data() sync, wall clock. */
  tfjsMs?: number;
}

interface DecodeOp {
  name: string;
  goal: number;
  /** The op on x, recorded into `encoder` when given (K calls in one timed submit). */
  run: (xent: Xent, x: Tensor, encoder?: GPUCommandEncoder) => Tensor[];
  tfjs?: (tf: typeof TF, x: TF.Tensor2D) => TF.Tensor;
}

const sampleOp = (name: string, goal: number, o: SampleOptions, tfjs?: DecodeOp["tfjs"]): DecodeOp => ({
  name,
  goal,
  run: (xent, x, encoder) => [xent.sample(x, { seed: 1, step: 2, ...o, ...(encoder ? { encoder } : {}) }).tokens],
  ...(tfjs ? { tfjs } : {}),
});

const kOps: DecodeOp[] = [
  { name: "argmax", goal: 1.3, run: (xent, x, encoder) => [xent.argmax(x, encoder ? { encoder } : {})], tfjs: (tf, x) => tf.argMax(x, -1) },
  {
    name: "topK k=50",
    goal: 3,
    run: (xent, x, encoder) => {
      const { values, indices } = xent.topK(x, 50, encoder ? { encoder } : {});
      return [indices, values];
    },
    tfjs: (tf, x) => tf.topk(x, 50).indices,
  },
  sampleOp("sample greedy", 1.3, { temperature: 0 }),
  sampleOp("sample", 1.3, {}, (tf, x) => tf.multinomial(x, 1)),
  sampleOp("sample top-k 50", 3, { topK: 50 }),
  sampleOp("sample top-p 0.9", 3, { topP: 0.9 }),
  sampleOp("sample min-p 0.05", 3, { minP: 0.05 }),
  sampleOp("sample top-k 50, top-p 0.9, min-p 0.05", 3, { topK: 50, topP: 0.9, minP: 0.05 }),
];

/** What an app without GPU sampling does per token: the row back, softmax and an inverse-CDF draw in JS. */
function sampleInJs(row: Float32Array, u: number): number {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let total = 0;
  for (const v of row) total += Math.exp(v - max);
  let prefix = 0;
  for (let c = 0; c < row.length; c++) {
    prefix += Math.exp((row[c] as number) - max);
    if (prefix > u * total) return c;
  }
  return row.length - 1;
}

export interface DecodeSuiteOptions {
  env: string;
  shapes?: Shape2[];
  reps?: number;
  targetMs?: number;
  tf?: typeof TF;
  log?: (line: string) => void;
}

export async function runDecodeSuite(xent: Xent, options: DecodeSuiteOptions): Promise<DecodeRow[]> {
  const device = xent.device;
  const log = options.log ?? (() => {});
  const reps = options.reps ?? 10;
  const targetMs = options.targetMs ?? 30;
  const timer = makeTimer(device);
  const roofline = makeRoofline(device);
  const rows: DecodeRow[] = [];
  for (const shape of options.shapes ?? kDecodeShapes) {
    const [n, v] = shape;
    const random = seededRandom(n * 7 + v);
    // Logits like a language model's: a few strong candidates above a broad tail.
    const values = Float32Array.from({ length: n * v }, () => (random() < 0.001 ? 8 : 0) + (random() + random() + random() - 1.5) * 3);
    for (const dtype of ["f32", "f16"] as const) {
      const x = dtype === "f16" ? xent.tensor(toFloat16Bits(values), shape, "f16") : xent.tensor(values, shape);
      const vecs = Math.ceil(x.buffer.size / 16);
      const scratch = device.createBuffer({ size: vecs * 16, usage: 0x80 | 0x4 | 0x8, label: "bench:decode:dst" });
      const floor = (await tuneRoofline(device, timer, roofline, x.buffer, scratch, vecs, { copy: false, exp: false, targetMs, reps }))
        .chosen;
      scratch.destroy();
      let readBackJsMs: number | undefined;
      if (dtype === "f32") {
        const samples: number[] = [];
        for (let r = 0; r < Math.min(reps, 10); r++) {
          const start = performance.now();
          const row = (await x.read()) as Float32Array;
          for (let i = 0; i < n; i++) sampleInJs(row.subarray(i * v, (i + 1) * v), 0.5);
          samples.push(performance.now() - start);
        }
        readBackJsMs = median(samples);
      }
      const tfLogits = options.tf && dtype === "f32" ? options.tf.tensor2d(values, shape) : undefined;
      for (const op of kOps) {
        const outs: Tensor[] = [];
        const record = (encoder: GPUCommandEncoder): void => void outs.push(...op.run(xent, x, encoder));
        const cleanup = (): void => void outs.splice(0).forEach((t) => t.destroy());
        const k = await batchSize(timer, record, targetMs, cleanup);
        const ms = await timer.time(record, k, reps, cleanup);
        const walls: number[] = [];
        for (let r = 0; r < Math.min(reps, 10); r++) {
          const start = performance.now();
          const [first, ...rest] = op.run(xent, x);
          await first?.read();
          walls.push(performance.now() - start);
          [first, ...rest].forEach((t) => t?.destroy());
        }
        const row: DecodeRow = {
          env: options.env,
          shape,
          dtype,
          op: op.name,
          ms,
          readFloorMs: floor.ms,
          ratio: ms / floor.ms,
          goal: op.goal,
          wallMs: median(walls),
          ...(readBackJsMs !== undefined && op.name.startsWith("sample") ? { readBackJsMs } : {}),
        };
        if (tfLogits && op.tfjs && options.tf) {
          const tf = options.tf;
          const times: number[] = [];
          for (let r = 0; r < Math.min(reps, 10) + 1; r++) {
            const start = performance.now();
            const out = op.tfjs(tf, tfLogits);
            await out.data();
            out.dispose();
            if (r > 0) times.push(performance.now() - start);
          }
          row.tfjsMs = median(times);
        }
        rows.push(row);
        log(
          `[${shape}] ${dtype} ${op.name}: ${ms.toFixed(3)} ms = ${row.ratio.toFixed(2)}x the read floor (goal ≤ ${op.goal}x)` +
            `, wall ${row.wallMs.toFixed(2)} ms` +
            (row.readBackJsMs !== undefined ? `, read back + JS ${row.readBackJsMs.toFixed(2)} ms` : "") +
            (row.tfjsMs !== undefined ? `, TF.js ${row.tfjsMs.toFixed(2)} ms` : ""),
        );
      }
      tfLogits?.dispose();
      x.destroy();
    }
  }
  timer.destroy();
  return rows;
}

/** The markdown table of a run. */
export function decodeTable(rows: DecodeRow[]): string {
  const lines = [
    "| env | shape | dtype | op | ms | read floor ms | ratio | goal | wall ms (incl. 4 B read) | read back + JS ms | TF.js ms |",
    "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.env} | [${r.shape.join(", ")}] | ${r.dtype} | ${r.op} | ${r.ms.toFixed(3)} | ${r.readFloorMs.toFixed(3)} | ${r.ratio.toFixed(2)}x | ≤ ${r.goal}x | ${r.wallMs.toFixed(2)} | ${r.readBackJsMs?.toFixed(2) ?? "–"} | ${r.tfjsMs?.toFixed(2) ?? "–"} |`,
    );
  return lines.join("\n");
}
