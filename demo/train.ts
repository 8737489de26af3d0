// The training section: a small MLP in TF.js on the visitor's GPU, trained with our cross-entropy
// and its gradient through webgpu-xent/tfjs, the decision boundary and the loss curve drawn live,
// TF.js's own softmaxCrossEntropy computed on the same logits at every step beside ours.
// TF.js loads only when the section starts.
import type * as TF from "@tensorflow/tfjs";
import { tfLosses, type TfLosses } from "../src/tfjs/index.js";

export interface TrainResult {
  /** Our loss per step, and TF.js's on the same logits. */
  ours: number[];
  theirs: number[];
  /** max |ours − theirs| / |theirs| over the steps. */
  maxRelDiff: number;
  stepsPerSecond: number;
  /** Training accuracy at the end (from xent's evaluator, checked against tf.argMax). */
  accuracy: number;
  /** tf.argMax's accuracy on the same logits. */
  tfAccuracy: number;
  /** The evaluator's metrics every 10 steps: one pass over the logits, one read. */
  evaluations: { step: number; accuracy: number; ece: number; confidence: number; macroF1: number }[];
}

export interface FitResult {
  /** model.fit's per-epoch loss with the adapter's loss. */
  history: number[];
  /** The same with a label out of range, as strings ("NaN": the loss is NaN on the GPU; JSON has no NaN). */
  badHistory: string[];
  /** What losses.check() said after the bad run. */
  badCheck: string;
  /** tf.memory().numTensors before and after the clean fit. */
  tensors: [number, number];
}

const kArms = 3;
const kPerArm = 100;

let setup: Promise<{ tf: typeof TF; losses: TfLosses }> | undefined;

/** TF.js on its webgpu backend (on the page's WebGPU) and the adapter's losses. */
export function tfAndLosses(): Promise<{ tf: typeof TF; losses: TfLosses }> {
  setup ??= (async () => {
    const tf = await import("@tensorflow/tfjs");
    await import("@tensorflow/tfjs-backend-webgpu");
    if (!(await tf.setBackend("webgpu"))) throw new Error("TF.js's webgpu backend did not start");
    await tf.ready();
    return { tf, losses: tfLosses(tf) };
  })();
  return setup;
}

/** Three arms of a spiral: points [n, 2] and their arm (class). */
function spiral(): { points: Float32Array; ids: Int32Array } {
  const n = kArms * kPerArm;
  const points = new Float32Array(2 * n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const arm = Math.floor(i / kPerArm);
    const r = (i % kPerArm) / kPerArm;
    const t = r * 2 * Math.PI + (arm * 2 * Math.PI) / kArms + 0.15 * Math.sin(7 * i);
    points.set([r * Math.sin(t), r * Math.cos(t)], 2 * i);
    ids[i] = arm;
  }
  return { points, ids };
}

const kColors = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
] as const;

