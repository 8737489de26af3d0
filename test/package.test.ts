// A user's `npm install` works: build, pack, install the tarball in a temp project and import it
// from plain Node (no bundler) to run one op on Dawn.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
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
  expect(readdirSync(join(app, "node_modules", "webgpu-xent", "dist"))).toContain("index.js");
});
