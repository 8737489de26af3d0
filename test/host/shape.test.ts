// src/shape.ts on its own (no GPU): sizes, validation messages, dim normalisation, row views.
import { describe as group, expect, it } from "vitest";
import { checkShape, describe, formatShape, normalizeDim, rowView, sameShape, shapeSize } from "../../src/shape.js";

group("shapes", () => {
  it("size is the product of the dimensions (1 for a scalar, 0 with an empty dimension)", () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([7])).toBe(7);
    expect(shapeSize([2, 3, 4])).toBe(24);
    expect(shapeSize([5, 0, 3])).toBe(0);
  });

  it("format as [a, b, c] and compare by rank and every dimension", () => {
    expect(formatShape([])).toBe("[]");
    expect(formatShape([2, 3])).toBe("[2, 3]");
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([], [])).toBe(true);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    expect(sameShape([2, 3], [2])).toBe(false);
    expect(sameShape([2], [2, 3])).toBe(false);
    expect(sameShape([2, 3], [2, 4])).toBe(false);
  });

  it("accept arrays of non-negative safe integers and name the first bad entry", () => {
    for (const ok of [[], [0], [1, 2, 3], [Number.MAX_SAFE_INTEGER]]) expect(() => checkShape(ok, "shape")).not.toThrow();
    expect(() => checkShape("2,3", "shape")).toThrow(new TypeError('shape: expected an array of dimension sizes, got "2,3"'));
    expect(() => checkShape(undefined, "s")).toThrow(new TypeError("s: expected an array of dimension sizes, got undefined"));
    const bad: [unknown[], number, string][] = [
      [[2, -1], 1, "-1"],
      [[1.5], 0, "1.5"],
      [[2, 3, NaN], 2, "NaN"],
      [[2 ** 53], 0, String(2 ** 53)],
      [[2, "3"], 1, '"3"'],
      // eslint-disable-next-line no-sparse-arrays
      [[2, , 3], 1, "undefined"],
    ];
    for (const [shape, at, got] of bad) {
      expect(() => checkShape(shape, "x.shape")).toThrow(
        new TypeError(`x.shape[${at}]: expected a non-negative integer dimension size, got ${got}`),
      );
    }
  });

  it("normalise dims as PyTorch does: [-rank, rank), negatives from the end", () => {
    expect(normalizeDim(0, 3)).toBe(0);
    expect(normalizeDim(2, 3)).toBe(2);
    expect(normalizeDim(-1, 3)).toBe(2);
    expect(normalizeDim(-3, 3)).toBe(0);
    expect(() => normalizeDim(3, 3)).toThrow(new RangeError("dim: expected a dimension in [-3, 2], got 3"));
    expect(() => normalizeDim(-4, 3, "axis")).toThrow(new RangeError("axis: expected a dimension in [-3, 2], got -4"));
    expect(() => normalizeDim(0, 0)).toThrow(new RangeError("dim: expected a dimension in none (the input is a scalar), got 0"));
    expect(() => normalizeDim(-1, 0)).toThrow(RangeError);
    expect(() => normalizeDim(0.5, 3)).toThrow(new TypeError("dim: expected an integer, got 0.5"));
    expect(() => normalizeDim("1", 3, "d")).toThrow(new TypeError('d: expected an integer, got "1"'));
  });

  it("view a tensor as [outer, classes, inner] rows along a dim", () => {
    expect(rowView([2, 3, 4], 0)).toEqual({ outer: 1, classes: 2, inner: 12, rows: 12 });
    expect(rowView([2, 3, 4], 1)).toEqual({ outer: 2, classes: 3, inner: 4, rows: 8 });
    expect(rowView([2, 3, 4], 2)).toEqual({ outer: 6, classes: 4, inner: 1, rows: 6 });
    expect(rowView([], 0)).toEqual({ outer: 1, classes: 1, inner: 1, rows: 1 });
    expect(rowView([5, 0], 1)).toEqual({ outer: 5, classes: 0, inner: 1, rows: 5 });
  });

  it("describe values for error messages with the right article", () => {
    expect(describe("a")).toBe('"a"');
    expect(describe(3)).toBe("3");
    expect(describe(true)).toBe("true");
    expect(describe(10n)).toBe("10");
    expect(describe(null)).toBe("null");
    expect(describe(undefined)).toBe("undefined");
    expect(describe([1, 2])).toBe("an array of length 2");
    expect(describe(new Float32Array(3))).toBe("a Float32Array of length 3");
    expect(describe(new Int32Array(2))).toBe("an Int32Array of length 2");
    expect(describe({})).toBe("an Object");
    expect(describe(new Map())).toBe("a Map");
    expect(describe(Object.create(null))).toBe("an object");
    expect(describe(() => 1)).toBe("a Function");
    expect(describe(Symbol("s"))).toBe("a Symbol");
  });
});
