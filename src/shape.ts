/** Shapes: validation, sizes and the [outer, classes, inner] view every row op works on. */

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws unless `shape` is an array of non-negative safe integers. */
export function checkShape(shape: unknown, argName: string): asserts shape is Shape {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${argName}: expected an array of dimension sizes, got ${describe(shape)}`);
  }
  // An index loop, not forEach: holes ([2, , 3]) must be seen.
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (!Number.isSafeInteger(d) || (d as number) < 0) {
      throw new TypeError(`${argName}[${i}]: expected a non-negative integer dimension size, got ${describe(d)}`);
    }
  }
}

/**
 * Resolves a possibly negative `dim` against `rank` as PyTorch does (-1 = last).
 * TypeError for a non-integer, RangeError when outside [-rank, rank).
 */
export function normalizeDim(dim: unknown, rank: number, argName = "dim"): number {
  if (!Number.isInteger(dim)) throw new TypeError(`${argName}: expected an integer, got ${describe(dim)}`);
  const d = dim as number;
  // A scalar has no dim: every d fails one of the two tests.
  if (d < -rank || d >= rank) {
    const range = rank === 0 ? "none (the input is a scalar)" : `[${-rank}, ${rank - 1}]`;
    throw new RangeError(`${argName}: expected a dimension in ${range}, got ${d}`);
  }
  return d < 0 ? d + rank : d;
}

/**
 * A tensor seen as rows along `dim`: element (o, c, i) lives at (o * classes + c) * inner + i.
 * A "row" is one (o, i) pair: the `classes` values a softmax normalises together.
 */
export interface RowView {
  outer: number;
  classes: number;
  inner: number;
  rows: number;
}

export function rowView(shape: Shape, dim: number): RowView {
  const outer = shapeSize(shape.slice(0, dim));
  const classes = shape[dim] ?? 1;
  const inner = shapeSize(shape.slice(dim + 1));
  return { outer, classes, inner, rows: outer * inner };
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return withArticle(`${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`);
  return withArticle((value as { constructor?: { name?: string } }).constructor?.name ?? typeof value);
}

/** "a Tensor", "an Object", "an Int32Array …". */
function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}
