// A user's `npm install` works: build, pack, install the tarball in a temp project and import it
// from plain Node (no bundler) to run one op on Dawn; and in a fresh Vite app with only the
// tarball installed (no `webgpu`): its dev server and its production build, in headless Chromium.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { build, createServer, preview, type Logger } from "vite";
import { launchChromium } from "../../bench/chromium.js";

const root = new URL("../..", import.meta.url).pathname;
const temp = mkdtempSync(join(tmpdir(), "xent-pack-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });

let tarball: string | undefined;
/** The packed library (`npm pack` runs the prepack build: Vite library mode + declarations), once. */
function packed(): string {
  if (!tarball) {
    run("npm", ["pack", "--pack-destination", temp], root);
    tarball = readdirSync(temp).find((f) => f.endsWith(".tgz"));
  }
  expect(tarball).toBeTruthy();
  return tarball as string;
}

it("npm pack → npm install → import from Node runs crossEntropy on WebGPU", { timeout: 240_000 }, () => {
  const tarball = packed();
  const app = join(temp, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(temp, tarball)], app);
  // Dawn comes from this checkout (the user would `npm install webgpu`).
  symlinkSync(join(root, "node_modules", "webgpu"), join(app, "node_modules", "webgpu"), "dir");
  writeFileSync(
    join(app, "main.js"),
    `import { Xent } from "webgpu-xent";
import { crossEntropy, refTensor } from "webgpu-xent/reference";
// No VK_ICD_FILENAMES: without the software fallback there is no adapter; with it (the default), SwiftShader.
const refused = await Xent.create({ softwareFallback: false }).then(() => "created", (e) => String(e));
const xent = await Xent.create();
const logits = xent.tensor(new Float32Array([2, 1, 0.1, 0.5, 2.5, 0.2]), [2, 3]);
const labels = xent.tensor(new Int32Array([0, 1]), [2]);
const gpu = (await xent.crossEntropy(logits, labels).read())[0];
const cpu = crossEntropy(refTensor([2, 1, 0.1, 0.5, 2.5, 0.2], [2, 3]), refTensor([0, 1], [1 * 2])).data[0];
await Xent.create(); // the fallback is said once
// One copy of the library in Node whichever entry is imported (issue 29.6): the adapters resolve
// to the node build and share its Xent class.
const { ortXent } = await import("webgpu-xent/ort");
const ox = await ortXent({ env: { webgpu: { device: xent.device } }, Tensor: class {} });
const sameClass = ox.xent instanceof Xent;
const crossCopy = (await xent.softmax(ox.xent.tensor(new Float32Array([0, 0]), [2])).read())[0];
const adapters = [import.meta.resolve("webgpu-xent/tfjs"), import.meta.resolve("webgpu-xent/ort")].map((u) => u.split("/").pop());
console.log(JSON.stringify({ gpu, cpu, refused, kind: xent.adapterKind, sameClass, crossCopy, adapters }));
xent.destroy();
process.exit(0);
`,
  );
  // As on a fresh machine: no VK_ICD_FILENAMES (Xent.create() finds the software driver itself).
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.VK_ICD_FILENAMES;
  const child = spawnSync("node", ["main.js"], { cwd: app, encoding: "utf8", env });
  expect(child.status, child.stderr).toBe(0);
  const { gpu, cpu, refused, kind, sameClass, crossCopy, adapters } = JSON.parse(child.stdout.trim().split("\n").pop() as string) as {
    gpu: number;
    cpu: number;
    refused: string;
    kind: string;
    sameClass: boolean;
    crossCopy: number;
    adapters: string[];
  };
  expect(sameClass, "webgpu-xent/ort's Xent is webgpu-xent's").toBe(true);
  expect(crossCopy).toBeCloseTo(0.5, 6);
  expect(adapters).toEqual(["tfjs.node.js", "ort.node.js"]);
  expect(gpu).toBeCloseTo(cpu, 5);
  expect(refused).toMatch(/no WebGPU adapter was found \(softwareFallback: false\)/);
  expect(kind).toBe("cpu");
  expect(child.stderr.match(/using the software Vulkan driver \/usr\/lib\/chromium\/vk_swiftshader_icd.json/g)).toHaveLength(1);
  const dist = join(app, "node_modules", "webgpu-xent", "dist");
  expect(readdirSync(dist)).toContain("index.js");
  // The licence the package.json names ships with it, and the changelog.
  const installed = readdirSync(join(app, "node_modules", "webgpu-xent"));
  for (const file of ["LICENSE", "README.md", "CHANGELOG.md"]) expect(installed, file).toContain(file);
  expect(readFileSync(join(app, "node_modules", "webgpu-xent", "LICENSE"), "utf8")).toMatch(/^MIT License/);

  // The published declarations are the API: one bundled .d.ts per entry point, no internals.
  const declarations = readdirSync(dist).filter((f) => f.endsWith(".d.ts"));
  expect(declarations.sort()).toEqual(["index.d.ts", "ort.d.ts", "reference.d.ts", "tfjs.d.ts"]);
  // TF.js and ONNX Runtime Web are optional peers: only the adapters' types mention them (no code does).
  for (const f of readdirSync(dist).filter((name) => name.endsWith(".js")))
    expect(readFileSync(join(dist, f), "utf8"), `${f} imports a peer`).not.toMatch(/@tensorflow|onnxruntime/);
  for (const f of declarations) {
    const text = readFileSync(join(dist, f), "utf8");
    for (const internal of [
      "scratch",
      "readBack",
      "alias",
      "inheritFrom",
      "XentContext",
      "XentCore",
      "placeholder",
      "assertUsable",
      "Recording",
    ])
      expect(text, `${f} mentions ${internal}`).not.toMatch(new RegExp(`\\b${internal}\\b`));
  }
  // ... and they type-check a user's program (strict, against the installed package).
  writeFileSync(
    join(app, "use.ts"),
    `import { Xent, type CrossEntropyOptions, type Tensor } from "webgpu-xent";
import { crossEntropy, refTensor } from "webgpu-xent/reference";
const xent: Xent = await Xent.create();
const options: CrossEntropyOptions = { reduction: "sum", labelSmoothing: 0.1 };
const loss: Tensor<"f32"> = xent.crossEntropy(xent.tensor([1, 2], [1, 2]), xent.tensor(new Int32Array([1])), options);
const values: Float32Array = await loss.read();
console.log(values, crossEntropy(refTensor([1, 2], [1, 2]), refTensor([1])).data);
`,
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        noEmit: true,
        types: [],
        typeRoots: [],
      },
      files: ["use.ts", join(root, "node_modules", "@webgpu", "types", "dist", "index.d.ts")],
    }),
  );
  run("node", [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], app);
});

