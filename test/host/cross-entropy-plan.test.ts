// src/ops/cross-entropy-plan.ts on its own (no GPU): which passes crossEntropy, nllLoss and their
// gradients run, and how they read and bind their rows.
import { expect, it } from "vitest";
import {
  nllRowPlan,
  planCrossEntropyGrad,
  planCrossEntropyRows,
  type CrossEntropyShape,
  type PlanDevice,
} from "../../src/ops/cross-entropy-plan.js";
import { planRows, planSplit } from "../../src/row-plan.js";
import type { RowView } from "../../src/shape.js";

const limits = { maxComputeInvocationsPerWorkgroup: 256, minStorageBufferOffsetAlignment: 256 };
const gpu: PlanDevice = { limits, adapter: "gpu", maxBindingBytes: 1 << 26 };
const cpu: PlanDevice = { ...gpu, adapter: "cpu" };
const view = (rows: number, classes: number, inner = 1): RowView => ({ outer: rows / inner, classes, inner, rows });
const f32Size = (v: RowView): number => Math.ceil((v.rows * v.classes) / 4) * 16;

function shape(v: RowView, o: Partial<CrossEntropyShape> = {}): CrossEntropyShape {
  return {
    op: "crossEntropy",
    view: v,
    logits: { bufferSize: f32Size(v), bytesPerElement: 4 },
    logitsDType: "f32",
    probabilityTargets: undefined,
    smoothing: false,
    logProbs: false,
    ...o,
  };
}

it("the row pass: vec4 or SPAN4 reads for class indices without smoothing, a thread a row for nll_loss", () => {
  expect(planCrossEntropyRows(shape(view(8, 64)), gpu)).toMatchObject({ vec4: true, x4: true, split: undefined });
  expect(planCrossEntropyRows(shape(view(8, 61)), gpu)).toMatchObject({ vec4: false, span4: true });
  for (const o of [{ smoothing: true }, { probabilityTargets: f32Size(view(8, 64)) }, { logProbs: true }])
    expect(planCrossEntropyRows(shape(view(8, 64), o), gpu)).toMatchObject({ vec4: false, span4: false, x4: false });
  expect(planCrossEntropyRows(shape(view(8, 64)), gpu).rows).toEqual(planRows(view(8, 64), limits, "gpu"));
  expect(planCrossEntropyRows(shape(view(130, 2000), { logProbs: true }), gpu).rows).toEqual(nllRowPlan(130));
  expect(nllRowPlan(130)).toEqual({ workgroupSize: 64, rowThreads: 1, workgroups: 3 });
  // Long rows, few of them, on a GPU: split; not for nll_loss, not on a CPU adapter.
  expect(planCrossEntropyRows(shape(view(4, 128256)), gpu).split).toEqual(planSplit(view(4, 128256), limits, "gpu"));
  expect(planCrossEntropyRows(shape(view(4, 128256), { logProbs: true }), gpu).split).toBeUndefined();
  expect(planCrossEntropyRows(shape(view(4, 128256)), cpu).split).toBeUndefined();
});

it("the row pass slices 16-bit logits on their f32 probability targets, naming them", () => {
  const v = view(64, 1000);
  const half = { bufferSize: f32Size(v) / 2, bytesPerElement: 2 };
  const p = planCrossEntropyRows(shape(v, { logits: half, logitsDType: "f16", probabilityTargets: f32Size(v) }), {
    ...gpu,
    maxBindingBytes: 40_000,
  });
  expect(p.slices.length).toBe(Math.ceil((64 * 4000) / (40_000 - 256)) + 1);
  for (const s of p.slices) {
    expect(s.ranges.t?.size).toBeLessThanOrEqual(40_000);
    expect((s.ranges.x?.size ?? 0) * 2).toBeLessThanOrEqual((s.ranges.t?.size ?? 0) + 512);
  }
  expect(() =>
    planCrossEntropyRows(shape(v, { logits: half, logitsDType: "f16", probabilityTargets: f32Size(v) }), { ...gpu, maxBindingBytes: 4000 }),
  ).toThrow(/^crossEntropy: probability targets: one row block/);
  expect(() => planCrossEntropyRows(shape(v), { ...gpu, maxBindingBytes: 4000 })).toThrow(/^crossEntropy: logits: one row block/);
  // f32 probability targets beside f32 logits: the logits are named (the first of equal widths); 16-bit logits alone too.
  expect(() => planCrossEntropyRows(shape(v, { probabilityTargets: f32Size(v) }), { ...gpu, maxBindingBytes: 4000 })).toThrow(
    /^crossEntropy: logits: one row block/,
  );
  expect(() => planCrossEntropyRows(shape(v, { logits: half, logitsDType: "f16" }), { ...gpu, maxBindingBytes: 2000 })).toThrow(
    /^crossEntropy: logits: one row block of 2000 bytes/,
  );
  // The gradient's f32 rows are twice the 16-bit logits': the row pass fits, the gradient is refused, naming it.
  expect(() =>
    planCrossEntropyGrad({ ...shape(v, { logits: half, logitsDType: "f16" }), inPlace: false }, { ...gpu, maxBindingBytes: 3000 }),
  ).toThrow(/^crossEntropy: gradient: one row block of 4000 bytes/);
});

