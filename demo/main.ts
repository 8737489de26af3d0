// The demo page: softmax and cross-entropy on the visitor's GPU with live throughput, checked
// against the float64 CPU reference, the tutorials' numbers computed on the GPU, and an MLP trained in
// TF.js with our loss (demo/train.ts).
// The chart is plain SVG: a few bars need no charting library, and the static build stays small.
import { Xent } from "../src/index.js";
import * as ref from "../src/reference/index.js";
import { tutorialNumbers } from "./tutorial.js";
import { fitCheck, train, type TrainResult } from "./train.js";
import { generate, renderGenerated, type GenerateOptions, type GenerateResult } from "./generate.js";
import { compareWithTfjs, renderComparison, type Comparison } from "./compare.js";

export interface DemoResult {
  shape: [number, number];
  op: "softmax" | "crossEntropy";
  msPerCall: number;
  gbPerSecond: number;
  rowsPerSecond: number;
  gpuLoss?: number;
  cpuLoss?: number;
  maxAbsError: number;
}

const presets: [string, number, number][] = [
  ["[4096, 10]  MNIST-sized batch", 4096, 10],
  ["[1024, 1000]  ImageNet classes", 1024, 1000],
  ["[64, 32000]  LLaMA-2 vocabulary", 64, 32000],
  ["[4, 128256]  LLaMA-3 vocabulary", 4, 128256],
];

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const results: DemoResult[] = [];

function showNoWebGPU(reason: string): void {
  $("no-webgpu").hidden = false;
  $("no-webgpu-reason").textContent = reason;
}

function logitsFor(n: number, c: number): { logits: Float32Array; labels: Int32Array } {
  const logits = new Float32Array(n * c);
  for (let i = 0; i < logits.length; i++) logits[i] = ((Math.sin(i * 12.9898) * 43758.5453) % 1) * 8;
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7919) % c);
  return { logits, labels };
}

/** Runs `calls` softmax and cross-entropy calls, 5 per submit, reporting progress; then checks against the CPU. */
async function run(xent: Xent, n: number, c: number, calls: number, onProgress: (f: number) => void): Promise<DemoResult[]> {
  const { logits, labels } = logitsFor(n, c);
  const x = xent.tensor(logits, [n, c]);
  const t = xent.tensor(labels, [n]);
  const out: DemoResult[] = [];
  const input = ref.refTensor(logits, [n, c]);
  for (const [k, op] of (["softmax", "crossEntropy"] as const).entries()) {
    const once = (encoder: GPUCommandEncoder) => (op === "softmax" ? xent.softmax(x, { encoder }) : xent.crossEntropy(x, t, { encoder }));
    const warm = xent.device.createCommandEncoder();
    const w = once(warm);
    xent.device.queue.submit([warm.finish()]);
    await w.read();
    w.destroy();
    const start = performance.now();
    let last = w;
    for (let done = 0; done < calls;) {
      const encoder = xent.device.createCommandEncoder();
      const batch: ReturnType<typeof once>[] = [];
      for (let j = 0; j < 5 && done < calls; j++, done++) batch.push(once(encoder));
      xent.device.queue.submit([encoder.finish()]);
      await xent.device.queue.onSubmittedWorkDone();
      onProgress((k + done / calls) / 2);
      last = batch.pop() as typeof w;
      batch.forEach((b) => b.destroy());
    }
    const ms = (performance.now() - start) / calls;
    const gpu = await last.read();
    last.destroy();
    const bytes = n * c * 4 * (op === "softmax" ? 2 : 1);
    const result: DemoResult = {
      shape: [n, c],
      op,
      msPerCall: ms,
      gbPerSecond: bytes / ms / 1e6,
      rowsPerSecond: (n / ms) * 1000,
      maxAbsError: 0,
    };
    if (op === "softmax") {
      const cpu = ref.softmax(input).data;
      for (let i = 0; i < cpu.length; i++)
        result.maxAbsError = Math.max(result.maxAbsError, Math.abs((gpu[i] as number) - (cpu[i] as number)));
    } else {
      const gpuLoss = gpu[0] ?? NaN;
      const cpuLoss = ref.crossEntropy(input, ref.refTensor(labels, [n])).data[0] ?? NaN;
      result.gpuLoss = gpuLoss;
      result.cpuLoss = cpuLoss;
      result.maxAbsError = Math.abs(gpuLoss - cpuLoss);
    }
    out.push(result);
  }
  x.destroy();
  t.destroy();
  return out;
}

