// src/row-plan.ts on its own (no GPU): the workgroup plans chosen from a shape and an adapter.
import { expect, it } from "vitest";
import {
  adapterKindOf,
  planRowOp,
  planRows,
  planSplit,
  readsVec4View,
  reduceWorkgroupSize,
  span4Rows,
  span4Stores,
  vec4Rows,
} from "../../src/row-plan.js";
import { rowView, type RowView } from "../../src/shape.js";

const limits = { maxComputeInvocationsPerWorkgroup: 256 };
const view = (rows: number, classes: number, inner = 1) => ({ outer: rows / inner, classes, inner, rows });

it("one thread per row for short rows or a class dim that is not last", () => {
  expect(planRows(view(1000, 64), limits, "gpu")).toEqual({ workgroupSize: 64, rowThreads: 1, workgroups: 16 });
  expect(planRows(view(64, 64), limits, "cpu")).toEqual({ workgroupSize: 64, rowThreads: 1, workgroups: 1 });
  expect(planRows(view(65, 5000, 5), limits, "gpu")).toEqual({ workgroupSize: 64, rowThreads: 1, workgroups: 2 });
  expect(planRows(view(10, 3), { maxComputeInvocationsPerWorkgroup: 16 }, "gpu")).toEqual({
    workgroupSize: 16,
    rowThreads: 1,
    workgroups: 1,
  });
});

it("a CPU-emulated adapter gives a long row one 4-lane workgroup", () => {
  expect(planRows(view(7, 65), limits, "cpu")).toEqual({ workgroupSize: 4, rowThreads: 4, workgroups: 7 });
  expect(planRows(view(3, 128256), limits, "cpu")).toEqual({ workgroupSize: 4, rowThreads: 4, workgroups: 3 });
});

it("a GPU gives medium rows 32 threads and long rows the whole workgroup", () => {
  expect(planRows(view(5, 65), limits, "gpu")).toEqual({ workgroupSize: 64, rowThreads: 32, workgroups: 3 });
  expect(planRows(view(4, 2048), limits, "gpu")).toEqual({ workgroupSize: 64, rowThreads: 32, workgroups: 2 });
  expect(planRows(view(4, 2049), limits, "gpu")).toEqual({ workgroupSize: 256, rowThreads: 256, workgroups: 4 });
  expect(planRows(view(4, 2049), { maxComputeInvocationsPerWorkgroup: 1024 }, "gpu")).toEqual({
    workgroupSize: 256,
    rowThreads: 256,
    workgroups: 4,
  });
  expect(planRows(view(4, 2049), { maxComputeInvocationsPerWorkgroup: 128 }, "gpu")).toEqual({
    workgroupSize: 128,
    rowThreads: 128,
    workgroups: 4,
  });
  expect(planRows(view(4, 100), { maxComputeInvocationsPerWorkgroup: 16 }, "gpu")).toEqual({
    workgroupSize: 16,
    rowThreads: 16,
    workgroups: 4,
  });
});

it("classifies adapters: fallback or a software name is a CPU, anything else (or no info) a GPU", () => {
  const device = (info?: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }) => ({ adapterInfo: info }) as unknown as GPUDevice;
  const blank = { vendor: "", architecture: "", description: "", device: "" };
  expect(adapterKindOf(device())).toBe("gpu");
  expect(adapterKindOf(device({ ...blank, vendor: "nvidia", description: "H200" }))).toBe("gpu");
  expect(adapterKindOf(device({ ...blank, isFallbackAdapter: true }))).toBe("cpu");
  expect(adapterKindOf(device({ ...blank, isFallbackAdapter: false, vendor: "google", architecture: "swiftshader" }))).toBe("cpu");
  for (const field of ["vendor", "architecture", "description", "device"] as const) {
    for (const name of ["SwiftShader", "llvmpipe", "lavapipe", "Microsoft Basic Render Driver WARP", "software rasterizer"])
      expect(adapterKindOf(device({ ...blank, [field]: name }))).toBe("cpu");
  }
});

it("reads rows as vec4s only when contiguous, non-empty and a multiple of 4 long", () => {
  expect(vec4Rows(rowView([3, 8], 1))).toBe(true);
  expect(vec4Rows(rowView([3, 4], 1))).toBe(true);
  expect(vec4Rows(rowView([3, 6], 1))).toBe(false);
  expect(vec4Rows(rowView([8, 4], 0))).toBe(false);
  expect(vec4Rows(rowView([3, 0], 1))).toBe(false);
});

