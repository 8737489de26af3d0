// The comparison panel: for one shape, our crossEntropy and TF.js's tf.losses.softmaxCrossEntropy
// on the same GPUDevice (TF.js's webgpu backend's; our Xent is made on it) in the same run, beside
// the device's floors measured on the same logits buffer: a read of every byte, and a read with one
// exp per element (bench/roofline.ts, tuned as `npm run bench` tunes them).
// Two clocks: the GPU time of our kernels and the floors (timestamp queries where the device has
// them, else the submit's wall time), and the wall time of one call synced by reading the loss back,
// ours and TF.js's alike (what an app waits for).
import type { Tensor } from "../src/index.js";
import { makeRoofline, tuneRoofline } from "../bench/roofline.js";
import { makeTimer, median } from "../bench/timing.js";
import { tfAndLosses } from "./train.js";

export interface Comparison {
  shape: [number, number];
  /** GPU ms per call of our crossEntropy, and of the two floors. */
  oursGpuMs: number;
  readFloorMs: number;
  readExpFloorMs: number;
  /** Wall ms per call, synced by reading the loss: ours and TF.js's. */
  oursWallMs: number;
  tfjsWallMs: number;
  /** tfjsWallMs / oursWallMs. */
  speedup: number;
  /** Logit bytes read per ms of our GPU time, in GB/s. */
  gbPerSecond: number;
  oursLoss: number;
  tfjsLoss: number;
  /** |ours − TF.js's| / |TF.js's|. */
  relDiff: number;
  timing: string;
}

export async function compareWithTfjs(n: number, c: number, calls: number, logits: Float32Array, labels: Int32Array): Promise<Comparison> {
  const { tf, losses } = await tfAndLosses();
  const xent = losses.xent;
  const device = xent.device;
  const x = xent.tensor(logits, [n, c]);
  const t = xent.tensor(labels, [n]);
  const tfLogits = tf.tensor2d(logits, [n, c]);
  const tfOneHot = tf.oneHot(tf.tensor1d(labels, "int32"), c);
  const oursOnce = async (): Promise<number> => {
    const loss = xent.crossEntropy(x, t);
    const v = (await loss.read())[0] as number;
    loss.destroy();
    return v;
  };
  const tfjsOnce = async (): Promise<number> => {
    const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(tfOneHot, tfLogits));
    const v = (await loss.data())[0] as number;
    loss.dispose();
    return v;
  };
  // Warm-up: pipelines compiled, TF.js's programs built.
  const oursLoss = await oursOnce();
  const tfjsLoss = await tfjsOnce();
  const wall = async (once: () => Promise<number>): Promise<number> => {
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await once();
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  // Interleaved halves, so neither side gets the warmer half of the run.
  const oursWallA = await wall(oursOnce);
  const tfjsWallA = await wall(tfjsOnce);
  const oursWallB = await wall(oursOnce);
  const tfjsWallB = await wall(tfjsOnce);
  const oursWallMs = Math.min(oursWallA, oursWallB);
  const tfjsWallMs = Math.min(tfjsWallA, tfjsWallB);

  const timer = makeTimer(device);
  const outs: Tensor[] = [];
  const record = (encoder: GPUCommandEncoder): void => void outs.push(xent.crossEntropy(x, t, { encoder }));
  const k = 8;
  const oursGpuMs = await timer.time(record, k, 3, () => outs.splice(0).forEach((o) => o.destroy()));
  const vecs = Math.ceil((n * c) / 4);
  const scratch = device.createBuffer({ size: Math.max(16, vecs * 16), usage: 0x80 | 0x4 | 0x8, label: "demo:floor-dst" });
  const roofline = makeRoofline(device);
  const floor = async (exp: boolean): Promise<number> =>
    (await tuneRoofline(device, timer, roofline, x.buffer, scratch, vecs, { copy: false, exp, targetMs: 20, reps: 3 })).chosen.ms;
  const readFloorMs = await floor(false);
  const readExpFloorMs = await floor(true);
  scratch.destroy();
  timer.destroy();
  x.destroy();
  t.destroy();
  tf.dispose([tfLogits, tfOneHot]);
  return {
    shape: [n, c],
    oursGpuMs,
    readFloorMs,
    readExpFloorMs,
    oursWallMs,
    tfjsWallMs,
    speedup: tfjsWallMs / oursWallMs,
    gbPerSecond: (n * c * 4) / oursGpuMs / 1e6,
    oursLoss,
    tfjsLoss,
    relDiff: Math.abs(oursLoss - tfjsLoss) / Math.abs(tfjsLoss),
    timing: timer.source,
  };
}

/** The comparison as bars (ms, shorter is faster): the floors, ours, TF.js's; one scale. */
export function renderComparison(svg: SVGSVGElement, table: HTMLElement, r: Comparison): void {
  const bars: [string, number, string][] = [
    ["floor: read every byte (GPU)", r.readFloorMs, "#8c959f"],
    ["floor: read + one exp per element (GPU)", r.readExpFloorMs, "#57606a"],
    ["webgpu-xent crossEntropy (GPU)", r.oursGpuMs, "#bf3989"],
    ["webgpu-xent, one call read back (wall)", r.oursWallMs, "#8250df"],
    ["TF.js softmaxCrossEntropy, read back (wall)", r.tfjsWallMs, "#fb8500"],
  ];
  const width = svg.clientWidth || 800;
  const row = 26;
  const label = 300;
  const max = Math.max(...bars.map((b) => b[1]), 1e-9);
  svg.setAttribute("viewBox", `0 0 ${width} ${bars.length * row + 10}`);
  svg.innerHTML = bars
    .map(([name, ms, color], i) => {
      const w = Math.max(1, (ms / max) * (width - label - 90));
      const y = 5 + i * row;
      return (
        `<text x="0" y="${y + 15}">${name}</text>` +
        `<rect x="${label}" y="${y}" width="${w}" height="${row - 8}" fill="${color}"><title>${name}: ${ms.toFixed(3)} ms</title></rect>` +
        `<text x="${label + w + 6}" y="${y + 15}">${ms.toFixed(ms < 10 ? 3 : 1)} ms</text>`
      );
    })
    .join("");
  table.innerHTML =
    `<tr><th>shape</th><td>[${r.shape.join(", ")}]</td></tr>` +
    `<tr><th>speed-up vs TF.js (wall, read back)</th><td id="speedup">${r.speedup.toFixed(1)}×</td></tr>` +
    `<tr><th>our GPU time / read floor, / read+exp floor</th><td>${(r.oursGpuMs / r.readFloorMs).toFixed(2)}×, ${(r.oursGpuMs / r.readExpFloorMs).toFixed(2)}×</td></tr>` +
    `<tr><th>GB/s (logits read, our GPU time)</th><td>${r.gbPerSecond.toFixed(2)}</td></tr>` +
    `<tr><th>loss: ours, TF.js's, relative difference</th><td>${r.oursLoss.toFixed(7)}, ${r.tfjsLoss.toFixed(7)}, ${r.relDiff.toExponential(1)}</td></tr>` +
    `<tr><th>GPU clock</th><td>${r.timing === "gpu-timestamp" ? "timestamp queries" : "submit wall time (no timestamp-query)"}</td></tr>`;
}
