// `npm run bench:decode`: the decoding ops' benchmark (bench/decode.ts) in Node on Dawn, with TF.js's
// webgpu backend on the same Dawn for its rows; a markdown table on stdout and JSON in
// bench/results/. Flags: --quick ([1, 32000] and [16, 128256], 3 reps), --no-tfjs.
import { mkdirSync, writeFileSync } from "node:fs";
import { Xent } from "../src/index.js";
import { decodeTable, kDecodeShapes, runDecodeSuite } from "./decode.js";
import { tfWebGPU } from "../test/helpers/tfjs-node.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const xent = await Xent.create();
const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter";
console.log(`Node ${process.version}, Dawn (webgpu package), adapter: ${adapter}`);
const tf = args.has("--no-tfjs") ? undefined : await tfWebGPU();
const rows = await runDecodeSuite(xent, {
  env: "node-dawn",
  shapes: quick
    ? [
        [1, 32000],
        [16, 128256],
      ]
    : kDecodeShapes,
  reps: quick ? 3 : 10,
  log: console.log,
  ...(tf ? { tf } : {}),
});
console.log(`\n${decodeTable(rows)}`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const file = new URL(`./results/decode-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), adapter, rows }, null, 2));
console.log(`\nwrote ${file.pathname}`);
xent.destroy();
process.exit(0);