it("reads contiguous rows of classes % 4 != 0 as spanning vec4s when bound whole and the buffer holds every vec4", () => {
  // [3, 10] f32: 30 elements in 8 vec4s = 128 bytes.
  expect(span4Rows(rowView([3, 10], 1), false, 128, 4)).toBe(true);
  expect(span4Rows(rowView([3, 10], 1), false, 127, 4)).toBe(false);
  expect(span4Rows(rowView([3, 10], 1), false, 64, 2)).toBe(true); // f16: 8 vec4s of 8 bytes
  expect(span4Rows(rowView([3, 10], 1), false, 63, 2)).toBe(false);
  expect(span4Rows(rowView([3, 10], 1), true, 128, 4)).toBe(false); // sliced
  expect(span4Rows(rowView([3, 8], 1), false, 128, 4)).toBe(false); // vec4 rows
  expect(span4Rows(rowView([10, 3], 0), false, 128, 4)).toBe(false); // class dim not last
  expect(span4Rows(rowView([0, 10], 1), false, 128, 4)).toBe(false);
  expect(span4Rows(rowView([3, 0], 1), false, 128, 4)).toBe(false);
  expect(span4Stores(rowView([3, 31], 1), true)).toBe(false);
  expect(span4Stores(rowView([3, 32], 1), true)).toBe(true);
  expect(span4Stores(rowView([3, 33], 1), false)).toBe(false);
  // The input's vec4 view: VEC4 rows of any dtype, SPAN4 rows of f32 only (16-bit ones read words).
  expect(readsVec4View(true, false, "f16")).toBe(true);
  expect(readsVec4View(false, true, "f32")).toBe(true);
  expect(readsVec4View(false, true, "bf16")).toBe(false);
  expect(readsVec4View(false, false, "f32")).toBe(false);
});

it("splits a few very long rows across workgroups on a GPU only", () => {
  expect(planSplit(view(4, 128256), limits, "gpu")).toEqual({ chunks: 16, chunkLength: 8192, workgroupSize: 256 });
  expect(planSplit(view(255, 32768), { maxComputeInvocationsPerWorkgroup: 128 }, "gpu")).toEqual({
    chunks: 4,
    chunkLength: 8192,
    workgroupSize: 128,
  });
  expect(planSplit(view(4, 32769), limits, "gpu")?.chunks).toBe(5);
  expect(planSplit(view(4, 32767), limits, "gpu")).toBeUndefined();
  expect(planSplit(view(256, 128256), limits, "gpu")).toBeUndefined();
  expect(planSplit(view(4, 128256), limits, "cpu")).toBeUndefined();
  expect(planSplit(view(8, 128256, 2), limits, "gpu")).toBeUndefined();
});

it("sums a loss with 4 threads on a CPU-emulated adapter, 64 on a GPU", () => {
  expect(reduceWorkgroupSize("cpu")).toBe(4);
  expect(reduceWorkgroupSize("gpu")).toBe(64);
});

const device = { limits: { ...limits, minStorageBufferOffsetAlignment: 256 }, maxBindingBytes: 1 << 24 };
const f32 = (rows: number, classes: number) => ({ bufferSize: Math.ceil((rows * classes) / 4) * 16, bytesPerElement: 4 });

it("plans a row op: its workgroups, slices, vec4 or SPAN4 reads and stores, split rows", () => {
  const request = (v: RowView, extra: Partial<Parameters<typeof planRowOp>[0]> = {}) =>
    planRowOp({
      view: v,
      tensors: { x: f32(v.rows, v.classes) },
      input: "x",
      inputDType: "f32",
      adapter: "gpu",
      ...device,
      what: "x",
      ...extra,
    });
  const p = request(view(3, 8));
  expect(p).toMatchObject({ sliced: false, vec4: true, span4: false, x4: true, span4Stores: false, split: undefined });
  expect(p.rows).toEqual(planRows(view(3, 8), limits, "gpu"));
  expect(p.slices).toHaveLength(1);
  expect(request(view(3, 41))).toMatchObject({ vec4: false, span4: true, x4: true, span4Stores: true });
  expect(request(view(3, 41), { inputDType: "f16" })).toMatchObject({ span4: true, x4: false });
  expect(request(view(3, 10))).toMatchObject({ span4: true, span4Stores: false });
  // No vector reads at all (cross-entropy's gaps).
  expect(request(view(3, 8), { vectorReads: false })).toMatchObject({ vec4: false, span4: false, x4: false, span4Stores: false });
  expect(request(view(3, 41), { vectorReads: false })).toMatchObject({ vec4: false, span4: false, x4: false, span4Stores: false });
  // Split rows only where the op has them, and not in slices.
  expect(request(view(4, 128256)).split).toBeUndefined();
  expect(request(view(4, 128256), { splits: true }).split).toEqual(planSplit(view(4, 128256), limits, "gpu"));
  expect(request(view(4, 128256), { splits: true, adapter: "cpu" }).split).toBeUndefined();
  const sliced = request(view(4, 128256), { splits: true, maxBindingBytes: 1 << 19, tensors: { x: f32(4, 128256) } });
  expect(sliced).toMatchObject({ sliced: true, split: undefined });
  expect(sliced.slices.length).toBeGreaterThan(1);
  // SPAN4 needs the tensor bound whole.
  expect(request(view(64, 1001), { maxBindingBytes: 64 * 1024 })).toMatchObject({ sliced: true, span4: false, span4Stores: false });
});
