// One Xent per test file on real WebGPU (Dawn + SwiftShader in Node). No adapter is a failure,
// never a skip: a GPU library whose GPU tests skip is untested.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, inject } from "vitest";
import { Xent } from "../../src/index.js";

let shared: Promise<Xent> | undefined;
let cases = 0;
let adapterName = "unknown";

export function gpu(): Promise<Xent> {
  shared ??= Xent.create().then(async (xent) => {
    adapterName = describeAdapter(xent.device);
    return xent;
  });
  return shared;
}

function describeAdapter(device: GPUDevice): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ");
  return name || "WebGPU adapter";
}

/** Records that one GPU result was compared with the reference. */
export function countGpuCase(n = 1): void {
  cases += n;
}

afterAll(async () => {
  if (shared) (await shared).destroy();
  const dir = inject("gpuCasesDir");
  if (dir && cases > 0) {
    writeFileSync(join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify({ cases, adapter: adapterName }));
  }
});
