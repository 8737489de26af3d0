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
  shared ??= Xent.create().then((xent) => {
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

/**
 * The detected plan and the other one on the same device: SwiftShader gets the CPU plan
 * (barrier-free, two-pass), so the GPU plan (wide workgroups, tree merges, online pass) is forced
 * here to be tested too.
 */
export type Plan = "detected plan" | "other plan" | "detected plan without subgroups";
/** With subgroups on this machine (size 4), the detected CPU plan merges its 4 lanes by shuffles; the others use workgroup memory. */
export const kPlans: Plan[] = ["detected plan", "other plan", "detected plan without subgroups"];

export async function gpuWithPlan(plan: Plan): Promise<Xent> {
  const xent = await gpu();
  if (plan === "detected plan") return xent;
  if (plan === "detected plan without subgroups") return Xent.fromDevice(xent.device, { useSubgroups: false });
  return Xent.fromDevice(xent.device, { adapterKind: xent.adapterKind === "cpu" ? "gpu" : "cpu" });
}

/** Records that `n` GPU results were compared with the reference (on `adapter`, if not this file's Xent). */
export function countGpuCase(n = 1, adapter?: string): void {
  cases += n;
  if (adapter) adapterName = adapter;
}

afterAll(async () => {
  if (shared) (await shared).destroy();
  const dir = inject("gpuCasesDir");
  if (dir && cases > 0) {
    writeFileSync(join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify({ cases, adapter: adapterName }));
  }
});
