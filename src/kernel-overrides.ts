/**
 * Override constants that several kernels share, declared once: a kernel picks the ones it is
 * specialised on (`sharedOverrides("WG", "VEC4", …)`) and adds its own. Shared WGSL modules name
 * the ones they read in `// @needs overrides:` lines, which composing a kernel checks
 * (wgsl-modules.ts), so a module cannot read a flag its kernel forgot to declare.
 */
import { kLogitDTypeValues } from "./dtype.js";

const kShared = {
  WG: { kind: "u32", default: 64, doc: "Threads per workgroup." },
  ROW_THREADS: { kind: "u32", default: 1, doc: "Threads per row (row-plan.ts): WG / ROW_THREADS rows a workgroup." },
  PER_THREAD: { kind: "u32", default: 4, doc: "Elements (main) or vec4s (main4) per thread." },
  SUBGROUPS: { kind: "bool", doc: "A row's lanes share one subgroup: merge with shuffles." },
  TWO_PASS: {
    kind: "bool",
    doc: "Scalar rows: a branch-free max pass, then a sum pass, per lane (CPU-emulated adapters); vec4 rows are always one pass.",
  },
  VEC4: { kind: "bool", doc: "Rows read four classes at a time (classes % 4 == 0, class dim last)." },
  SPAN4: { kind: "bool", doc: "Contiguous rows of classes % 4 != 0: the row pass reads the vec4s spanning them." },
  SPAN4_STORE: { kind: "bool", doc: "SPAN4-type rows of ≥ 32 classes: the output pass too (row-plan.ts: span4Stores)." },
  DTYPE: { kind: "enum", values: kLogitDTypeValues, doc: "The input's storage: f32, or two packed 16-bit values a word." },
  HAS_WEIGHT: { kind: "bool", doc: "A weight tensor is bound." },
  HAS_GRAD: { kind: "bool", doc: "Also write the gradient." },
  FROM_LOGITS: { kind: "bool", doc: "The input holds logits (a softmax or sigmoid first), not probabilities." },
  LOG_SOFTMAX: { kind: "bool", doc: "log_softmax instead of softmax." },
  CHECK_LABELS: { kind: "bool", doc: "Record the first bad label (label-check.ts)." },
  TARGET_UNSIGNED: { kind: "bool", doc: "u32 class indices (else i32): class-target.wgsl." },
  IGNORE_INDEX: { kind: "bool", default: true, doc: "Targets equal to ignore_index are ignored (off: none is)." },
} as const;

/** The names of the shared overrides. */
export type SharedOverrideName = keyof typeof kShared;

/** The named shared override declarations, to spread into a kernel's `overrides`. */
export function sharedOverrides<const N extends SharedOverrideName>(...names: N[]): Pick<typeof kShared, N> {
  const out: Partial<Record<SharedOverrideName, (typeof kShared)[SharedOverrideName]>> = {};
  for (const name of names) out[name] = kShared[name];
  return out as Pick<typeof kShared, N>;
}