it("the gradient: one fused pass where a row's lanes finish it alone, else three", () => {
  const fused = planCrossEntropyGrad({ ...shape(view(64, 1000)), inPlace: false }, gpu);
  expect(fused).toMatchObject({ path: "fused", vec4: true, split: undefined });
  expect(fused.rows).toEqual(planRows(view(64, 1000), limits, "gpu"));
  expect(fused.slices).toHaveLength(1);
  // nll_loss, split rows, sliced logits or gradient: three passes.
  expect(planCrossEntropyGrad({ ...shape(view(64, 1000), { logProbs: true }), inPlace: false }, gpu).path).toBe("three-pass");
  expect(planCrossEntropyGrad({ ...shape(view(64, 1000), { logProbs: true }), inPlace: false }, gpu).rowPass.rows).toEqual(nllRowPlan(64));
  const split = planCrossEntropyGrad({ ...shape(view(4, 128256)), inPlace: false }, gpu);
  expect(split).toMatchObject({ path: "three-pass", split: planSplit(view(4, 128256), limits, "gpu") });
  expect(planCrossEntropyGrad({ ...shape(view(4, 128256)), inPlace: false }, cpu).path).toBe("fused");
  // f16 logits that fit one binding whose f32 gradient does not.
  const v = view(64, 1000);
  const half = { bufferSize: f32Size(v) / 2, bytesPerElement: 2 };
  const sliced = planCrossEntropyGrad(
    { ...shape(v, { logits: half, logitsDType: "f16" }), inPlace: false },
    { ...gpu, maxBindingBytes: 200_000 },
  );
  expect(sliced.rowPass.sliced).toBe(false);
  expect(sliced).toMatchObject({ path: "three-pass", span4Reads: false });
  expect(sliced.slices.length).toBeGreaterThan(1);
  for (const s of sliced.slices) expect(s.ranges.grad?.size).toBeLessThanOrEqual(200_000);
  expect(planCrossEntropyGrad({ ...shape(v), inPlace: false }, { ...gpu, maxBindingBytes: 200_000 }).path).toBe("three-pass");
});

it("plans the gradient on the f32 size of the rows (16 bytes at least)", () => {
  // One row of 3 classes, 12 bytes: its gradient's buffer is 16 bytes, which is what the range may cover.
  const p = planCrossEntropyGrad({ ...shape(view(600, 3)), inPlace: false }, { ...gpu, maxBindingBytes: 4096 });
  expect(p.slices.at(-1)?.ranges.grad).toEqual({
    offset: p.slices.at(-1)?.ranges.grad?.offset,
    size: 7200 - (p.slices.at(-1)?.ranges.grad?.offset ?? 0),
  });
  const tiny = planCrossEntropyGrad({ ...shape(view(1, 3), { logits: { bufferSize: 16, bytesPerElement: 4 } }), inPlace: false }, gpu);
  expect(tiny.slices).toHaveLength(1);
});

it("in place: fused through the vec4 view (VEC4 rows, SPAN4 stores), three passes for scalar rows", () => {
  expect(planCrossEntropyGrad({ ...shape(view(64, 1000)), inPlace: true }, gpu)).toMatchObject({ path: "fused", vec4: true });
  expect(planCrossEntropyGrad({ ...shape(view(64, 1001)), inPlace: true }, gpu)).toMatchObject({
    path: "fused",
    span4Reads: true,
    span4Stores: true,
  });
  expect(planCrossEntropyGrad({ ...shape(view(64, 10)), inPlace: true }, gpu)).toMatchObject({
    path: "three-pass",
    span4Reads: true,
    span4Stores: false,
  });
  expect(planCrossEntropyGrad({ ...shape(view(64, 10)), inPlace: false }, gpu).path).toBe("fused");
  // Smoothing or probability targets keep scalar rows.
  expect(planCrossEntropyGrad({ ...shape(view(64, 1000), { smoothing: true }), inPlace: true }, gpu)).toMatchObject({
    path: "three-pass",
    vec4: false,
  });
  expect(
    planCrossEntropyGrad({ ...shape(view(64, 1000), { probabilityTargets: f32Size(view(64, 1000)) }), inPlace: false }, gpu),
  ).toMatchObject({
    path: "fused",
    vec4: false,
    span4Reads: false,
  });
});
