/**
 * The benchmark, the same in Node (Dawn) and in the browser: for each shape, softmax, crossEntropy
 * (mean) and crossEntropyWithGrad against tuned roofline kernels on the same device in the same
 * run, and (where a TF.js runner is given) against TensorFlow.js's WebGPU backend.
 */
import { toFloat16Bits, type Tensor, type Xent } from "../src/index.js";
import { kOpRegistry, seededRandom, uploadCase, type BenchFloor, type OpCase } from "../src/registry/index.js";
import { batchSize, makeRoofline, tuneRoofline, type RooflineChoice } from "./roofline.js";
import { makeTimer, median, type TimingSource } from "./timing.js";

export type Shape2 = [number, number];

export const kBenchShapes: Shape2[] = [
  [4096, 10],
  [1024, 1000],
  [64, 32000],
  [4, 128256],
];

export interface TfRunner {
  /**
   * ms per call (median of `reps`, each ended by a data() sync: TF.js batches its own submits) of
   * TF.js's counterpart of the registered op on the case's inputs (its registry entry's
   * tfjsCounterpart), or undefined where it has none.
   */
  time(op: string, shape: Shape2, c: OpCase, reps: number): Promise<number | undefined>;
}

/** One TF.js training step with TF.js's cross-entropy vs with webgpu-xent/tfjs's (bench/browser/main.ts). */
export interface TrainingStepRow {
  shape: Shape2;
  tfjsMs: number;
  adapterMs: number;
  /** tfjsMs / adapterMs. */
  speedup: number;
  /** |ours − TF.js's| / |TF.js's| of the first step's loss (same weights). */
  lossRelDiff: number;
}

export interface BenchRow {
  env: string;
  shape: Shape2;
  /** The logits' dtype (f16: packed 16-bit, half the bytes read). */
  dtype: "f32" | "f16";
  /** The registered op's name (src/registry/). */
  op: string;
  ms: number;
  /** Bytes the op must move at least (read logits; + write for softmax / grad) per ms → GB/s. */
  gbps: number;
  roofline: BenchFloor;
  rooflineMs: number;
  /** ms / rooflineMs: 1.0 is the floor. */
  ratio: number;
  /** The compute floor: the same bytes with one exp per element (see kComputeFloors). */
  computeFloor: string;
  computeFloorMs: number;
  /** ms / computeFloorMs. */
  computeRatio: number;
  /** The same op with one sync per call, wall clock, as TF.js is timed. */
  wallMs?: number;
  tfjsMs?: number;
  speedupVsTfjs?: number;
  timing: TimingSource;
  k: number;
  reps: number;
}

export interface SuiteOptions {
  env: string;
  shapes?: Shape2[];
  reps?: number;
  /** Target ms of GPU work per timed submit; K ops are batched to reach it. */
  targetMs?: number;
  tf?: TfRunner;
  /** Only these registered ops (default: all). */
  ops?: string[];
  log?: (line: string) => void;
}