function renderResults(): void {
  const fmt = (v: number | undefined, d = 3): string => (v === undefined ? "–" : v.toFixed(d));
  $("results").querySelector("tbody")!.innerHTML = results
    .map(
      (r) =>
        `<tr><td>[${r.shape.join(", ")}]</td><td>${r.op}</td><td>${fmt(r.msPerCall)}</td><td>${fmt(r.gbPerSecond, 2)}</td>` +
        `<td>${Math.round(r.rowsPerSecond).toLocaleString("en")}</td><td>${fmt(r.gpuLoss, 6)}</td><td>${fmt(r.cpuLoss, 6)}</td><td>${r.maxAbsError.toExponential(1)}</td></tr>`,
    )
    .join("");
  const svg = $("chart") as unknown as SVGSVGElement;
  const width = svg.clientWidth || 800;
  const height = 220;
  const max = Math.max(...results.map((r) => r.gbPerSecond), 1e-9);
  const barW = Math.min(96, (width - 20) / Math.max(1, results.length));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.innerHTML = results
    .map((r, i) => {
      const h = (r.gbPerSecond / max) * (height - 50);
      const x = 10 + i * barW;
      const color = r.op === "softmax" ? "#0969da" : "#bf3989";
      return (
        `<rect x="${x}" y="${height - 30 - h}" width="${barW - 6}" height="${h}" fill="${color}"><title>${r.op} [${r.shape}] ${r.gbPerSecond.toFixed(2)} GB/s</title></rect>` +
        `<text x="${x}" y="${height - 34 - h}">${r.gbPerSecond.toFixed(1)}</text>` +
        `<text x="${x}" y="${height - 16}">${r.op === "softmax" ? "softmax" : "CE"}</text>` +
        `<text x="${x}" y="${height - 3}">${r.shape[0]}×${r.shape[1]}</text>`
      );
    })
    .join("");
}

