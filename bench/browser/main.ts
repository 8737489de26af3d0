// The benchmark page: our ops, the roofline kernels and TF.js's WebGPU backend on the browser's
// WebGPU, in one run. bench/run.ts opens it in headless Chromium and calls window.runBench().
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { Xent } from "../../src/index.js";
import { median, runSuite, type Shape2, type TfRunner } from "../suite.js";

const out = document.getElementById("log") as HTMLElement;
const log = (line: string): void => {
  out.textContent += `${line}\n`;
  console.log(line);
};

const tfRunner: TfRunner = {
  async crossEntropy(shape, logitsData, labelsData, reps) {
    const logits = tf.tensor2d(logitsData, shape);
    const labels = tf.tensor1d(labelsData, "int32");
    const once = async (): Promise<number> => {
      const start = performance.now();
      // The fair comparison for integer labels: the one-hot is built inside the call.
      const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, shape[1]), logits));
      await loss.data();
      loss.dispose();
      return performance.now() - start;
    };
    await once();
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) samples.push(await once());
    logits.dispose();
    labels.dispose();
    return median(samples);
  },
  async softmax(shape, logitsData, reps) {
    const logits = tf.tensor2d(logitsData, shape);
    const once = async (): Promise<number> => {
      const start = performance.now();
      const p = tf.softmax(logits);
      await p.data();
      p.dispose();
      return performance.now() - start;
    };
    await once();
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) samples.push(await once());
    logits.dispose();
    return median(samples);
  },
};

async function runBench(options: { shapes?: Shape2[]; reps?: number; tfjs?: boolean }) {
  out.textContent = "";
  if (options.tfjs !== false) {
    await tf.setBackend("webgpu");
    await tf.ready();
  }
  const xent = await Xent.create();
  const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter";
  log(`${navigator.userAgent}; adapter: ${adapter}; TF.js ${tf.version_core} (${tf.getBackend() ?? "no backend"})`);
  const result = await runSuite(xent, {
    env: "chromium",
    ...(options.shapes ? { shapes: options.shapes } : {}),
    reps: options.reps ?? 10,
    ...(options.tfjs !== false ? { tf: tfRunner } : {}),
    log,
  });
  xent.destroy();
  return { adapter, userAgent: navigator.userAgent, tfjs: tf.version_core, ...result };
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
out.textContent = "ready";
