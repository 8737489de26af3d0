// `npm run bench:decode` / `npm run bench:evaluate`: the decoding ops' (bench/decode.ts) or
// evaluate's (bench/evaluate.ts) benchmark in Node on Dawn, with TF.js's webgpu backend on the same
// Dawn for its rows; a markdown table on stdout and JSON in bench/results/. Flags: --decode or
// --evaluate (which suite), --quick (two shapes, 3 reps), --no-tfjs.
import { mkdirSync, writeFileSync } from "node:fs";
import { Xent } from "../src/index.js";
import { decodeTable, kDecodeShapes, runDecodeSuite } from "./decode.js";
import { evaluateTable, runEvaluateSuite } from "./evaluate.js";
import { tfWebGPU } from "../test/helpers/tfjs-node.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const suite = args.has("--evaluate") ? "evaluate" : "decode";
const xent = await Xent.create();
const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter";
console.log(`Node ${process.version}, Dawn (webgpu package), adapter: ${adapter}`);
const tf = args.has("--no-tfjs") ? undefined : await tfWebGPU();
const reps = quick ? 3 : 10;
let table: string;
let rows: unknown[];
if (suite === "decode") {
  const decodeRows = await runDecodeSuite(xent, {
    env: "node-dawn",
    shapes: quick
      ? [
          [1, 32000],
          [16, 128256],
        ]
      : kDecodeShapes,
    reps,
    log: console.log,
    ...(tf ? { tf } : {}),
  });
  [table, rows] = [decodeTable(decodeRows), decodeRows];
} else {
  const evaluateRows = await runEvaluateSuite(xent, {
    env: "node-dawn",
    ...(quick
      ? {
          shapes: [
            [4096, 10],
            [64, 32000],
          ],
        }
      : {}),
    reps,
    log: console.log,
    ...(tf ? { tf } : {}),
  });
  [table, rows] = [evaluateTable(evaluateRows), evaluateRows];
}
console.log(`\n${table}`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const file = new URL(`./results/${suite}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), adapter, rows }, null, 2));
console.log(`\nwrote ${file.pathname}`);
xent.destroy();
process.exit(0);