async function main(): Promise<void> {
  if (!("gpu" in navigator)) return showNoWebGPU("navigator.gpu is missing: this browser has WebGPU switched off or does not have it.");
  let xent: Xent;
  try {
    xent = await Xent.create();
  } catch (e) {
    return showNoWebGPU(String((e as Error).message ?? e));
  }
  const info = (xent.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  $("adapter").textContent = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "your GPU";
  $("app").hidden = false;

  const preset = $<HTMLSelectElement>("preset");
  preset.innerHTML =
    presets.map(([name], i) => `<option value="${i}">${name}</option>`).join("") + `<option value="custom">custom</option>`;
  preset.value = "1";
  preset.addEventListener("change", () => {
    const p = presets[Number(preset.value)];
    if (p) {
      $<HTMLInputElement>("rows").value = String(p[1]);
      $<HTMLInputElement>("classes").value = String(p[2]);
    }
  });
  const runShape = async (n: number, c: number, calls: number): Promise<DemoResult[]> => {
    const button = $<HTMLButtonElement>("run");
    button.disabled = true;
    try {
      const r = await run(xent, n, c, calls, (f) => ($<HTMLProgressElement>("progress").value = f));
      results.push(...r);
      renderResults();
      return r;
    } finally {
      button.disabled = false;
    }
  };
  $("run-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runShape(
      Number($<HTMLInputElement>("rows").value),
      Number($<HTMLInputElement>("classes").value),
      Number($<HTMLInputElement>("calls").value),
    );
  });

  const lines = await tutorialNumbers(xent);
  $("math").querySelector("tbody")!.innerHTML = lines
    .map(
      (l) =>
        `<tr><td>${l.what}</td><td>${l.value.toFixed(6)}</td><td>${l.expected === undefined ? "" : `tutorial: ${l.expected}`}</td></tr>`,
    )
    .join("");

  const compareButton = $<HTMLButtonElement>("compare");
  const runComparison = async (n: number, c: number, calls = 10): Promise<Comparison> => {
    compareButton.disabled = true;
    try {
      const { logits, labels } = logitsFor(n, c);
      const r = await compareWithTfjs(n, c, calls, logits, labels);
      renderComparison($("compare-chart") as unknown as SVGSVGElement, $("compare-table").querySelector("tbody")!, r);
      return r;
    } finally {
      compareButton.disabled = false;
    }
  };
  $("compare-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runComparison(Number($<HTMLInputElement>("rows").value), Number($<HTMLInputElement>("classes").value));
  });

  const trainButton = $<HTMLButtonElement>("train");
  const runTraining = async (steps = 100): Promise<TrainResult> => {
    trainButton.disabled = true;
    try {
      const stats = $("train-stats");
      const evalStats = $("eval-stats");
      const result = await train(
        $<HTMLCanvasElement>("boundary"),
        $<HTMLCanvasElement>("curve"),
        steps,
        (step, ours, theirs, perSecond) => {
          stats.textContent = `step ${step + 1}: loss ${ours.toFixed(5)} (webgpu-xent), ${theirs.toFixed(5)} (TF.js, same logits), ${perSecond.toFixed(1)} steps/s`;
        },
        (e) => {
          evalStats.textContent = `after step ${e.step + 1}: accuracy ${(100 * e.accuracy).toFixed(1)} %, mean confidence ${(100 * e.confidence).toFixed(1)} %, ECE ${e.ece.toFixed(3)}, macro F1 ${e.macroF1.toFixed(3)} (xent.evaluator: one pass, one read)`;
        },
      );
      stats.textContent += `; training accuracy ${(100 * result.accuracy).toFixed(1)} %, largest relative difference ${result.maxRelDiff.toExponential(1)}`;
      return result;
    } finally {
      trainButton.disabled = false;
    }
  };
  $("train-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runTraining();
  });

  const generateButton = $<HTMLButtonElement>("generate");
  const sliders = (): GenerateOptions => ({
    temperature: Number($<HTMLInputElement>("temperature").value),
    topK: Number($<HTMLInputElement>("top-k").value),
    topP: Number($<HTMLInputElement>("top-p").value),
    minP: Number($<HTMLInputElement>("min-p").value),
    seed: Number($<HTMLInputElement>("seed").value),
  });
  const runGeneration = async (options: GenerateOptions = sliders()): Promise<GenerateResult> => {
    generateButton.disabled = true;
    try {
      const o = { ...sliders(), ...options };
      // The sliders show what runs (a test may pass its own options).
      for (const [id, value] of [
        ["temperature", o.temperature],
        ["top-k", o.topK],
        ["top-p", o.topP],
        ["min-p", o.minP],
        ["seed", o.seed],
      ] as const)
        $<HTMLInputElement>(id).value = String(value);
      $("generate-settings").textContent =
        `temperature ${o.temperature}, top-k ${o.topK || "off"}, top-p ${o.topP}, min-p ${o.minP || "off"}, seed ${o.seed}`;
      const stats = $("generate-stats");
      const result = await generate(o, (step, loss) => {
        if (step % 10 === 9) stats.textContent = `training step ${step + 1}: loss ${loss.toFixed(3)} nats/char`;
      });
      renderGenerated($("generated"), result, o.prompt ?? "the ");
      stats.textContent = `trained ${result.losses.length} steps (loss ${result.losses[0]?.toFixed(2)} → ${result.losses.at(-1)?.toFixed(2)} nats/char); ${result.chars.length} characters sampled on the GPU, ${result.msPerToken.toFixed(1)} ms each`;
      return result;
    } finally {
      generateButton.disabled = false;
    }
  };
  $("generate-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runGeneration();
  });

  // For the browser end-to-end tests.
  (window as unknown as { xentDemo: unknown }).xentDemo = {
    adapter: $("adapter").textContent,
    tutorial: lines,
    runPreset: (i: number, calls = 3) => runShape(presets[i]![1], presets[i]![2], calls),
    runShape,
    compare: (i: number, calls = 5) => runComparison(presets[i]![1], presets[i]![2], calls),
    train: runTraining,
    fitCheck,
    generate: runGeneration,
    /** The library's GPU-vs-reference checks, in this page. */
    async selfTest(): Promise<{ what: string; maxError: number }[]> {
      const checks: { what: string; maxError: number }[] = [];
      for (const [n, c, dim] of [
        [33, 7, 1],
        [4, 1001, 1],
        [3, 5, 0],
      ] as const) {
        const { logits, labels } = logitsFor(n, c);
        const x = xent.tensor(logits, [n, c]);
        const input = ref.refTensor(logits, [n, c]);
        const sm = await xent.softmax(x, { dim }).read();
        const want = ref.softmax(input, { dim }).data;
        checks.push({
          what: `softmax [${n}, ${c}] dim ${dim}`,
          maxError: Math.max(...Array.from(sm, (v, i) => Math.abs(v - (want[i] as number)))),
        });
        const ce = (await xent.crossEntropy(x, xent.tensor(labels, [n]), { labelSmoothing: 0.1 }).read())[0] as number;
        checks.push({
          what: `crossEntropy [${n}, ${c}]`,
          maxError: Math.abs(ce - (ref.crossEntropy(input, ref.refTensor(labels, [n]), { labelSmoothing: 0.1 }).data[0] as number)),
        });
      }
      return checks;
    },
  };
  document.body.dataset.ready = "true";
}

void main();
