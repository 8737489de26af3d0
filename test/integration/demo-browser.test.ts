// Browser end-to-end: the built demo in headless Chromium (system chromium, WebGPU on SwiftShader):
// the reported loss equals the reference, throughput is positive, the library's GPU-vs-reference
// checks pass in the page, and without WebGPU the page says how to enable it. Screenshots go to
// test-output/ for a reviewer.
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "puppeteer-core";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../bench/chromium.js";
import type { DemoResult } from "../../demo/main.js";
import type { Comparison } from "../../demo/compare.js";
import type { FitResult, TrainResult } from "../../demo/train.js";
import type { GenerateOptions, GenerateResult } from "../../demo/generate.js";
import { countGpuCase } from "../helpers/gpu.js";

const root = new URL("../..", import.meta.url).pathname;
const shots = new URL("../../test-output/", import.meta.url).pathname;
let server: PreviewServer;
let browser: Browser;
let url: string;

interface DemoHandle {
  adapter: string;
  tutorial: { what: string; value: number; expected?: number }[];
  runPreset(i: number, calls?: number): Promise<DemoResult[]>;
  compare(i: number, calls?: number): Promise<Comparison>;
  selfTest(): Promise<{ what: string; maxError: number }[]>;
  train(steps?: number): Promise<TrainResult>;
  fitCheck(): Promise<FitResult>;
  generate(o: GenerateOptions): Promise<GenerateResult>;
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  await build({ configFile: `${root}demo/vite.config.ts`, logLevel: "error" });
  server = await preview({ configFile: `${root}demo/vite.config.ts`, logLevel: "error", preview: { port: 0, host: "127.0.0.1" } });
  const address = server.httpServer.address() as AddressInfo;
  url = `http://127.0.0.1:${address.port}/`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
});

async function openDemo(): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 1400 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // No console error either (a missing favicon is one: "Failed to load resource … 404").
  page.on("console", (m) => void (m.type() === "error" && errors.push(`console: ${m.text()}`)));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === "true" || !document.getElementById("no-webgpu")?.hidden, {
    timeout: 120_000,
  });
  expect(errors).toEqual([]);
  return page;
}

