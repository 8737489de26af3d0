// webgpu-xent/ort with ONNX Runtime Web's WebGPU EP in headless Chromium: the README's example runs
// as written (a Linear(4, 3) exported from torch, test/fixtures/linear-4x3.onnx); the logits stay
// on ORT's GPU buffer, the loss and sampled tokens come back as ort.Tensors, and match the float64 reference.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { expect, it } from "vitest";
import { launchChromium } from "../../bench/chromium.js";
import * as ref from "../../src/reference/index.js";
import { expectClose } from "../helpers/compare.js";
import { countGpuCase } from "../helpers/gpu.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

it(
  "README's ONNX Runtime Web example runs in Chromium: ORT's logits read in place, the loss handed back as an ort.Tensor",
  { timeout: 240_000 },
  async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const block = readme.split("## With ONNX Runtime Web")[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(block, "README has a ```ts block under ## With ONNX Runtime Web").toBeTruthy();
    // Inside the repository, so that the page resolves onnxruntime-web from our node_modules.
    const page = `${root}test-output/ort-page/`;
    mkdirSync(page, { recursive: true });
    copyFileSync(`${root}test/fixtures/linear-4x3.onnx`, `${page}model.onnx`);
    writeFileSync(`${page}index.html`, `<!doctype html><title>ort</title><script type="module" src="./main.ts"></script>`);
    // One wasm thread: the page is not cross-origin isolated.
    writeFileSync(
      `${page}main.ts`,
      `${block}\n(window as unknown as { done: boolean }).done = true;\n`.replace(
        'import { ortXent } from "webgpu-xent/ort";',
        'import { ortXent } from "webgpu-xent/ort";\nort.env.wasm.numThreads = 1;',
      ),
    );
    const server = await createServer({
      root: page,
      configFile: false,
      logLevel: "error",
      resolve: { alias: [{ find: /^webgpu-xent\/ort$/, replacement: `${root}src/ort/index.ts` }] },
      // ORT finds its .wasm next to its module: serve it from node_modules as it is.
      optimizeDeps: { exclude: ["onnxruntime-web"] },
      server: { port: 0, host: "127.0.0.1", fs: { allow: [root] } },
    });
    await server.listen();
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const logs: string[] = [];
      const errors: string[] = [];
      tab.on("console", (m) => void logs.push(m.text()));
      tab.on("pageerror", (e) => void errors.push(String(e)));
      await tab.goto(server.resolvedUrls?.local[0] as string);
      await tab.waitForFunction(() => (window as unknown as { done?: boolean }).done === true || document.title === "failed", {
        timeout: 180_000,
      });
      expect(errors).toEqual([]);
      const line = logs.find((l) => l.startsWith('{"loss"'));
      expect(line, logs.join("\n")).toBeTruthy();
      const { loss, logits, tokens, metrics } = JSON.parse(line as string) as {
        loss: number[];
        logits: number[];
        tokens: number[];
        metrics: { loss: number; accuracy: number; topK: Record<string, number>; ece: number };
      };
      // The model: logits = x·Wᵀ + b, W = (0 … 11) / 10 − 0.5 as [3, 4], b = [0.1, −0.2, 0.3].
      const x = [0.5, -1, 2, 0.25, 1, 1, -0.5, 0];
      const want = [0, 1].flatMap((n) =>
        [0, 1, 2].map((c) =>
          [0, 1, 2, 3].reduce((a, k) => a + (x[4 * n + k] as number) * ((4 * c + k) / 10 - 0.5), [0.1, -0.2, 0.3][c] as number),
        ),
      );
      countGpuCase(0, "Chromium (ONNX Runtime Web's WebGPU EP)");
      expectClose(logits, want, { atol: 1e-5, rtol: 1e-5 }, "ORT's logits");
      expectClose(
        loss,
        ref.crossEntropy(ref.refTensor(logits, [2, 3]), ref.refTensor([0, 2]), { reduction: "none" }).data,
        { atol: 2e-6, rtol: 1e-5 },
        "the loss on ORT's logits",
      );
      // The tokens sampled from ORT's buffer in place: the reference's draw on the same logits.
      const draw = ref.sample(ref.refTensor(logits, [2, 3]), { topP: 0.9, temperature: 0.7, seed: 1, step: 0 });
      expect(Math.min(...draw.margin)).toBeGreaterThan(1e-6);
      expect(tokens).toEqual(Array.from(draw.tokens));
      // evaluate on ORT's logits in place: the reference's metrics.
      const evaluated = ref.evaluate(ref.refTensor(logits, [2, 3]), ref.refTensor([0, 2]), { topK: [1, 2] });
      expect(metrics.loss).toBeCloseTo(evaluated.loss, 5);
      expect(metrics.accuracy).toBe(evaluated.accuracy);
      expect(metrics.topK).toEqual({ 1: evaluated.topK[1], 2: evaluated.topK[2] });
      expect(metrics.ece).toBeCloseTo(evaluated.ece, 5);
    } finally {
      await browser.close();
      await server.close();
    }
  },
);
