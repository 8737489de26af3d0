// One Xent for every GPU test file of a run on real WebGPU (Dawn + SwiftShader in Node): the
// GPU project runs its files in one process without isolation (vitest.config.ts), so they share
// this device and its compiled pipelines. It is never destroyed: the process's end frees it. No
// adapter is a failure, never a skip: a GPU library whose GPU tests skip is untested.
import { Xent } from "../../src/index.js";

let shared: Promise<Xent> | undefined;
let cases = 0;
const adapters = new Set<string>();

export function gpu(): Promise<Xent> {
  shared ??= Xent.create().then((xent) => {
    adapters.add(describeAdapter(xent.device));
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

const planned = new Map<Plan, Xent>();

/** The shared device's Xent planning as `plan` (one per plan, shared too). */
export async function gpuWithPlan(plan: Plan): Promise<Xent> {
  const xent = await gpu();
  if (plan === "detected plan") return xent;
  let other = planned.get(plan);
  if (!other) {
    other =
      plan === "detected plan without subgroups"
        ? Xent.fromDevice(xent.device, { useSubgroups: false })
        : Xent.fromDevice(xent.device, { adapterKind: xent.adapterKind === "cpu" ? "gpu" : "cpu" });
    planned.set(plan, other);
  }
  return other;
}

/** Records that `n` GPU results were compared with the reference (on `adapter`, if not the shared device). */
export function countGpuCase(n = 1, adapter?: string): void {
  cases += n;
  if (adapter) adapters.add(adapter);
}

/** The cases counted since the last call and the adapters they ran on (test/helpers/count-gpu-cases.ts writes them per file). */
export function takeGpuCases(): { cases: number; adapters: string[] } {
  const taken = { cases, adapters: [...adapters] };
  cases = 0;
  return taken;
}
