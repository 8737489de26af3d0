/**
 * Every registered op (see types.ts): each src/registry/<family>.ts exports its entries as `ops`,
 * collected here by file name, so a new family file needs no list to join. Order: by file, then
 * as the file lists them.
 */
import type { RegisteredOp } from "./types.js";

const kFamilies = import.meta.glob<{ ops: readonly RegisteredOp[] }>(["./*.ts", "!./index.ts", "!./types.ts", "!./cases.ts"], {
  eager: true,
});

export const kOpRegistry: readonly RegisteredOp[] = Object.keys(kFamilies)
  .sort()
  .flatMap((file) => (kFamilies[file] as { ops: readonly RegisteredOp[] }).ops);

/** The entry of `name`; throws for an unregistered name. */
export function registeredOp(name: string): RegisteredOp {
  const op = kOpRegistry.find((o) => o.name === name);
  if (!op) throw new Error(`no registered op ${name}`);
  return op;
}

export type * from "./types.js";
export { seededRandom, uploadCase } from "./cases.js";
