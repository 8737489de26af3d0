// The benchmark page: our ops, the roofline kernels and TF.js's WebGPU backend on the browser's
// WebGPU, in one run. bench/run.ts opens it in headless Chromium and calls window.runBench().
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
// tfjs-core alone registers no gradients: tf.valueAndGrad needs them.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { Xent } from "../../src/index.js";
import { tfLosses } from "../../src/tfjs/index.js";
import { median, runSuite, type Shape2, type TfRunner, type TrainingStepRow } from "../suite.js";

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

/** Median ms of `reps` timed calls of `run` (one warm-up), each awaiting what it returns. */
async function timeTf(run: () => tf.Tensor[], reps: number): Promise<number> {
  const once = async (): Promise<number> => {
    const start = performance.now();
    const outs = run();
    await Promise.all(outs.map((t) => t.data()));
    outs.forEach((t) => t.dispose());
    return performance.now() - start;
  };
  await once();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) samples.push(await once());
  return median(samples);
}

/**
 * TF.js's counterpart of each gradient op: its own loss (tf.losses where it has one, else the
 * formula in tf ops) through tf.valueAndGrad, loss and gradient both read back.
 */
function tfLossOf(op: string, shape: Shape2, inputs: tf.Tensor[]): ((x: tf.Tensor) => tf.Tensor) | undefined {
  const [, second] = inputs as [tf.Tensor, tf.Tensor | undefined];
  const classes = shape[1];
  switch (op) {
    case "crossEntropyWithGrad":
      return (x) => tf.losses.softmaxCrossEntropy(tf.oneHot(second as tf.Tensor1D, classes), x);
    case "nllLossWithGrad":
      return (x) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(second as tf.Tensor1D, classes), x), -1)));
    case "binaryCrossEntropyWithLogitsWithGrad":
      return (x) => tf.losses.sigmoidCrossEntropy(second as tf.Tensor, x);
    case "binaryCrossEntropyWithGrad":
      return (x) => tf.losses.logLoss(second as tf.Tensor, x);
    case "klDivWithGrad":
      // batchmean: Σ p·(log p − x) / N.
      return (x) => tf.div(tf.sum(tf.mul(second as tf.Tensor, tf.sub(tf.log(second as tf.Tensor), x))), shape[0]);
    case "entropyWithGrad":
      return (x) => tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(x), tf.logSoftmax(x)), -1)));
    case "softmaxBackward":
      // The vector-Jacobian product, through TF.js's softmax (its forward included).
      return (x) => tf.sum(tf.mul(tf.softmax(x), second as tf.Tensor));
    case "sigmoidBackward":
      return (x) => tf.sum(tf.mul(tf.sigmoid(x), second as tf.Tensor));
  }
  return undefined;
}

tfRunner.grad = async (op, shape, data, reps) => {
  const inputs = data.map((d, i) =>
    d instanceof Int32Array ? tf.tensor1d(d, "int32") : i === 0 ? tf.tensor2d(d, shape) : tf.tensor(d, shape),
  );
  const loss = tfLossOf(op, shape, inputs);
  const ms = loss
    ? await timeTf(() => {
        const { value, grad } = tf.valueAndGrad(loss as (x: tf.Tensor) => tf.Scalar)(inputs[0] as tf.Tensor);
        return [value, grad];
      }, reps)
    : undefined;
  inputs.forEach((t) => t.dispose());
  return ms;
};

/**
 * One TF.js training step — forward (a linear layer X·W to [N, C] logits), the loss, backward and
 * an SGD update, synced by reading the loss — with TF.js's softmaxCrossEntropy (one-hot built in
 * the step, as users with class ids do) and with webgpu-xent/tfjs's crossEntropy; interleaved,
 * the same starting weights, medians of `reps` steps each after warm-up.
 */
async function trainingSteps(shapes: Shape2[], reps: number): Promise<TrainingStepRow[]> {
  const losses = tfLosses(tf);
  const rows: TrainingStepRow[] = [];
  for (const [n, c] of shapes) {
    const features = 64;
    const [X, labels, W0] = tf.tidy((): tf.Tensor[] => [
      tf.randomNormal([n, features], 0, 1, "float32", 1),
      tf.cast(tf.floor(tf.mul(tf.randomUniform([n], 0, 1, "float32", 2), c)), "int32"),
      tf.randomNormal([features, c], 0, 0.05, "float32", 3),
    ]) as [tf.Tensor, tf.Tensor1D, tf.Tensor];
    const variants = {
      tfjs: (x: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, c), x),
      "webgpu-xent": (x: tf.Tensor) => losses.crossEntropy(x, labels),
    };
    const state = Object.fromEntries(
      Object.keys(variants).map((k) => [k, { W: tf.variable(tf.clone(W0)), optimizer: tf.train.sgd(0.1), ms: [] as number[], first: NaN }]),
    );
    const step = async (k: keyof typeof variants): Promise<number> => {
      const s = state[k] as { W: tf.Variable; optimizer: tf.Optimizer; ms: number[] };
      const start = performance.now();
      const loss = s.optimizer.minimize(() => variants[k](tf.matMul(X, s.W)) as tf.Scalar, true) as tf.Scalar;
      const value = (await loss.data())[0] as number;
      s.ms.push(performance.now() - start);
      loss.dispose();
      return value;
    };
    // The first step of each starts from the same weights: their losses must agree.
    const firstTf = await step("tfjs");
    const firstOurs = await step("webgpu-xent");
    for (let r = 0; r < 2; r++) for (const k of Object.keys(variants) as (keyof typeof variants)[]) await step(k);
    for (const k of Object.keys(state)) (state[k] as { ms: number[] }).ms.length = 0;
    for (let r = 0; r < reps; r++) for (const k of Object.keys(variants) as (keyof typeof variants)[]) await step(k);
    await losses.check();
    const tfMs = median((state.tfjs as { ms: number[] }).ms);
    const oursMs = median((state["webgpu-xent"] as { ms: number[] }).ms);
    rows.push({
      shape: [n, c],
      tfjsMs: tfMs,
      adapterMs: oursMs,
      speedup: tfMs / oursMs,
      lossRelDiff: Math.abs(firstOurs - firstTf) / Math.abs(firstTf),
    });
    log(
      `[${n},${c}] TF.js training step: ${tfMs.toFixed(2)} ms with tf.losses.softmaxCrossEntropy, ${oursMs.toFixed(2)} ms with webgpu-xent/tfjs (${(tfMs / oursMs).toFixed(2)}x); first-step loss relative difference ${(Math.abs(firstOurs - firstTf) / Math.abs(firstTf)).toExponential(1)}`,
    );
    for (const s of Object.values(state)) {
      (s as { W: tf.Variable }).W.dispose();
      (s as { optimizer: tf.Optimizer }).optimizer.dispose();
    }
    tf.dispose([X, labels, W0]);
  }
  losses.xent.destroy();
  return rows;
}

async function runBench(options: { shapes?: Shape2[]; reps?: number; tfjs?: boolean; ops?: string[]; training?: Shape2[] }) {
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
    ...(options.ops ? { ops: options.ops } : {}),
    log,
  });
  xent.destroy();
  const training = options.tfjs !== false && options.training?.length ? await trainingSteps(options.training, options.reps ?? 10) : [];
  return { adapter, userAgent: navigator.userAgent, tfjs: tf.version_core, ...result, training };
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
out.textContent = "ready";
