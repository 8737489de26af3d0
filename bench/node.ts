// The benchmark in Node on Dawn: prints a markdown table and writes JSON (used by bench/run.ts).
import { Xent } from "../src/index.js";
import { runSuite, type Shape2 } from "./suite.js";
import { runLinearSuite, type Shape3 } from "./linear.js";

export async function benchNode(shapes?: Shape2[], reps = 10, log = console.log, linear: Shape3[] = [], linearReps = 2) {
  const xent = await Xent.create();
  const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter";
  log(`Node ${process.version}, Dawn (webgpu package), adapter: ${adapter}`);
  const result =
    shapes?.length === 0
      ? { rows: [], rooflines: {} }
      : await runSuite(xent, { env: "node-dawn", ...(shapes ? { shapes } : {}), reps, log });
  const linearRows = linear.length ? await runLinearSuite(xent, { env: "node-dawn", shapes: linear, reps: linearReps, log }) : [];
  xent.destroy();
  return { adapter, ...result, linear: linearRows };
}
