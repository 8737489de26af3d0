// `npm run soak`: 100 000 mixed op calls (every registered op, in turn), each uploaded, run, read
// and checked against the float64 reference, then destroyed. Every 10 000 calls the process's RSS
// and xent.stats() are sampled after a full GC; the table is printed, and the run fails unless
// memory stays flat after the first sample (RSS trend within 5 %) and the GPU buffer count is constant.
// SOAK_CALLS=n shortens it.
import v8 from "node:v8";
import vm from "node:vm";
import { toBfloat16Bits, toFloat16Bits, Xent } from "../src/index.js";
import { kOpRegistry, seededRandom, uploadCase, type OpCase, type RegisteredOp } from "../src/registry/index.js";

const calls = Number(process.env.SOAK_CALLS ?? 100_000);
// Samples are taken after a full collection, so RSS shows what is held, not garbage not yet collected.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const every = Math.max(1, Math.floor(calls / 10));
const xent = await Xent.create();

interface Prepared {
  op: RegisteredOp;
  c: OpCase;
  want: ArrayLike<number>[];
}
// One case per (op, variant), its reference computed once: the soak checks every read against it.
const prepared: Prepared[] = kOpRegistry.flatMap((op, i) =>
  op.variants.map((variant, j) => {
    const c = op.sample(seededRandom(1000 * i + j + 1), 8, 16, variant);
    return { op, c, want: op.reference(c) };
  }),
);

const close = (a: number, b: number, tol: { atol: number; rtol: number }): boolean =>
  (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);

const rows: string[] = [
  "| calls | RSS (MiB) | live buffers | live bytes | pooled buffers | pipelines |",
  "|---:|---:|---:|---:|---:|---:|",
];
const samples: { rss: number; live: number }[] = [];
const start = performance.now();
for (let n = 1; n <= calls; n++) {
  const p = prepared[n % prepared.length] as Prepared;
  const up = uploadCase(xent, p.c, "f32", n % 2 ? toFloat16Bits : toBfloat16Bits);
  const outs = p.op.run(xent, up.inputs, up.options, p.c);
  const got = await Promise.all(outs.map((t) => t.read()));
  got.forEach((g, k) => {
    const w = p.want[k] as ArrayLike<number>;
    for (let e = 0; e < w.length; e++)
      if (!close(g[e] as number, Math.fround(w[e] as number), p.op.tolerance))
        throw new Error(`call ${n}: ${p.op.name} output ${k}[${e}] = ${g[e]}, the reference says ${w[e]}`);
  });
  outs.forEach((t) => t.destroy());
  up.destroy();
  if (n % every === 0) {
    await xent.device.queue.onSubmittedWorkDone();
    gc();
    const s = xent.stats();
    const rss = process.memoryUsage().rss / 2 ** 20;
    samples.push({ rss, live: s.liveBuffers });
    rows.push(`| ${n} | ${rss.toFixed(1)} | ${s.liveBuffers} | ${s.liveBytes} | ${s.pooledBuffers} | ${s.pipelines} |`);
    console.log(rows[rows.length - 1]);
  }
}
const seconds = (performance.now() - start) / 1000;
console.log(
  `\n${rows.join("\n")}\n\n${calls} calls in ${seconds.toFixed(0)} s (${(calls / seconds).toFixed(0)} calls/s), every read checked`,
);
// After the first sample (warm-up: pipelines, pools, JIT) the native heap's RSS wanders a few
// percent either way, so "flat" is judged by the trend, the mean of the last four samples against
// the mean of the first four, besides an exact count of GPU buffers.
const settled = samples.slice(1);
const rss = settled.map((s) => s.rss);
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const trend = mean(rss.slice(-4)) / mean(rss.slice(0, 4)) - 1;
const buffers = new Set(settled.map((s) => s.live));
console.log(
  `RSS after warm-up: ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MiB; trend (last 4 vs first 4 samples) ${(trend * 100).toFixed(1)} %; live buffers ${[...buffers].join(", ")}`,
);
xent.destroy();
if (trend > 0.05 || buffers.size > 1) {
  console.error("soak: memory is not flat");
  process.exit(1);
}
process.exit(0);
