// The benchmark page: our ops, the roofline kernels and TF.js's WebGPU backend on the browser's
// WebGPU, in one run. bench/run.ts opens it in headless Chromium and calls window.runBench().
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
// tfjs-core alone registers no gradients: tf.valueAndGrad needs them.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { Xent } from "../../src/index.js";
import { tfLosses } from "../../src/tfjs/index.js";
import { median, runSuite, type Shape2, type TfRunner, type TrainingStepRow } from "../suite.js";
import { registeredOp } from "../../src/registry/index.js";
import { runLinearSuite, type LinearTfRunner, type Shape3 } from "../linear.js";

const out = document.getElementById("log") as HTMLElement;
const log = (line: string): void => {
  out.textContent += `${line}\n`;
  console.log(line);
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
 * TF.js's counterpart of a registered op (its entry's tfjsCounterpart) on the case's inputs: the
 * forward read back, or tf.valueAndGrad of it w.r.t. the first input, value and gradient read back.
 */
const tfRunner: TfRunner = {
  async time(name, _shape, c, reps) {
    const counterpart = registeredOp(name).tfjsCounterpart;
    if (!counterpart) return undefined;
    const inputs = c.inputs.map((a) =>
      a.data instanceof Float32Array ? tf.tensor(a.data, a.shape) : tf.tensor(Int32Array.from(a.data), a.shape, "int32"),
    );
    const [first, ...rest] = inputs as [tf.Tensor, ...tf.Tensor[]];
    const ms = await timeTf(() => {
      if (!counterpart.grad) return [counterpart.fn(tf, inputs, c)];
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => counterpart.fn(tf, [x, ...rest], c) as tf.Scalar)(first);
      return [value, grad];
    }, reps);
    inputs.forEach((t) => t.dispose());
    return ms;
  },
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

/**
 * TF.js's side of the linear rows: (b) tf.matMul for the logits + our cross-entropy (forward: our
 * crossEntropy on a view of the logits' buffer; forward+backward: tf.grads through
 * webgpu-xent/tfjs's crossEntropy, so TF.js's matMuls make both gradients), (c) TF.js end to end.
 * Peak memory: tf.profile's (TF.js tensors), beyond what was live before.
 */
function linearTfRunner(): LinearTfRunner {
  const losses = tfLosses(tf);
  const backend = tf.backend() as unknown as {
    tensorMap: { get(id: object): { resource?: unknown } | undefined };
    uploadToGPU(id: object): void;
    ensureCommandEncoderReady(): void;
    endComputePassEncoder(): void;
    submitQueue(): void;
  };
  /** Our view of a TF.js tensor's GPU buffer (after TF.js's recorded work is submitted). */
  const view = (t: tf.Tensor, dtype: "f32" | "i32") => {
    backend.uploadToGPU(t.dataId);
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    return losses.xent.wrap(backend.tensorMap.get(t.dataId)?.resource as GPUBuffer, t.shape, dtype);
  };
  const logits = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.matMul(x, w, false, true);
  return {
    async matmul(c, reps) {
      const [n, h, v] = c.shape;
      const [x, w] = [tf.tensor2d(c.hidden, [n, h]), tf.tensor2d(c.classifier, [v, h])];
      const ms = await timeTf(() => [logits(x, w)], reps);
      tf.dispose([x, w]);
      return ms;
    },
    async run(c, path, withGrad, reps) {
      const [n, h, v] = c.shape;
      const [x, w, labels] = [tf.tensor2d(c.hidden, [n, h]), tf.tensor2d(c.classifier, [v, h]), tf.tensor1d(c.target, "int32")];
      const lossOf = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
        (path === "TF.js"
          ? tf.losses.softmaxCrossEntropy(tf.oneHot(labels, v), logits(a, b))
          : losses.crossEntropy(logits(a, b), labels)) as tf.Scalar;
      // One call's TF.js tensors (the loss first; (b)'s forward: the logits, for our crossEntropy).
      const once = (): tf.Tensor[] => {
        if (withGrad) {
          const { value, grads } = tf.valueAndGrads(lossOf)([x, w]);
          return [value, ...grads];
        }
        return [path === "TF.js" ? tf.tidy(() => lossOf(x, w)) : logits(x, w)];
      };
      const sample = async (): Promise<number> => {
        const start = performance.now();
        const outs = once();
        if (!withGrad && path !== "TF.js") {
          const [z, t] = [view(outs[0] as tf.Tensor, "f32"), view(labels, "i32")];
          const loss = losses.xent.crossEntropy(z, t);
          await loss.read();
          [loss, z, t].forEach((u) => u.destroy());
        } else await (outs[0] as tf.Tensor).data();
        tf.dispose(outs);
        return performance.now() - start;
      };
      // The warm-up call, profiled for its peak memory.
      const before = tf.memory().numBytes;
      const profile = await tf.profile(() => once());
      const outs = profile.result as tf.Tensor[];
      await outs[0]?.data();
      tf.dispose(outs);
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) samples.push(await sample());
      tf.dispose([x, w, labels]);
      return { ms: median(samples), peakBytes: profile.peakBytes - before };
    },
  };
}

async function runBench(options: {
  shapes?: Shape2[];
  reps?: number;
  tfjs?: boolean;
  ops?: string[];
  training?: Shape2[];
  /** The linear + cross-entropy rows' shapes (none: skipped), and their reps. */
  linear?: Shape3[];
  linearReps?: number;
}) {
  out.textContent = "";
  if (options.tfjs !== false) {
    await tf.setBackend("webgpu");
    await tf.ready();
  }
  const xent = await Xent.create();
  const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter";
  log(`${navigator.userAgent}; adapter: ${adapter}; TF.js ${tf.version_core} (${tf.getBackend() ?? "no backend"})`);
  const result =
    options.shapes?.length === 0
      ? { rows: [], rooflines: {} }
      : await runSuite(xent, {
          env: "chromium",
          ...(options.shapes ? { shapes: options.shapes } : {}),
          reps: options.reps ?? 10,
          ...(options.tfjs !== false ? { tf: tfRunner } : {}),
          ...(options.ops ? { ops: options.ops } : {}),
          log,
        });
  const linear = options.linear?.length
    ? await runLinearSuite(xent, {
        env: "chromium",
        shapes: options.linear,
        reps: options.linearReps ?? 2,
        ...(options.tfjs !== false ? { tf: linearTfRunner() } : {}),
        log,
      })
    : [];
  xent.destroy();
  const training = options.tfjs !== false && options.training?.length ? await trainingSteps(options.training, options.reps ?? 10) : [];
  return { adapter, userAgent: navigator.userAgent, tfjs: tf.version_core, ...result, linear, training };
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
out.textContent = "ready";
