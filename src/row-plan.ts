/**
 * How a row op maps onto workgroups, chosen on the host from the shape and the adapter.
 *
 * A real GPU wants many threads in flight: one thread per row for few classes (or a class dim
 * that is not last, where neighbouring rows are neighbours in memory), a 32-thread group per row
 * for medium rows, a 256-thread workgroup per long row, merged by a tree.
 *
 * A CPU-emulated adapter (SwiftShader, llvmpipe, WARP) runs a workgroup as a loop over SIMD-wide
 * lane groups and makes every workgroupBarrier() expensive: there the fastest plan is one thread
 * per row, or 4 lanes (one SIMD vector) per long row in a 4-thread workgroup, whose merge barriers
 * cost next to nothing; many small workgroups keep every core busy.
 */
import type { RowView } from "./shape.js";
import { planSlicedBindings, type SliceBinding, type SlicedTensor } from "./binding-slices.js";

export interface RowPlan {
  /** Workgroup size (the WG override). */
  workgroupSize: number;
  /** Threads cooperating on one row (the ROW_THREADS override); divides workgroupSize. */
  rowThreads: number;
  workgroups: number;
}

export type AdapterKind = "gpu" | "cpu";

export interface PlanLimits {
  maxComputeInvocationsPerWorkgroup: number;
}

export function planRows(view: RowView, limits: PlanLimits, adapter: AdapterKind): RowPlan {
  const maxWG = Math.min(256, limits.maxComputeInvocationsPerWorkgroup);
  let rowThreads: number;
  let workgroupSize: number;
  if (view.inner > 1 || view.classes <= 64) {
    rowThreads = 1;
    workgroupSize = Math.min(64, maxWG);
  } else if (adapter === "cpu") {
    rowThreads = 4;
    workgroupSize = 4;
  } else {
    rowThreads = view.classes <= 2048 ? Math.min(32, maxWG) : maxWG;
    workgroupSize = Math.max(rowThreads, Math.min(64, maxWG));
  }
  return { workgroupSize, rowThreads, workgroups: Math.ceil(view.rows / (workgroupSize / rowThreads)) };
}

/**
 * Threads of the one workgroup that sums a loss for 'mean' / 'sum' (each a contiguous chunk, then
 * a fixed tree): 64 on a GPU; 4 on a CPU-emulated adapter, which pays for every barrier of the tree
 * (Chromium, SwiftShader: nllLoss 'mean' on [1024, 1000] 0.17 → 0.11 ms, [64, 32000] 0.11 → 0.06).
 */
export function reduceWorkgroupSize(adapter: AdapterKind): number {
  return adapter === "cpu" ? 4 : 64;
}

