// `npm run tutorial`: the tutorials' numbers on this machine's WebGPU, then throughput.
import { Xent } from "../src/index.js";
import { throughput, tutorialNumbers } from "./tutorial.js";

const xent = await Xent.create();
const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
console.log(`WebGPU adapter: ${[info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown"}\n`);
for (const line of await tutorialNumbers(xent)) {
  const expected = line.expected === undefined ? "" : `   (tutorial: ${line.expected})`;
  console.log(`${line.what.padEnd(44)} ${line.value.toFixed(6)}${expected}`);
}
console.log("\nthroughput (20 calls per submit; GB/s counts logits read, plus output written for softmax):");
for (const r of await throughput(xent, [
  [4096, 10],
  [1024, 1000],
  [64, 32000],
])) {
  console.log(
    `${r.op.padEnd(13)} [${r.shape.join(", ")}]`.padEnd(32) +
      `${r.msPerCall.toFixed(3)} ms   ${r.gbPerSecond.toFixed(2)} GB/s   ${Math.round(r.rowsPerSecond).toLocaleString("en")} rows/s`,
  );
}
console.log("\n(SwiftShader runs WebGPU on the CPU: absolute speed there says little; see bench/ for ratios.)");
xent.destroy();
