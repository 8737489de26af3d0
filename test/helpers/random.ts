// Seeded random data so every failure reproduces.
export { seededRandom as rng } from "../../src/registry/index.js";

export function randomFloats(n: number, random: () => number, scale = 4): Float32Array {
  return Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
}

export function randomInts(n: number, random: () => number, hi: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(random() * hi));
}

export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** n probabilities in [0, 1), starting with exact 0 and 1 (log clamped at −100 in PyTorch's BCE) and values next to them. */
export function probabilities(n: number, random: () => number): Float32Array {
  const p = Float32Array.from({ length: n }, () => random());
  p.set([0, 1, 1e-30, 1 - 2 ** -24, 0.5].slice(0, n));
  return p;
}

export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
