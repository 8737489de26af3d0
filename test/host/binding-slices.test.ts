// src/binding-slices.ts on its own (no GPU): slice plans checked against their invariants.
import { expect, it } from "vitest";
import {
  bindRange,
  bindSlice,
  checkRowArrays,
  elementView,
  planBindingSlices,
  planSlicedBindings,
  sliceIn,
  type BindingSlice,
} from "../../src/binding-slices.js";
import type { RowView } from "../../src/shape.js";

/** mulberry32: seeded, so a failing trial reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const view = (outer: number, classes: number, inner: number): RowView => ({ outer, classes, inner, rows: outer * inner });

/** Slices cover the rows in order, each bound range aligned, within the limit and over its data. */
function expectValid(
  v: RowView,
  slices: BindingSlice[],
  bpe: number,
  limit: number,
  alignment: number,
  bufferSize: number,
  maximal = true,
): void {
  const block = v.classes * v.inner * bpe;
  let row = 0;
  for (const [k, s] of slices.entries()) {
    expect(s.firstRow).toBe(row);
    expect(s.rows % v.inner).toBe(0);
    expect(s.rows).toBeGreaterThan(0);
    expect(s.byteOffset % alignment).toBe(0);
    expect(s.byteSize).toBeLessThanOrEqual(limit);
    const start = (s.firstRow / v.inner) * block;
    const end = ((s.firstRow + s.rows) / v.inner) * block;
    expect(s.byteOffset + s.elementOffset * bpe).toBe(start);
    expect(s.elementOffset).toBeGreaterThanOrEqual(0);
    expect(s.elementOffset * bpe).toBeLessThan(alignment);
    expect(s.byteOffset + s.byteSize).toBeGreaterThanOrEqual(Math.min(end, bufferSize));
    expect(s.byteOffset + s.byteSize).toBeLessThanOrEqual(bufferSize);
    expect(s.byteSize % 16 === 0 || s.byteOffset + s.byteSize === bufferSize).toBe(true);
    // Each slice is as long as the limit allows: one more block would not fit.
    if (maximal && k < slices.length - 1) expect(end + block - s.byteOffset).toBeGreaterThan(limit - 16);
    row += s.rows;
  }
  expect(row).toBe(v.rows);
}

it("returns the whole buffer as one slice when the tensor fits one binding", () => {
  expect(planBindingSlices(view(4, 10, 1), 4, 160, 256, 160, "x")).toEqual([
    { firstRow: 0, rows: 4, byteOffset: 0, byteSize: 160, elementOffset: 0 },
  ]);
});

it("cuts larger tensors into aligned slices of whole outer indices within the limit", () => {
  const v = view(10, 30, 1);
  const slices = planBindingSlices(v, 4, 512, 256, 1200, "x");
  expect(slices).toEqual([
    { firstRow: 0, rows: 4, byteOffset: 0, byteSize: 480, elementOffset: 0 },
    { firstRow: 4, rows: 2, byteOffset: 256, byteSize: 464, elementOffset: 56 },
    { firstRow: 6, rows: 2, byteOffset: 512, byteSize: 448, elementOffset: 52 },
    { firstRow: 8, rows: 2, byteOffset: 768, byteSize: 432, elementOffset: 48 },
  ]);
  expectValid(v, slices, 4, 512, 256, 1200);
});

it("holds its invariants over random shapes, element sizes, limits and alignments", () => {
  const r = rng(7);
  for (let trial = 0; trial < 400; trial++) {
    const bpe = [2, 4, 16][Math.floor(r() * 3)]!;
    const v = view(1 + Math.floor(r() * 40), 1 + Math.floor(r() * 50), 1 + Math.floor(r() * 3));
    const alignment = [32, 64, 256][Math.floor(r() * 3)]!;
    const block = v.classes * v.inner * bpe;
    const total = v.outer * block;
    const bufferSize = Math.ceil(total / 4) * 4;
    const limit = Math.max(block + alignment + 16, Math.floor(r() * total));
    const slices = planBindingSlices(v, bpe, limit, alignment, bufferSize, "x");
    if (total <= limit) expect(slices).toHaveLength(1);
    expectValid(v, slices, bpe, limit, alignment, bufferSize);
    // The same rows in a tensor of half the element size: its own aligned range over the same rows.
    const halves = slices.map((s) => sliceIn(v, s, bpe / 2, alignment, bufferSize / 2));
    expect(halves.map((h) => [h.firstRow, h.rows])).toEqual(slices.map((s) => [s.firstRow, s.rows]));
    expectValid(v, halves, bpe / 2, limit, alignment, bufferSize / 2, false);
  }
});

