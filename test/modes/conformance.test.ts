// Every registered op (src/registry/) under every mode, against its float64 reference: plan
// (detected, the other adapter kind's, no subgroups) × accepted dtype × binding slices (a 4 KiB
// planning limit, so the tensors are bound in several slices) × recording (own submit, or a
// caller's encoder), on [64, 40] (the linear ops: 64 tokens of 40 classes); and long rows,
// [3, 33000], where the GPU plan splits rows across workgroups. 16-bit inputs are compared with
// the reference on their decoded values.
import { describe, expect, it } from "vitest";
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits, Xent } from "../../src/index.js";
import type { LogitDType } from "../../src/dtype.js";
import { kOpRegistry, uploadCase, type OpCase, type RegisteredOp } from "../../src/registry/index.js";
import { expectClose } from "../helpers/compare.js";
import { gpu, kPlans, type Plan } from "../helpers/gpu.js";
import { rng } from "../helpers/random.js";

const kSmall: [number, number] = [64, 40];
const kLongRows: [number, number] = [3, 33000];
const kSliceLimit = 4096;

const encode = { f16: toFloat16Bits, bf16: toBfloat16Bits } as const;
const decode = { f16: fromFloat16Bits, bf16: fromBfloat16Bits } as const;

async function xentFor(plan: Plan, sliced: boolean): Promise<Xent> {
  const base = await gpu();
  const options = {
    ...(plan === "other plan" ? { adapterKind: base.adapterKind === "cpu" ? ("gpu" as const) : ("cpu" as const) } : {}),
    ...(plan === "detected plan without subgroups" ? { useSubgroups: false } : {}),
    ...(sliced ? { maxBindingBytes: kSliceLimit } : {}),
  };
  return Object.keys(options).length === 0 ? base : Xent.fromDevice(base.device, options);
}

/** The case as the GPU sees it: a 16-bit first input rounded to its dtype. */
function asSeen(c: OpCase, dtype: LogitDType): OpCase {
  if (dtype === "f32") return c;
  const [first, ...rest] = c.inputs;
  const data = decode[dtype](encode[dtype](first?.data as Float32Array));
  return { ...c, inputs: [{ data, shape: first?.shape ?? [] }, ...rest] };
}

async function runCase(xent: Xent, op: RegisteredOp, c: OpCase, dtype: LogitDType, useEncoder: boolean, what: string): Promise<number> {
  const up = uploadCase(xent, c, dtype, encode[dtype === "bf16" ? "bf16" : "f16"]);
  const encoder = useEncoder ? xent.device.createCommandEncoder({ label: "conformance" }) : undefined;
  const outputs = op.run(xent, up.inputs, encoder ? { ...up.options, encoder } : up.options, c);
  if (encoder) xent.device.queue.submit([encoder.finish()]);
  const got = await Promise.all(outputs.map((t) => t.read()));
  const want = op.reference(asSeen(c, dtype));
  expect(got.length, `${what}: outputs`).toBe(want.length);
  got.forEach((g, i) => expectClose(g, want[i] as ArrayLike<number>, op.tolerance, `${what}: output ${i}`));
  for (const t of outputs) t.destroy();
  up.destroy();
  return got.length;
}

let total = 0;

describe("conformance: every registered op in every mode vs the float64 reference", () => {
  it("registers every public op of Xent", async () => {
    const xent = await gpu();
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(xent)).filter(
      // evaluate / evaluator give metrics objects, not tensors: test/ops/evaluate.test.ts checks them in every plan.
      (k) =>
        !["constructor", "tensor", "wrap", "stats", "destroy", "check", "evaluate", "evaluator"].includes(k) &&
        typeof (xent as never)[k] === "function",
    );
    const keras = Object.keys(xent.keras).map((k) => `keras.${k}`);
    expect(kOpRegistry.map((o) => o.name).sort()).toEqual([...methods, ...keras].sort());
  });

  for (const op of kOpRegistry) {
    it(op.name, async () => {
      let cases = 0;
      let seed = 1;
      for (const plan of kPlans)
        // matmul binds each operand whole (its slicing: test/ops/linear-cross-entropy.test.ts).
        for (const sliced of op.name === "matmul" ? [false] : [false, true]) {
          const xent = await xentFor(plan, sliced);
          for (const dtype of op.dtypes)
            for (const variant of op.variants) {
              for (const useEncoder of [false, true]) {
                const c = op.sample(rng(seed++), ...kSmall, variant);
                const what = `${op.name} [${kSmall}] ${dtype} "${variant}", ${plan}${sliced ? ", sliced" : ""}${useEncoder ? ", encoder" : ""}`;
                cases += await runCase(xent, op, c, dtype, useEncoder, what);
              }
              if (!sliced && op.kind === "rows") {
                const c = op.sample(rng(seed++), ...kLongRows, variant);
                cases += await runCase(xent, op, c, dtype, false, `${op.name} [${kLongRows}] ${dtype} "${variant}", ${plan}`);
              }
            }
        }
      total += cases;
    });
  }

  it("reports the count", () => {
    console.log(`conformance: ${kOpRegistry.length} ops, ${total} outputs compared with the reference`);
    expect(total).toBeGreaterThan(kOpRegistry.length * kPlans.length * 4);
  });
});
