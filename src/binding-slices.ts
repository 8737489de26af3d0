/**
 * Tensors larger than one storage binding may be (maxStorageBufferBindingSize, e.g. 128–256 MiB on
 * mobile GPUs) are processed in slices of whole outer indices, each bound as its own buffer range.
 * Ranges must start at a multiple of minStorageBufferOffsetAlignment, so a slice's data begins
 * `elementOffset` elements into its range; kernels add it to every index.
 */
import type { RowView } from "./shape.js";

export interface BindingSlice {
  /** Rows [firstRow, firstRow + rows) of the row view. */
  firstRow: number;
  rows: number;
  /** The bound byte range. */
  byteOffset: number;
  byteSize: number;
  /** Where the slice's first element sits in the bound range, in elements. */
  elementOffset: number;
}

/**
 * The slices of a [outer, classes, inner] tensor of `bytesPerElement` that fit `limit` bytes per
 * binding, or a single whole slice when it fits already. Throws a RangeError naming the limit when
 * even one outer index (classes × inner elements) does not fit.
 */
export function planBindingSlices(
  view: RowView,
  bytesPerElement: number,
  limit: number,
  alignment: number,
  bufferSize: number,
  what: string,
): BindingSlice[] {
  const sliceBytes = view.classes * view.inner * bytesPerElement;
  const total = view.outer * sliceBytes;
  if (total <= limit) return [{ firstRow: 0, rows: view.rows, byteOffset: 0, byteSize: bufferSize, elementOffset: 0 }];
  if (sliceBytes + alignment + 16 > limit) {
    throw new RangeError(
      `${what}: one row block of ${sliceBytes} bytes does not fit this device's maxStorageBufferBindingSize (${limit} bytes)`,
    );
  }
  const slices: BindingSlice[] = [];
  for (let o0 = 0; o0 < view.outer;) {
    const start = o0 * sliceBytes;
    const aligned = Math.floor(start / alignment) * alignment;
    // 16 bytes of slack: the bound size is rounded up to 16.
    const o1 = Math.min(view.outer, Math.floor((aligned + limit - 16) / sliceBytes));
    const end = o1 * sliceBytes;
    slices.push({
      firstRow: o0 * view.inner,
      rows: (o1 - o0) * view.inner,
      byteOffset: aligned,
      byteSize: Math.min(bufferSize - aligned, Math.ceil((end - aligned) / 16) * 16),
      elementOffset: (start - aligned) / bytesPerElement,
    });
    o0 = o1;
  }
  return slices;
}

/**
 * The same rows as `slice` in another tensor of the same [outer, classes, inner] shape but
 * `bytesPerElement` (e.g. the f32 output of 16-bit input): its own aligned range and offset.
 * Plan the slices with the larger element size, so this range fits the binding limit too.
 */
export function sliceIn(view: RowView, slice: BindingSlice, bytesPerElement: number, alignment: number, bufferSize: number): BindingSlice {
  const blockBytes = view.classes * view.inner * bytesPerElement;
  const o0 = slice.firstRow / view.inner;
  const o1 = o0 + slice.rows / view.inner;
  const start = o0 * blockBytes;
  const aligned = Math.floor(start / alignment) * alignment;
  return {
    firstRow: slice.firstRow,
    rows: slice.rows,
    byteOffset: aligned,
    byteSize: Math.min(bufferSize - aligned, Math.ceil((o1 * blockBytes - aligned) / 16) * 16),
    elementOffset: (start - aligned) / bytesPerElement,
  };
}

/** `buffer` bound over `slice`'s range (clipped to the buffer), or whole when there is no slice. */
export function bindSlice(buffer: GPUBuffer, slice: BindingSlice | undefined): GPUBuffer | GPUBufferBinding {
  return slice ? { buffer, offset: slice.byteOffset, size: Math.min(slice.byteSize, buffer.size - slice.byteOffset) } : buffer;
}

/**
 * Row-indexed arrays (class indices, per-row losses, row statistics) are bound whole, not sliced:
 * a RangeError naming the limit, before any GPU work, when `rows` of `bytesPerRow` do not fit.
 */
export function checkRowArrays(op: string, rows: number, bytesPerRow: number, arrays: string, limit: number): void {
  if (rows * bytesPerRow > limit) {
    throw new RangeError(
      `${op}: ${rows} rows: ${arrays} (${bytesPerRow} bytes a row) do not fit one storage binding (${limit} bytes); not sliced yet`,
    );
  }
}

/** n elements as a row view of n one-element rows, for tensors sliced by element (the elementwise ops). */
export function elementView(n: number): RowView {
  return { outer: n, classes: 1, inner: 1, rows: n };
}

/** A tensor a row op binds row by row: its buffer's size (an output's as it will be allocated) and bytes per element. */
export interface SlicedTensor {
  bufferSize: number;
  bytesPerElement: number;
  /** Its size along the row dim when not the view's (topK's k results; 1 for an array of one value a row). */
  classes?: number;
}

/** A byte range of a buffer; undefined: the whole buffer. */
export type BufferRange = { offset: number; size: number } | undefined;

/** One slice of rows and where each tensor's part of it is bound: its byte range and its first element's offset in that range. */
export interface SliceBinding<K extends string> {
  firstRow: number;
  rows: number;
  ranges: Record<K, BufferRange>;
  offsets: Record<K, number>;
}

/**
 * The slices a row op's tensors are bound in: planned on the one with the largest elements (so
 * every tensor's range of the same rows fits the limit too), then each tensor's own aligned range
 * and offset. One slice with every tensor bound whole when they fit. Throws as planBindingSlices.
 */
export function planSlicedBindings<K extends string>(
  view: RowView,
  tensors: Readonly<Record<K, SlicedTensor>>,
  limit: number,
  alignment: number,
  what: string,
): SliceBinding<K>[] {
  const names = Object.keys(tensors) as K[];
  // The rows of each slice depend on the bytes of a row block alone: plan on the widest tensor's;
  // each tensor's range is its own below.
  const viewOf = (n: K): RowView => ({ ...view, classes: tensors[n].classes ?? view.classes });
  const blockBytes = (n: K): number => (tensors[n].classes ?? view.classes) * tensors[n].bytesPerElement;
  const widest = names.reduce((a, b) => (blockBytes(b) > blockBytes(a) ? b : a));
  const planned = planBindingSlices(viewOf(widest), tensors[widest].bytesPerElement, limit, alignment, Number.POSITIVE_INFINITY, what);
  const each = <T>(f: (name: K) => T): Record<K, T> => Object.fromEntries(names.map((n) => [n, f(n)])) as Record<K, T>;
  if (planned.length === 1) return [{ firstRow: 0, rows: view.rows, ranges: each(() => undefined), offsets: each(() => 0) }];
  return planned.map((slice) => {
    const own = each((n) => sliceIn(viewOf(n), slice, tensors[n].bytesPerElement, alignment, tensors[n].bufferSize));
    return {
      firstRow: slice.firstRow,
      rows: slice.rows,
      // sliceIn clips each range to its buffer.
      ranges: each((n) => ({ offset: own[n].byteOffset, size: own[n].byteSize })),
      offsets: each((n) => own[n].elementOffset),
    };
  });
}

/** `buffer` bound over `range`, or whole. */
export function bindRange(buffer: GPUBuffer, range: BufferRange): GPUBuffer | GPUBufferBinding {
  return range ? { buffer, offset: range.offset, size: range.size } : buffer;
}
