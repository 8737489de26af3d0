/**
 * What an op's registry entry declares (src/registry/<family>.ts): from it follow the conformance
 * run under every mode, the value and misuse fuzzers, the PyTorch fixtures, the benchmark row and
 * its TF.js counterpart, the TF.js adapter decision and the docs row that tests check. The library
 * never imports the registry (it pulls in the float64 reference).
 */
import type * as TF from "@tensorflow/tfjs-core";
import type { LogitDType } from "../dtype.js";
import type { OptionCheck } from "../option-checks.js";
import type { Tensor } from "../tensor.js";
import type { Xent } from "../xent.js";

/** CPU data of one input (class indices as Int32Array; u32 ones as Uint32Array). */
export interface HostArray {
  data: Float32Array | Int32Array | Uint32Array;
  shape: number[];
}

/** One case of an op: its inputs in argument order (the first is the float input whose dtype varies), tensor options, plain options. */
export interface OpCase {
  inputs: HostArray[];
  /** Options that are tensors (class weights, bias), uploaded as f32 (or as given when integer). */
  tensorOptions: Record<string, HostArray>;
  options: Record<string, unknown>;
}

export type Random = () => number;

/** How an op's time is judged in the benchmark: the bytes it must at least move. */
export type BenchFloor = "read" | "copy" | "read+copy" | "2×read" | "2×read+copy";

/**
 * The shape of an op's cases: "rows" ops take `rows` × `classes` row views (the class dim last);
 * "linear" ops take hidden [rows, H], a classifier [classes, H] and row targets, with no row view
 * of their inputs (their fixtures and fuzz cases are sampled the same way, by the entry).
 */
export type OpKind = "rows" | "linear";

/** The TF.js adapter's decision for the op: the tfLosses() member that offers it, or why it does not. */
export type TfjsDecision = { readonly offered: string } | { readonly excluded: string };

/** The `tf` namespace of @tensorflow/tfjs-core. */
export type Tf = typeof TF;

/**
 * TF.js's own way to compute what the op computes, for the benchmark: `fn` on tf.Tensors of the
 * case's inputs (class indices as int32); with `grad`, tf.valueAndGrad of it w.r.t. the first input.
 */
export interface TfjsCounterpart {
  readonly fn: (tf: Tf, inputs: TF.Tensor[], c: OpCase) => TF.Tensor;
  readonly grad?: boolean;
}

/**
 * PyTorch's answer for the generated fixtures (test/fixtures/generate-torch.py evaluates these
 * Python expressions in float64): `x` is the list of inputs (class indices as int64), `w` the
 * tensor options by name, `o` the plain options; `outputs` one expression per output. With
 * `grad`, one more output: autograd's gradient of the first output (summed) w.r.t. x[0].
 */
export interface TorchRecipe {
  readonly outputs: readonly string[];
  readonly grad?: boolean;
}

/** Extra tolerance the value fuzzer grants an op on hostile inputs (test/robustness/fuzz-values.test.ts). */
export interface FuzzHints {
  /**
   * Per output, the magnitude of the terms f32 adds up to make each element (0 where the op's
   * tolerance covers it), and whether such a sum leaves f32's range.
   */
  termScale?(c: OpCase): { scale: number[]; overflow: boolean[] };
}

export interface RegisteredOp {
  /** The public name: `xent.<name>(…)` (`keras.…` under `xent.keras`). */
  readonly name: string;
  readonly kind: OpKind;
  /** The option checks, one per option of the op's options interface. */
  readonly optionChecks: Readonly<Record<string, OptionCheck>>;
  /** The dtypes the first input may have. */
  readonly dtypes: readonly LogitDType[];
  /** Named option sets the conformance test runs (the op's own tests cover the rest). */
  readonly variants: readonly string[];
  /** A random case of `rows` × `classes` (the class / distribution dim last; linear ops: N and V). */
  sample(random: Random, rows: number, classes: number, variant: string): OpCase;
  /** Runs the op on `inputs` (uploaded from `c`); returns the outputs compared with the reference, in order. */
  run(xent: Xent, inputs: Tensor[], options: Record<string, unknown>, c: OpCase): Tensor[];
  /** The float64 reference of the same outputs, on the inputs as the GPU sees them (16-bit values decoded); throws where it refuses the case. */
  reference(c: OpCase): ArrayLike<number>[];
  /** |gpu − ref| ≤ atol + rtol·|ref|. */
  readonly tolerance: { atol: number; rtol: number };
  /** The floor the benchmark judges it against (see bench/suite.ts): the bytes it must at least move. */
  readonly bench: BenchFloor;
  readonly tfjs: TfjsDecision;
  readonly tfjsCounterpart?: TfjsCounterpart;
  /** PyTorch's expressions for generated fixtures (ops whose fixtures are all hand-made in generate-torch.py may leave it out). */
  readonly torch?: TorchRecipe;
  readonly fuzz?: FuzzHints;
  /** Why the op has no `…WithGrad` twin though it is no activation (the decoding ops: discrete outputs). */
  readonly noGradient?: string;
}
