// A user's `npm install` works: build, pack, install the tarball in a temp project and import it
// from plain Node (no bundler) to run one op on Dawn.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const temp = mkdtempSync(join(tmpdir(), "xent-pack-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });

it("npm pack → npm install → import from Node runs crossEntropy on WebGPU", { timeout: 240_000 }, () => {
  // `npm pack` runs the prepack build (Vite library mode + declarations).
  run("npm", ["pack", "--pack-destination", temp], root);
  const tarball = readdirSync(temp).find((f) => f.endsWith(".tgz"));
  expect(tarball).toBeTruthy();
  const app = join(temp, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(temp, tarball as string)], app);
  // Dawn comes from this checkout (the user would `npm install webgpu`).
  symlinkSync(join(root, "node_modules", "webgpu"), join(app, "node_modules", "webgpu"), "dir");
  writeFileSync(
    join(app, "main.js"),
    `import { Xent } from "webgpu-xent";
import { crossEntropy, refTensor } from "webgpu-xent/reference";
const xent = await Xent.create();
const logits = xent.tensor(new Float32Array([2, 1, 0.1, 0.5, 2.5, 0.2]), [2, 3]);
const labels = xent.tensor(new Int32Array([0, 1]), [2]);
const gpu = (await xent.crossEntropy(logits, labels).read())[0];
const cpu = crossEntropy(refTensor([2, 1, 0.1, 0.5, 2.5, 0.2], [2, 3]), refTensor([0, 1], [1 * 2])).data[0];
console.log(JSON.stringify({ gpu, cpu }));
xent.destroy();
process.exit(0);
`,
  );
  const out = run("node", ["main.js"], app);
  const { gpu, cpu } = JSON.parse(out.trim().split("\n").pop() as string) as { gpu: number; cpu: number };
  expect(gpu).toBeCloseTo(cpu, 5);
  const dist = join(app, "node_modules", "webgpu-xent", "dist");
  expect(readdirSync(dist)).toContain("index.js");

  // The published declarations are the API: one bundled .d.ts per entry point, no internals.
  const declarations = readdirSync(dist).filter((f) => f.endsWith(".d.ts"));
  expect(declarations.sort()).toEqual(["index.d.ts", "reference.d.ts"]);
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