/** Whether the device runs on a CPU emulation of a GPU (SwiftShader and the like). */
export function adapterKindOf(device: GPUDevice): AdapterKind {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  if (!info) return "gpu";
  if (info.isFallbackAdapter) return "cpu";
  return /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${info.vendor} ${info.architecture} ${info.description} ${info.device}`)
    ? "cpu"
    : "gpu";
}

/** Rows that can be read as vec4s: contiguous (class dim last) and a multiple of 4 long, so every row starts 16-byte aligned. */
export function vec4Rows(view: RowView): boolean {
  return view.inner === 1 && view.classes % 4 === 0 && view.classes > 0;
}

/**
 * Contiguous rows that are not vec4 rows (classes % 4 != 0) whose reading passes still load four
 * elements at a time: the vec4s spanning each row, its neighbours' elements masked (SPAN4). Needs
 * the tensor bound whole (no slices) and its buffer holding every spanning vec4: xent's buffers
 * are padded to 16 bytes, a wrapped one may end mid-vec4.
 */
export function span4Rows(view: RowView, sliced: boolean, bufferSize: number, bytesPerElement: number): boolean {
  const elements = view.rows * view.classes;
  return (
    view.inner === 1 && view.classes % 4 !== 0 && !sliced && elements > 0 && bufferSize >= Math.ceil(elements / 4) * 4 * bytesPerElement
  );
}

/**
 * Whether a row kernel binds its input's vec4 view (`x4`): VEC4 rows, and f32 SPAN4 rows; 16-bit
 * SPAN4 rows read the packed words instead.
 */
export function readsVec4View(vec4: boolean, span4: boolean, dtype: string): boolean {
  return vec4 || (span4 && dtype === "f32");
}

/**
 * Whether SPAN4 rows also write through their spanning vec4s (each row's first and last are stored
 * lane by lane): from 32 classes. With fewer, those partial vec4s are most of the row and their
 * per-lane stores cost more than the loads save (Chromium, SwiftShader, [4096, 10]: softmax 0.58 →
 * 0.69 ms, crossEntropyWithGrad 0.91 → 1.1 ms; [2048, 30] even; [1024, 1001] 20–35 % faster).
 */
export function span4Stores(view: RowView, span4: boolean): boolean {
  return span4 && view.classes >= 32;
}

/** A long row cut into chunks, one workgroup each, whose states a second pass merges. */
export interface SplitPlan {
  chunks: number;
  /** Classes per chunk (a multiple of 4, so vec4 rows stay aligned). */
  chunkLength: number;
  workgroupSize: number;
}

const kSplitMinClasses = 32768;
const kChunkLength = 8192;

/**
 * On a GPU, rows of ≥ 32k classes with too few rows to fill the device are split across
 * workgroups ([4, 128256] would otherwise run 4 workgroups). A CPU-emulated adapter already
 * has more rows than cores to spread; it keeps whole rows.
 */
export function planSplit(view: RowView, limits: PlanLimits, adapter: AdapterKind): SplitPlan | undefined {
  if (adapter !== "gpu" || view.inner !== 1 || view.classes < kSplitMinClasses || view.rows >= 256) return undefined;
  return {
    chunks: Math.ceil(view.classes / kChunkLength),
    chunkLength: kChunkLength,
    workgroupSize: Math.min(256, limits.maxComputeInvocationsPerWorkgroup),
  };
}

/** What a row op plans from: its rows, the tensors it binds row by row, and the device. */
export interface RowOpRequest<K extends string> {
  view: RowView;
  /** The tensors bound row by row, inputs and f32 outputs alike (binding-slices.ts). */
  tensors: Readonly<Record<K, SlicedTensor>>;
  /** The tensor whose rows are read as vec4s where they can be, and its dtype. */
  input: NoInfer<K>;
  inputDType: string;
  /** Whether the op's kernel can read vec4 or SPAN4 rows at all (default true; cross-entropy: not with gaps). */
  vectorReads?: boolean;
  /** Whether the op has a split-rows path (planSplit). */
  splits?: boolean;
  limits: PlanLimits & { minStorageBufferOffsetAlignment: number };
  adapter: AdapterKind;
  maxBindingBytes: number;
  /** Names the tensor in a RangeError when even one row block does not fit a binding. */
  what: string;
}

/** How a row op runs: its workgroups, its binding slices, how its rows are read and written. */
export interface RowOpPlan<K extends string> {
  rows: RowPlan;
  slices: SliceBinding<K>[];
  sliced: boolean;
  vec4: boolean;
  span4: boolean;
  /** The kernel binds the input's vec4 view (readsVec4View). */
  x4: boolean;
  span4Stores: boolean;
  /** Rows split across workgroups (a GPU, long rows, few of them, one binding). */
  split: SplitPlan | undefined;
}

/** The plan of a row op: planRows, planSlicedBindings, vec4Rows / span4Rows / span4Stores and planSplit, decided together. */
export function planRowOp<K extends string>(r: RowOpRequest<K>): RowOpPlan<K> {
  const slices = planSlicedBindings(r.view, r.tensors, r.maxBindingBytes, r.limits.minStorageBufferOffsetAlignment, r.what);
  const sliced = slices.length > 1;
  const vectorReads = r.vectorReads ?? true;
  const input = r.tensors[r.input];
  const vec4 = vectorReads && vec4Rows(r.view);
  const span4 = vectorReads && span4Rows(r.view, sliced, input.bufferSize, input.bytesPerElement);
  return {
    rows: planRows(r.view, r.limits, r.adapter),
    slices,
    sliced,
    vec4,
    span4,
    x4: readsVec4View(vec4, span4, r.inputDType),
    span4Stores: span4Stores(r.view, span4),
    split: r.splits && !sliced ? planSplit(r.view, r.limits, r.adapter) : undefined,
  };
}