it(
  "a fresh Vite app with only the tarball installed: dev server and production build compute a loss in Chromium",
  { timeout: 240_000 },
  async () => {
    const app = join(temp, "vite-app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "vite-app", private: true, type: "module" }));
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(temp, packed())], app);
    expect(readdirSync(join(app, "node_modules"))).not.toContain("webgpu");
    writeFileSync(join(app, "index.html"), `<!doctype html><title>app</title><script type="module" src="/main.js"></script>`);
    writeFileSync(
      join(app, "main.js"),
      `import { Xent } from "webgpu-xent";
try {
  const xent = await Xent.create();
  const logits = xent.tensor(new Float32Array([2, 1, 0.1, 0.5, 2.5, 0.2]), [2, 3]);
  const labels = xent.tensor(new Int32Array([0, 1]), [2]);
  window.result = (await xent.crossEntropy(logits, labels).read())[0];
} catch (e) {
  window.failure = String(e);
}
`,
    );
    // The loss of the two rows, in float64.
    const lse = (r: number[]): number => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
    const want = (lse([2, 1, 0.1]) - 2 + (lse([0.5, 2.5, 0.2]) - 2.5)) / 2;
    const errors: string[] = [];
    const logger: Logger = {
      info: () => {},
      warn: () => {},
      warnOnce: () => {},
      error: (msg) => void errors.push(msg),
      clearScreen: () => {},
      hasErrorLogged: () => errors.length > 0,
      hasWarned: false,
    };
    const config = { root: app, configFile: false as const, logLevel: "error" as const, customLogger: logger };
    const browser = await launchChromium();
    const resultAt = async (url: string): Promise<number> => {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => void pageErrors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => "result" in window || "failure" in window, { timeout: 120_000 });
      const { result, failure } = await page.evaluate(() => {
        const w = window as unknown as { result?: number; failure?: string };
        return { result: w.result, failure: w.failure };
      });
      await page.close();
      expect(failure, url).toBeUndefined();
      expect(pageErrors, url).toEqual([]);
      return result as number;
    };
    try {
      const dev = await createServer({ ...config, server: { port: 0, host: "127.0.0.1" } });
      await dev.listen();
      try {
        expect(await resultAt(dev.resolvedUrls?.local[0] as string)).toBeCloseTo(want, 5);
      } finally {
        await dev.close();
      }
      await build({ ...config, build: { outDir: join(app, "dist"), target: "es2022" } });
      const server = await preview({ ...config, preview: { port: 0, host: "127.0.0.1" }, build: { outDir: join(app, "dist") } });
      try {
        expect(await resultAt(server.resolvedUrls?.local[0] as string)).toBeCloseTo(want, 5);
      } finally {
        await server.close();
      }
    } finally {
      await browser.close();
    }
    expect(errors, "Vite reported errors").toEqual([]);
  },
);