describe("demo in headless Chromium", () => {
  // The adapter the page reports, for the run's GPU-case count.
  let chromiumAdapter = "Chromium";

  it("shows the tutorials' numbers computed on the GPU", async () => {
    const page = await openDemo();
    const demo = await page.evaluate(() => {
      const d = (window as unknown as { xentDemo: DemoHandle }).xentDemo;
      return { adapter: d.adapter, tutorial: d.tutorial };
    });
    expect(demo.adapter.length).toBeGreaterThan(0);
    chromiumAdapter = `Chromium: ${demo.adapter}`;
    // The tutorials' worked numbers: every one shown and checked (an empty list must fail).
    expect(demo.tutorial.filter((l) => l.expected !== undefined).length).toBeGreaterThanOrEqual(5);
    for (const line of demo.tutorial)
      if (line.expected !== undefined) expect(Math.abs(line.value - line.expected), line.what).toBeLessThan(1e-4);
    expect(await page.$eval("#math tbody", (t) => t.children.length)).toBe(demo.tutorial.length);
    await page.close();
  });

  it("runs presets: the reported loss equals the CPU reference and throughput is positive", async () => {
    const page = await openDemo();
    for (const preset of [0, 1]) {
      const results = await page.evaluate((i) => (window as unknown as { xentDemo: DemoHandle }).xentDemo.runPreset(i, 3), preset);
      for (const r of results) {
        expect(r.gbPerSecond).toBeGreaterThan(0);
        expect(r.rowsPerSecond).toBeGreaterThan(0);
        if (r.op === "crossEntropy")
          expect(Math.abs((r.gpuLoss as number) - (r.cpuLoss as number))).toBeLessThan(1e-5 * Math.abs(r.cpuLoss as number));
        else expect(r.maxAbsError).toBeLessThan(1e-6);
      }
      // In-page comparisons with the CPU reference (float64), on Chromium's WebGPU.
      countGpuCase(results.length, chromiumAdapter);
    }
    expect(await page.$$eval("#results tbody tr", (rows) => rows.length)).toBe(4);
    expect(await page.$$eval("#chart rect", (bars) => bars.length)).toBe(4);
    await page.screenshot({ path: `${shots}demo.png`, fullPage: true });
    await page.close();
  });

  it("compares our crossEntropy with TF.js's on the same device: shown with the floors, equal within 1e-5", async () => {
    const page = await openDemo();
    const r = await page.evaluate(() => (window as unknown as { xentDemo: DemoHandle }).xentDemo.compare(1, 3));
    expect(r.shape).toEqual([1024, 1000]);
    expect(r.relDiff).toBeLessThan(1e-5);
    for (const ms of [r.oursGpuMs, r.readFloorMs, r.readExpFloorMs, r.oursWallMs, r.tfjsWallMs]) expect(ms).toBeGreaterThan(0);
    // A floor is a floor: our kernel cannot beat a read of the same bytes by much (timer noise aside).
    expect(r.oursGpuMs).toBeGreaterThan(0.5 * r.readFloorMs);
    expect(r.speedup).toBeCloseTo(r.tfjsWallMs / r.oursWallMs, 10);
    // The chart (two floors, ours twice, TF.js) and the table with the speed-up are on the page.
    expect(await page.$$eval("#compare-chart rect", (bars) => bars.length)).toBe(5);
    expect(await page.$eval("#speedup", (e) => e.textContent)).toBe(`${r.speedup.toFixed(1)}×`);
    expect(await page.$eval("#compare-table", (e) => e.textContent)).toMatch(/read floor/);
    await page.screenshot({ path: `${shots}demo-compare.png`, fullPage: true });
    await page.close();
  });

  it("runs the library's GPU-vs-reference checks inside the page", async () => {
    const page = await openDemo();
    const checks = await page.evaluate(() => (window as unknown as { xentDemo: DemoHandle }).xentDemo.selfTest());
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) expect(c.maxError, c.what).toBeLessThan(2e-5);
    countGpuCase(checks.length, chromiumAdapter);
    await page.close();
  });

  it("trains an MLP in TF.js through webgpu-xent/tfjs: 100 steps, each loss equal to TF.js's on the same logits", async () => {
    const page = await openDemo();
    const r = await page.evaluate(() => (window as unknown as { xentDemo: DemoHandle }).xentDemo.train(100));
    expect(r.ours).toHaveLength(100);
    expect(r.maxRelDiff).toBeLessThan(1e-5);
    expect(r.ours[99]).toBeLessThan(0.5);
    expect(r.ours[99]).toBeLessThan((r.ours[0] as number) * 0.5);
    expect(r.accuracy).toBeGreaterThan(0.8);
    // The evaluator's live accuracy is tf.argMax's on the same logits; calibration and F1 come with it.
    expect(r.accuracy).toBeCloseTo(r.tfAccuracy, 6); // TF.js's mean is f32; ours count / N
    expect(r.evaluations.map((e) => e.step)).toEqual([9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
    for (const e of r.evaluations) {
      expect(e.ece).toBeGreaterThanOrEqual(0);
      expect(e.ece).toBeLessThanOrEqual(1);
      expect(e.macroF1).toBeGreaterThan(0);
    }
    expect((r.evaluations.at(-1)?.accuracy ?? 0) > (r.evaluations[0]?.accuracy ?? 1)).toBe(true);
    expect(await page.$eval("#eval-stats", (e) => e.textContent)).toMatch(/after step 100: accuracy .* ECE .* macro F1/);
    expect(r.stepsPerSecond).toBeGreaterThan(0);
    expect(await page.$eval("#train-stats", (e) => e.textContent)).toMatch(/step 100: loss .* steps\/s; training accuracy/);
    await page.screenshot({ path: `${shots}demo-train.png`, fullPage: true });
    await page.close();
  });

  it("model.fit with the adapter's loss: the loss falls; a bad label gives NaN and check() a RangeError", async () => {
    const page = await openDemo();
    const r = await page.evaluate(() => (window as unknown as { xentDemo: DemoHandle }).xentDemo.fitCheck());
    expect(r.history).toHaveLength(30);
    expect(r.history[29]).toBeLessThan((r.history[0] as number) * 0.7);
    expect(r.tensors[1]).toBe(r.tensors[0]);
    expect(r.badHistory).toEqual(["NaN", "NaN"]);
    expect(r.badCheck).toMatch(/RangeError: .*is 7: expected a class index in \[0, 3\)/);
    await page.close();
  });

  it("trains a character model and generates text on the GPU: sliders' options, top alternatives shown, the same text for the same seed", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => "xentDemo" in window, { timeout: 60_000 });
    const run = (o: GenerateOptions): Promise<GenerateResult> =>
      page.evaluate((opts) => (window as unknown as { xentDemo: DemoHandle }).xentDemo.generate(opts), o);
    const options = { trainSteps: 150, length: 60, temperature: 0.7, topK: 8, topP: 0.9, minP: 0.02, seed: 5 };
    const r = await run(options);
    // The model learnt: from ln V nats a character to well below.
    expect(r.losses[0]).toBeGreaterThan(2.5);
    expect(r.losses.at(-1)).toBeLessThan(1.8);
    expect(r.chars).toHaveLength(60);
    for (const c of r.chars) {
      expect(r.vocabulary).toContain(c.char);
      // The drawn character is among the kept ones: its probability under the processed distribution is positive,
      // and the alternatives come best first.
      expect(c.p).toBeGreaterThan(0);
      expect(c.alternatives).toHaveLength(3);
      expect(c.alternatives[0]!.p).toBeGreaterThanOrEqual(c.alternatives[1]!.p);
    }
    // Greedy picks the most probable character every time.
    const greedy = await run({ ...options, temperature: 0 });
    for (const c of greedy.chars) expect(c.char).toBe(c.alternatives[0]!.char);
    // A pure function of (model, options, seed): the same text again; another seed, another text.
    expect((await run(options)).text).toBe(r.text);
    expect((await run({ ...options, seed: 6 })).text).not.toBe(r.text);
    expect(await page.$eval("#generate-stats", (e) => e.textContent)).toMatch(/characters sampled on the GPU/);
    await page.screenshot({ path: `${shots}demo-generate.png`, fullPage: true });
    await page.close();
  });

  it("without WebGPU it explains how to enable it instead of a blank page", async () => {
    const page = await browser.newPage();
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined, configurable: true });
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    await page.goto(url);
    await page.waitForSelector("#no-webgpu:not([hidden])", { timeout: 60_000 });
    const text = await page.$eval("#no-webgpu", (e) => (e as HTMLElement).innerText);
    expect(text).toMatch(/WebGPU is not available/);
    expect(text).toMatch(/--enable-unsafe-webgpu/);
    expect(await page.$eval("#app", (e) => (e as HTMLElement).hidden)).toBe(true);
    await page.screenshot({ path: `${shots}demo-no-webgpu.png` });
    await page.close();
  });
});