export async function runSuite(
  xent: Xent,
  options: SuiteOptions,
): Promise<{ rows: BenchRow[]; rooflines: Record<string, RooflineChoice[]> }> {
  const device = xent.device;
  const log = options.log ?? (() => {});
  const reps = options.reps ?? 10;
  const targetMs = options.targetMs ?? 30;
  const timer = makeTimer(device);
  const wallTimer = makeTimer(device, false);
  const roofline = makeRoofline(device);
  const rows: BenchRow[] = [];
  const rooflines: Record<string, RooflineChoice[]> = {};

  async function benchShape(shape: Shape2, dtype: "f32" | "f16"): Promise<BenchRow[]> {
    const out: BenchRow[] = [];
    const [n, c0] = shape;
    const count = n * c0;
    const bytes = count * (dtype === "f16" ? 2 : 4);
    const logitsData = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.618) * 4);
    const logits = dtype === "f16" ? xent.tensor(toFloat16Bits(logitsData), shape, "f16") : xent.tensor(logitsData, shape);
    const vecs = Math.ceil(bytes / 16);
    const scratch = device.createBuffer({
      size: Math.max(16, vecs * 16 * (dtype === "f16" ? 2 : 1)),
      usage: 0x80 | 0x4 | 0x8,
      label: "bench:dst",
    });

    // Tune the roofline: the fastest of a sweep, so the floor we compare with is a real one.
    const tune = async (copy: boolean, exp = false): Promise<RooflineChoice> => {
      const { chosen, choices } = await tuneRoofline(device, timer, roofline, logits.buffer, scratch, vecs, { copy, exp, targetMs, reps });
      rooflines[`${shape.join("x")}:${dtype}:${chosen.kind}`] = choices;
      return chosen;
    };
    const read = await tune(false);
    const copy = await tune(true);
    const readExp = await tune(false, true);
    const copyExp = await tune(true, true);
    log(
      `[${shape}] ${dtype} roofline read ${read.ms.toFixed(3)} ms (wg ${read.wg}, ${read.vecPerGroup} vec4/group), copy ${copy.ms.toFixed(3)} ms (wg ${copy.wg}, ${copy.vecPerGroup}); compute floors read+exp ${readExp.ms.toFixed(3)} ms, copy+exp ${copyExp.ms.toFixed(3)} ms`,
    );

    // Every registered op (src/registry/) on a case of this shape, judged against its floor.
    const floorMs: Record<BenchFloor, number> = {
      read: read.ms,
      copy: copy.ms,
      // A read pass plus writing the (f32) gradient: a copy of as many bytes (twice the f16 logits').
      "read+copy": read.ms + copy.ms * (dtype === "f16" ? 2 : 1),
      "2×read": 2 * read.ms,
      // Two f32 inputs read and an f32 gradient written (the elementwise losses' gradients).
      "2×read+copy": read.ms + copy.ms,
    };
    // The compute floors: the same bytes with one exp per element (cross-entropy: read+exp; softmax
    // and the gradients, which read, take one exp and write: copy+exp; two inputs read: + a read).
    const computeMs: Record<BenchFloor, [string, number]> = {
      read: ["read+exp", readExp.ms],
      copy: ["copy+exp", copyExp.ms],
      "read+copy": ["copy+exp", copyExp.ms * (dtype === "f16" ? 2 : 1)],
      "2×read": ["read+exp + read", readExp.ms + read.ms],
      "2×read+copy": ["copy+exp + read", copyExp.ms + read.ms],
    };
    // Floors with a write of f32 outputs match no single roofline kernel for f16 input: f32 only.
    // (The linear ops, whose inputs are no [N, C] row view, have their own rows: bench/linear.ts.)
    const ops = kOpRegistry.filter(
      (o) =>
        o.kind === "rows" &&
        o.dtypes.includes(dtype) &&
        (dtype === "f32" || (o.bench !== "copy" && o.bench !== "2×read+copy")) &&
        (!options.ops || options.ops.includes(o.name)),
    );
    for (const o of ops) {
      const c = o.sample(seededRandom(n * 31 + c0), n, c0, o.variants[0] as string);
      const up = uploadCase(xent, c, dtype, toFloat16Bits);
      const outs: Tensor[] = [];
      const record = (encoder: GPUCommandEncoder): void => void outs.push(...o.run(xent, up.inputs, { ...up.options, encoder }, c));
      const cleanup = (): void => void outs.splice(0).forEach((t) => t.destroy());
      const k = await batchSize(timer, record, targetMs, cleanup);
      const ms = await timer.time(record, k, reps, cleanup);
      const wallMs = await wallTimer.time(record, 1, Math.min(reps, 10), cleanup);
      up.destroy();
      // The bytes the op must move at least: its inputs once, and an f32 output as large as the input if its floor writes one.
      const moved =
        c.inputs.reduce((sum, a, i) => sum + a.data.length * (i === 0 ? bytes / count : 4), 0) +
        (o.bench === "copy" || o.bench === "read+copy" || o.bench === "2×read+copy" ? count * 4 : 0);
      const rooflineMs = floorMs[o.bench];
      const row: BenchRow = {
        env: options.env,
        shape,
        dtype,
        op: o.name,
        ms,
        gbps: moved / ms / 1e6,
        roofline: o.bench,
        rooflineMs,
        ratio: ms / rooflineMs,
        computeFloor: computeMs[o.bench][0],
        computeFloorMs: computeMs[o.bench][1],
        computeRatio: ms / computeMs[o.bench][1],
        wallMs,
        timing: timer.source,
        k,
        reps,
      };
      // TF.js is timed on the ops whose entry names a counterpart (tf.valueAndGrad of it for the gradients).
      if (options.tf && dtype === "f32" && o.tfjsCounterpart) {
        row.tfjsMs = await options.tf.time(o.name, shape, c, 10);
        if (row.tfjsMs !== undefined) row.speedupVsTfjs = row.tfjsMs / wallMs;
      }
      out.push(row);
      log(
        `[${shape}] ${dtype} ${o.name}: ${ms.toFixed(3)} ms (${row.ratio.toFixed(2)}x ${o.bench} roofline, ${row.computeRatio.toFixed(2)}x ${row.computeFloor})` +
          (row.tfjsMs ? `, wall ${wallMs.toFixed(2)} ms vs TF.js ${row.tfjsMs.toFixed(2)} ms: ${row.speedupVsTfjs?.toFixed(1)}x` : ""),
      );
    }
    logits.destroy();
    scratch.destroy();
    return out;
  }

  for (const shape of options.shapes ?? kBenchShapes)
    for (const dtype of ["f32", "f16"] as const) rows.push(...(await benchShape(shape, dtype)));
  timer.destroy();
  wallTimer.destroy();
  return { rows, rooflines };
}