/** The decision regions (class of the largest logit, paler where the model is unsure) and the points. */
async function drawBoundary(
  tf: typeof TF,
  canvas: HTMLCanvasElement,
  predict: (x: TF.Tensor) => TF.Tensor,
  points: Float32Array,
  ids: Int32Array,
) {
  const size = 64;
  const grid = new Float32Array(size * size * 2);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) grid.set([(x / (size - 1)) * 2.2 - 1.1, 1.1 - (y / (size - 1)) * 2.2], 2 * (y * size + x));
  const [probs, classes] = tf.tidy((): TF.Tensor[] => {
    const p = tf.softmax(predict(tf.tensor2d(grid, [size * size, 2])));
    return [tf.max(p, 1), tf.argMax(p, 1)];
  }) as [TF.Tensor, TF.Tensor];
  const [pv, cv] = await Promise.all([probs.data(), classes.data()]);
  tf.dispose([probs, classes]);
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = kColors[cv[i] as number] ?? [128, 128, 128];
    const a = 0.25 + 0.5 * ((pv[i] as number) - 1 / kArms) * 1.5;
    image.data.set([255 - (255 - r) * a, 255 - (255 - g) * a, 255 - (255 - b) * a, 255], 4 * i);
  }
  const scratch = new OffscreenCanvas(size, size);
  (scratch.getContext("2d") as OffscreenCanvasRenderingContext2D).putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  for (let i = 0; i < ids.length; i++) {
    const [r, g, b] = kColors[ids[i] as number] ?? [0, 0, 0];
    ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
    ctx.beginPath();
    const px = (((points[2 * i] as number) + 1.1) / 2.2) * canvas.width;
    const py = ((1.1 - (points[2 * i + 1] as number)) / 2.2) * canvas.height;
    ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** The loss curves: ours solid, TF.js's on the same logits dashed (they coincide). */
function drawCurve(canvas: HTMLCanvasElement, ours: number[], theirs: number[], steps: number): void {
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const top = Math.max(1.2, ...ours);
  const at = (k: number, v: number): [number, number] => [
    24 + (k / Math.max(1, steps - 1)) * (canvas.width - 32),
    8 + (1 - v / top) * (canvas.height - 24),
  ];
  ctx.strokeStyle = "#d0d7de";
  ctx.strokeRect(24, 8, canvas.width - 32, canvas.height - 24);
  ctx.fillStyle = "#57606a";
  ctx.font = "11px system-ui";
  ctx.fillText(top.toFixed(1), 2, 14);
  ctx.fillText("0", 12, canvas.height - 14);
  ctx.fillStyle = "#0969da";
  ctx.fillText("— webgpu-xent", canvas.width - 170, 22);
  ctx.fillStyle = "#cf222e";
  ctx.fillText("- - TF.js, same logits", canvas.width - 170, 36);
  for (const [values, color, dash] of [
    [ours, "#0969da", []],
    [theirs, "#cf222e", [4, 4]],
  ] as const) {
    ctx.strokeStyle = color;
    ctx.setLineDash([...dash]);
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((v, k) => (k === 0 ? ctx.moveTo(...at(k, v)) : ctx.lineTo(...at(k, v))));
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** Trains the MLP for `steps` Adam steps with our loss, drawing as it goes. */
export async function train(
  boundary: HTMLCanvasElement,
  curve: HTMLCanvasElement,
  steps: number,
  onStep: (step: number, ours: number, theirs: number, stepsPerSecond: number) => void,
  onEvaluation: (e: TrainResult["evaluations"][number]) => void = () => {},
): Promise<TrainResult> {
  const { tf, losses } = await tfAndLosses();
  const { points, ids } = spiral();
  const n = ids.length;
  const X = tf.tensor2d(points, [n, 2]);
  const labels = tf.tensor1d(ids, "int32");
  const oneHot = tf.oneHot(labels, kArms);
  const W1 = tf.variable(tf.randomNormal([2, 32], 0, 2, "float32", 1));
  const b1 = tf.variable(tf.zeros([32]));
  const W2 = tf.variable(tf.randomNormal([32, kArms], 0, 0.3, "float32", 2));
  const b2 = tf.variable(tf.zeros([kArms]));
  const predict = (x: TF.Tensor): TF.Tensor => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2);
  const optimizer = tf.train.adam(0.1);
  const ours: number[] = [];
  const theirs: number[] = [];
  let trainingMs = 0;
  // Accuracy, calibration and F1 live: the evaluator's one pass over the logits, one read.
  const evaluator = losses.evaluator({ topK: [1, 2], confusion: true });
  const evaluations: TrainResult["evaluations"] = [];
  const evaluate = async (step: number): Promise<void> => {
    evaluator.reset();
    const logits = tf.tidy(() => predict(X));
    evaluator.add(logits, labels);
    logits.dispose();
    const m = await evaluator.read();
    const e = { step, accuracy: m.accuracy, ece: m.ece, confidence: m.confidence, macroF1: m.confusion?.macroF1 ?? NaN };
    evaluations.push(e);
    onEvaluation(e);
  };
  for (let step = 0; step < steps; step++) {
    const start = performance.now();
    let reference: TF.Tensor | undefined;
    const loss = optimizer.minimize(() => {
      const logits = predict(X);
      // TF.js's own loss on the same logits, kept out of the gradient's tidy to be read after.
      reference = tf.keep(tf.losses.softmaxCrossEntropy(oneHot, logits));
      return losses.crossEntropy(logits, labels) as TF.Scalar;
    }, true) as TF.Scalar;
    const [mine, tfs] = await Promise.all([loss.data(), (reference as TF.Tensor).data()]);
    trainingMs += performance.now() - start;
    tf.dispose([loss, reference]);
    ours.push(mine[0] as number);
    theirs.push(tfs[0] as number);
    const perSecond = (1000 * (step + 1)) / trainingMs;
    onStep(step, mine[0] as number, tfs[0] as number, perSecond);
    if (step % 10 === 9 || step === steps - 1) {
      await drawBoundary(tf, boundary, predict, points, ids);
      drawCurve(curve, ours, theirs, steps);
      await evaluate(step);
    }
  }
  await losses.check();
  const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(predict(X), 1), labels), "float32")));
  const tfAccuracy = (await accuracy.data())[0] as number;
  evaluator.destroy();
  tf.dispose([X, labels, oneHot, W1, b1, W2, b2, accuracy]);
  optimizer.dispose();
  const maxRelDiff = Math.max(...ours.map((v, k) => Math.abs(v - (theirs[k] as number)) / Math.abs(theirs[k] as number)));
  const last = evaluations.at(-1);
  return {
    ours,
    theirs,
    maxRelDiff,
    stepsPerSecond: (1000 * steps) / trainingMs,
    accuracy: last?.accuracy ?? NaN,
    tfAccuracy,
    evaluations,
  };
}

/** model.compile / model.fit with the adapter's Keras-named loss, clean and with a bad label. */
export async function fitCheck(): Promise<FitResult> {
  const { tf, losses } = await tfAndLosses();
  const { points, ids } = spiral();
  const n = ids.length;
  const fit = async (labels: Float32Array, epochs: number): Promise<number[]> => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 32,
          activation: "relu",
          inputShape: [2],
          kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: 1 }),
        }),
        tf.layers.dense({ units: kArms, kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 2 }) }),
      ],
    });
    const optimizer = tf.train.adam(0.1);
    losses.compile(model, { optimizer, loss: "sparseCategoricalCrossentropy", fromLogits: true });
    const [X, y] = [tf.tensor2d(points, [n, 2]), tf.tensor2d(labels, [n, 1])];
    const history = await model.fit(X, y, { epochs, batchSize: n, shuffle: false, verbose: 0 });
    tf.dispose([X, y]);
    model.dispose();
    optimizer.dispose();
    return (history.history.loss as number[]).map(Number);
  };
  const before = tf.memory().numTensors;
  const history = await fit(Float32Array.from(ids), 30);
  await losses.check();
  const after = tf.memory().numTensors;
  const bad = Float32Array.from(ids);
  bad[5] = 7;
  const badHistory = (await fit(bad, 2)).map(String);
  const badCheck = await losses.check().then(
    () => "passed",
    (e: unknown) => String(e),
  );
  return { history, badHistory, badCheck, tensors: [before, after] };
}