it("refuses, naming the limit, when one outer index cannot fit with its alignment slack", () => {
  expect(() => planBindingSlices(view(4, 100, 1), 4, 399 + 256 + 16, 256, 1600, "crossEntropy: input")).toThrow(
    new RangeError("crossEntropy: input: one row block of 400 bytes does not fit this device's maxStorageBufferBindingSize (671 bytes)"),
  );
  expect(planBindingSlices(view(4, 100, 1), 4, 400 + 256 + 16, 256, 1600, "x")).toHaveLength(4);
});

it("binds a buffer whole, or over a slice's range clipped to the buffer", () => {
  const buffer = { size: 1000 } as GPUBuffer;
  expect(bindSlice(buffer, undefined)).toBe(buffer);
  const slice = { firstRow: 0, rows: 1, byteOffset: 768, byteSize: 496, elementOffset: 0 };
  expect(bindSlice(buffer, slice)).toEqual({ buffer, offset: 768, size: 232 });
  expect(bindSlice(buffer, { ...slice, byteSize: 16 })).toEqual({ buffer, offset: 768, size: 16 });
});

it("refuses row-indexed arrays past one binding, naming the op, the rows and the limit", () => {
  expect(() => checkRowArrays("crossEntropy", 1024, 16, "their statistics", 16384)).not.toThrow();
  expect(() => checkRowArrays("crossEntropy", 1025, 16, "their statistics", 16384)).toThrow(
    new RangeError(
      "crossEntropy: 1025 rows: their statistics (16 bytes a row) do not fit one storage binding (16384 bytes); not sliced yet",
    ),
  );
});

it("binds every tensor of a row op over its own range of the same rows, planned on the widest element", () => {
  const v = view(10, 30, 1);
  const tensors = { x: { bufferSize: 600, bytesPerElement: 2 }, y: { bufferSize: 1200, bytesPerElement: 4 } };
  // One binding holds them: one slice, each bound whole.
  expect(planSlicedBindings(v, tensors, 1200, 256, "x")).toEqual([
    { firstRow: 0, rows: 10, ranges: { x: undefined, y: undefined }, offsets: { x: 0, y: 0 } },
  ]);
  const slices = planSlicedBindings(v, tensors, 512, 256, "x");
  // The rows of the f32 tensor's slices (planBindingSlices' example), the f16 one at its own offsets.
  expect(slices.map((s) => [s.firstRow, s.rows])).toEqual([
    [0, 4],
    [4, 2],
    [6, 2],
    [8, 2],
  ]);
  expect(slices.map((s) => s.ranges.y)).toEqual([
    { offset: 0, size: 480 },
    { offset: 256, size: 464 },
    { offset: 512, size: 448 },
    { offset: 768, size: 432 },
  ]);
  expect(slices.map((s) => s.offsets.y)).toEqual([0, 56, 52, 48]);
  for (const s of slices) {
    const x = sliceIn(v, { firstRow: s.firstRow, rows: s.rows, byteOffset: 0, byteSize: 0, elementOffset: 0 }, 2, 256, 600);
    expect(s.ranges.x).toEqual({ offset: x.byteOffset, size: Math.min(x.byteSize, 600 - x.byteOffset) });
    expect(s.offsets.x).toBe(x.elementOffset);
  }
  // The widest decides, whichever comes first; equal widths plan alike.
  const flipped = planSlicedBindings(v, { y: tensors.y, x: tensors.x }, 512, 256, "x");
  expect(flipped).toEqual(slices);
  const same = planSlicedBindings(
    v,
    { a: { bufferSize: 1200, bytesPerElement: 4 }, b: { bufferSize: 1000, bytesPerElement: 4 } },
    512,
    256,
    "x",
  );
  expect(same.map((s) => s.ranges.a)).toEqual(slices.map((s) => s.ranges.y));
  // Each range is clipped to its own buffer.
  expect(same.at(-1)?.ranges.b).toEqual({ offset: 768, size: 232 });
  expect(() => planSlicedBindings(view(4, 100, 1), { x: { bufferSize: 1600, bytesPerElement: 4 } }, 671, 256, "softmax: x")).toThrow(
    /softmax: x: one row block of 400 bytes/,
  );
});

it("views n elements as n one-element rows, and binds a range or the whole buffer", () => {
  expect(elementView(7)).toEqual({ outer: 7, classes: 1, inner: 1, rows: 7 });
  const buffer = { size: 1000 } as GPUBuffer;
  expect(bindRange(buffer, undefined)).toBe(buffer);
  expect(bindRange(buffer, { offset: 256, size: 100 })).toEqual({ buffer, offset: 256, size: 100 });
});