/** The markdown table of a run. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    "| env | shape | dtype | op | ms (median) | GB/s | roofline | roofline ms | ratio | compute floor | floor ms | ratio | wall ms (1 sync/call) | TF.js ms | speed-up vs TF.js |",
    "|---|---|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.env} | [${r.shape.join(", ")}] | ${r.dtype} | ${r.op} | ${r.ms.toFixed(3)} | ${r.gbps.toFixed(2)} | ${r.roofline} | ${r.rooflineMs.toFixed(3)} | ${r.ratio.toFixed(2)}x | ${r.computeFloor} | ${r.computeFloorMs.toFixed(3)} | ${r.computeRatio.toFixed(2)}x | ${r.wallMs?.toFixed(2) ?? "–"} | ${r.tfjsMs?.toFixed(2) ?? "–"} | ${r.speedupVsTfjs ? `${r.speedupVsTfjs.toFixed(1)}x` : "–"} |`,
    );
  }
  return lines.join("\n");
}

/** crossEntropyWithGrad time over (crossEntropy + softmax) time per shape: the fused goal is ≤ 0.6. */
export function fusedRatios(rows: BenchRow[]): { env: string; shape: Shape2; ratio: number }[] {
  const out: { env: string; shape: Shape2; ratio: number }[] = [];
  const key = (r: BenchRow): string => `${r.env}|${r.shape.join("x")}|${r.dtype}`;
  for (const r of rows.filter((x) => x.op === "crossEntropyWithGrad" && x.dtype === "f32")) {
    const ce = rows.find((x) => key(x) === key(r) && x.op === "crossEntropy");
    const sm = rows.find((x) => key(x) === key(r) && x.op === "softmax");
    if (ce && sm) out.push({ env: r.env, shape: r.shape, ratio: r.ms / (ce.ms + sm.ms) });
  }
  return out;
}

export { median };
export type { RooflineChoice };
