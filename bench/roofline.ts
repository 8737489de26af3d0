/**
 * The roofline kernels (bench/shaders/roofline.wgsl): the least work that touches every byte — a read, a
 * copy, and each with one exp per element (the compute floors) — and their tuning by a workgroup ×
 * chunk sweep. Used by the benchmark (suite.ts) and by the demo's comparison panel.
 */
import rooflineWgsl from "./shaders/roofline.wgsl?raw";
import type { Timer } from "./timing.js";

export interface RooflineChoice {
  kind: "read" | "copy" | "read+exp" | "copy+exp";
  wg: number;
  vecPerGroup: number;
  ms: number;
}

const kRoofline = { name: "bench-roofline", code: rooflineWgsl };

export function makeRoofline(device: GPUDevice) {
  const module = device.createShaderModule({ code: kRoofline.code, label: "bench:roofline" });
  const pipelines = new Map<string, GPUComputePipeline>();
  return (copy: boolean, wg: number, vecPerGroup: number, exp = false): GPUComputePipeline => {
    const key = `${copy}:${exp}:${wg}:${vecPerGroup}`;
    let p = pipelines.get(key);
    if (!p) {
      p = device.createComputePipeline({
        layout: "auto",
        label: `bench:roofline:${key}`,
        compute: { module, entryPoint: "main", constants: { WG: wg, VEC_PER_GROUP: vecPerGroup, COPY: copy ? 1 : 0, EXP: exp ? 1 : 0 } },
      });
      pipelines.set(key, p);
    }
    return p;
  };
}

/** Records a roofline dispatch over `src` (vec4 count `vecs`) into `dst`. */
export function rooflineRecorder(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  src: GPUBuffer,
  dst: GPUBuffer,
  vecs: number,
  vecPerGroup: number,
) {
  const groups = Math.ceil(vecs / vecPerGroup);
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  const y = Math.ceil(groups / max);
  const x = Math.ceil(groups / y);
  const uniform = device.createBuffer({ size: 16, usage: 0x40 | 0x8, label: "bench:roofline:params" });
  // shift = 4 (as f32 bits): exp(x − 4) of the bench's logits in [−4, 4] stays finite.
  device.queue.writeBuffer(uniform, 0, new Uint32Array([groups, vecs, 0x40800000, 0]));
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: uniform } },
      { binding: 1, resource: { buffer: src } },
      { binding: 2, resource: { buffer: dst } },
    ],
  });
  return {
    record(encoder: GPUCommandEncoder) {
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y);
      pass.end();
    },
    destroy: () => uniform.destroy(),
  };
}

/** How many ops per submit give about `targetMs` of work, from one pilot op. */
export async function batchSize(
  timer: Timer,
  record: (e: GPUCommandEncoder) => void,
  targetMs: number,
  cleanup: () => void,
): Promise<number> {
  const pilot = await timer.time(record, 1, 2, cleanup);
  return Math.max(1, Math.min(64, Math.round(targetMs / Math.max(pilot, 1e-3))));
}

export interface TuneOptions {
  copy: boolean;
  exp: boolean;
  /** ms of GPU work per timed submit. */
  targetMs: number;
  reps: number;
}

/** The fastest roofline of the sweep over `src` (vecs vec4s), timed again at full length, and every choice tried. */
export async function tuneRoofline(
  device: GPUDevice,
  timer: Timer,
  roofline: ReturnType<typeof makeRoofline>,
  src: GPUBuffer,
  dst: GPUBuffer,
  vecs: number,
  o: TuneOptions,
): Promise<{ chosen: RooflineChoice; choices: RooflineChoice[] }> {
  const kind: RooflineChoice["kind"] = o.copy ? (o.exp ? "copy+exp" : "copy") : o.exp ? "read+exp" : "read";
  let best: RooflineChoice | undefined;
  const choices: RooflineChoice[] = [];
  for (const wg of [4, 16, 64, 256])
    for (const perLane of [4, 64, 1024]) {
      const vecPerGroup = wg * perLane;
      if (vecPerGroup > vecs * 4 && perLane > 4) continue;
      const r = rooflineRecorder(device, roofline(o.copy, wg, vecPerGroup, o.exp), src, dst, vecs, vecPerGroup);
      const record = (e: GPUCommandEncoder): void => r.record(e);
      const k = await batchSize(timer, record, o.targetMs / 3, () => {});
      const ms = await timer.time(record, k, 3);
      r.destroy();
      const choice = { kind, wg, vecPerGroup, ms };
      choices.push(choice);
      if (!best || ms < best.ms) best = choice;
    }
  const chosen = best as RooflineChoice;
  const r = rooflineRecorder(device, roofline(o.copy, chosen.wg, chosen.vecPerGroup, o.exp), src, dst, vecs, chosen.vecPerGroup);
  const record = (e: GPUCommandEncoder): void => r.record(e);
  const k = await batchSize(timer, record, o.targetMs, () => {});
  chosen.ms = await timer.time(record, k, o.reps);
  r.destroy();
  return { chosen, choices };
}
