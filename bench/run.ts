// `npm run bench`: the benchmark in Node (Dawn) and in headless Chromium, one markdown table on
// stdout and JSON in bench/results/. Flags: --quick (2 shapes, 3 reps: a smoke run),
// --node-only, --browser-only, --no-tfjs, --ops=a,b (only those registered ops), --no-training
// (skip the TF.js training-step comparison), --no-linear (skip the fused linear + cross-entropy
// rows, bench/linear.ts: minutes on SwiftShader), --linear-only (only those).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createServer } from "vite";
import { launchChromium } from "./chromium.js";
import { benchNode } from "./node.js";
import { fusedRatios, kBenchShapes, markdownTable, type BenchRow, type Shape2, type TrainingStepRow } from "./suite.js";
import { kLinearShapes, linearTable, type LinearRow, type Shape3 } from "./linear.js";

const args = new Set(process.argv.slice(2));
const opsArg = process.argv.slice(2).find((a) => a.startsWith("--ops="));
const ops = opsArg?.slice("--ops=".length).split(",");
const quick = args.has("--quick");
const shapes: Shape2[] = quick
  ? [
      [256, 10],
      [8, 5000],
    ]
  : kBenchShapes;
// The training-step comparison's shapes (TF.js in Chromium).
const trainingShapes: Shape2[] = quick
  ? [[256, 10]]
  : [
      [1024, 1000],
      [64, 32000],
    ];
const reps = quick ? 3 : 10;
const linearShapes: Shape3[] = args.has("--no-linear") ? [] : quick ? [[64, 64, 1000]] : kLinearShapes;
// Seconds per call on SwiftShader (4 products of [N, H]·[H, V]): one timed call after the warm-up.
const linearReps = 1;
const mainShapes: Shape2[] = args.has("--linear-only") ? [] : shapes;
const linear: LinearRow[] = [];
const rows: BenchRow[] = [];
const training: TrainingStepRow[] = [];
const meta: Record<string, unknown> = { date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, shapes, reps };

if (!args.has("--browser-only")) {
  const node = await benchNode(mainShapes, reps, console.log, linearShapes, linearReps);
  rows.push(...node.rows);
  linear.push(...node.linear);
  meta.node = { adapter: node.adapter, rooflines: node.rooflines };
}

if (!args.has("--node-only")) {
  // No file watching: an edit during a long run must not reload the page mid-benchmark.
  const server = await createServer({
    root: new URL("..", import.meta.url).pathname,
    logLevel: "error",
    server: { port: 0, host: "127.0.0.1", hmr: false, watch: null },
  });
  await server.listen();
  const url = `${server.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/"}bench/browser/index.html`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on("console", (m) => console.log(`  [chromium] ${m.text()}`));
    page.setDefaultTimeout(0);
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("log")?.textContent === "ready", { timeout: 60_000 });
    const result = (await page.evaluate((o) => (window as unknown as { runBench(o: unknown): Promise<unknown> }).runBench(o), {
      shapes: mainShapes,
      reps,
      linear: linearShapes,
      linearReps,
      tfjs: !args.has("--no-tfjs"),
      ...(ops ? { ops } : {}),
      training: args.has("--no-training") || args.has("--linear-only") ? [] : trainingShapes,
    })) as {
      rows: BenchRow[];
      linear: LinearRow[];
      adapter: string;
      userAgent: string;
      tfjs: string;
      training: TrainingStepRow[];
    };
    rows.push(...result.rows);
    linear.push(...result.linear);
    training.push(...result.training);
    meta.chromium = { adapter: result.adapter, userAgent: result.userAgent, tfjs: result.tfjs };
  } finally {
    await browser.close();
    await server.close();
  }
}

const table = markdownTable(rows);
const fused = fusedRatios(rows)
  .map((f) => `| ${f.env} | [${f.shape.join(", ")}] | ${f.ratio.toFixed(2)} |`)
  .join("\n");
console.log(
  `\n${table}\n\ncrossEntropyWithGrad / (crossEntropy + softmax) (goal ≤ 0.6):\n\n| env | shape | ratio |\n|---|---|---:|\n${fused}\n`,
);
if (training.length)
  console.log(
    `One TF.js training step (forward, loss, backward, SGD update), median ms:\n\n| shape | tf.losses.softmaxCrossEntropy | webgpu-xent/tfjs | speed-up | first-step loss rel. diff |\n|---|---:|---:|---:|---:|\n${training
      .map(
        (t) =>
          `| [${t.shape.join(", ")}] | ${t.tfjsMs.toFixed(2)} | ${t.adapterMs.toFixed(2)} | ${t.speedup.toFixed(2)}x | ${t.lossRelDiff.toExponential(1)} |`,
      )
      .join("\n")}\n`,
  );
if (linear.length) console.log(`Fused linear + cross-entropy (bench/linear.ts), wall ms per call, median:\n\n${linearTable(linear)}\n`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const file = new URL(`./results/bench-${Date.now()}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ meta, rows, linear, training }, null, 2));
console.log(`JSON: ${file.pathname}`);
