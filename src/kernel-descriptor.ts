/**
 * A kernel's interface, declared once: its uniform fields, bindings, override constants and entry
 * points. From the declaration come the WGSL header (`struct Params`, the `@group/@binding`
 * variables, the overrides and their enum constants), the bind-group layout and the uniform
 * packing, so the host and the shader cannot drift apart. Host code names every uniform and
 * binding, and TypeScript rejects a misspelt or missing one.
 *
 * WGSL conventions every kernel shares: binding 0 is `params: Params`, whose first field is
 * `groups` (the workgroups wanted, filled in by the recording); storage buffers follow in
 * declaration order.
 */
import { composeWgsl } from "./wgsl-modules.js";

export type UniformType = "u32" | "i32" | "f32";

export interface BindingSpec {
  /** The WGSL type of the variable, e.g. `array<f32>`, `array<vec4<f32>>`, `array<atomic<u32>>`. */
  readonly type: string;
  readonly access: "read" | "read_write";
  /** A variant may leave it unbound: the recording then binds a small placeholder buffer. */
  readonly optional?: boolean;
  /** Why the binding exists, emitted as a comment above it. */
  readonly doc?: string;
}

export type OverrideSpec =
  | { readonly kind: "bool"; readonly default?: boolean; readonly doc?: string }
  | { readonly kind: "u32"; readonly default: number; readonly doc?: string }
  | { readonly kind: "enum"; readonly values: readonly string[]; readonly default?: string; readonly doc?: string }
  /** Computed from other overrides in WGSL; never set by the host. */
  | { readonly kind: "derived"; readonly type: "bool" | "u32"; readonly expression: string; readonly doc?: string };

export interface KernelSpec<
  U extends Record<string, UniformType>,
  B extends Record<string, BindingSpec>,
  O extends Record<string, OverrideSpec>,
  E extends string,
> {
  /** Unique name: the pipeline-cache key prefix and the label of every GPU object made for it. */
  readonly name: string;
  /** The kernel's own WGSL (its body); `// @use` lines in it pull shared modules (see wgsl-modules.ts). */
  readonly body: string;
  /** Uniform fields after `groups`, in struct order. */
  readonly uniforms: U;
  /** Storage bindings 1, 2, … in declaration order. */
  readonly bindings: B;
  readonly overrides: O;
  /** Compute entry points in `body` (default: ["main"]). */
  readonly entryPoints?: readonly E[];
  /** Modules composed in beside the body's `// @use` lines: one body, several builds (elementwise-loss.ts). */
  readonly uses?: readonly string[];
}

/** A kernel ready to record: its declaration plus the generated WGSL. */
export interface Kernel<
  U extends Record<string, UniformType> = Record<string, UniformType>,
  B extends Record<string, BindingSpec> = Record<string, BindingSpec>,
  O extends Record<string, OverrideSpec> = Record<string, OverrideSpec>,
  E extends string = string,
> {
  readonly name: string;
  readonly uniforms: U;
  readonly bindings: B;
  readonly overrides: O;
  readonly entryPoints: readonly E[];
  /** The full module: header, shared modules, body. `subgroups`: the build with `enable subgroups;`. */
  code(subgroups: boolean): string;
  /** Binding names in binding order (binding i + 1). */
  readonly bindingNames: readonly string[];
}

/** A buffer or a byte range of one, as a bind-group entry takes it. */
export type Bindable = GPUBuffer | GPUBufferBinding;

type OptionalKeys<B> = { [K in keyof B]: B[K] extends { optional: true } ? K : never }[keyof B];
type RequiredKeys<B> = Exclude<keyof B, OptionalKeys<B>>;

/** Every required binding by name; optional ones may be left out (they get a placeholder). */
export type BindingValues<B> = { [K in RequiredKeys<B>]: Bindable } & { [K in OptionalKeys<B>]?: Bindable };

export type UniformValues<U> = { [K in keyof U]: number };

type OverrideValue<S> = S extends { kind: "bool" } ? boolean : S extends { kind: "enum"; values: readonly (infer V)[] } ? V : number;
type SettableKeys<O> = { [K in keyof O]: O[K] extends { kind: "derived" } ? never : K }[keyof O];

/** Override values by name; one left out takes its declared default. */
export type OverrideValues<O> = { [K in SettableKeys<O>]?: OverrideValue<O[K]> };

export function defineKernel<
  const U extends Record<string, UniformType>,
  const B extends Record<string, BindingSpec>,
  const O extends Record<string, OverrideSpec>,
  const E extends string = "main",
>(spec: KernelSpec<U, B, O, E>): Kernel<U, B, O, E> {
  if ("groups" in spec.uniforms) throw new Error(`${spec.name}: 'groups' is the implicit first uniform`);
  const header = wgslHeader(spec);
  const face = {
    name: spec.name,
    uniforms: Object.keys(spec.uniforms),
    bindings: Object.keys(spec.bindings),
    overrides: Object.keys(spec.overrides),
  };
  const code = (subgroups: boolean): string => composeWgsl(header, spec.body, subgroups, { kernel: face, uses: spec.uses ?? [] });
  // Both builds composed once here, so a module's unmet @needs fail at definition, on the CPU.
  code(false);
  code(true);
  return {
    name: spec.name,
    uniforms: spec.uniforms,
    bindings: spec.bindings,
    overrides: spec.overrides,
    entryPoints: spec.entryPoints ?? (["main"] as unknown as readonly E[]),
    bindingNames: Object.keys(spec.bindings),
    // Not memoised: the pipeline cache keeps one shader module per device and build.
    code,
  };
}

/** `DTYPE` + `f16` → `DTYPE_F16`: the WGSL constant of one enum value. */
export function enumConstantName(override: string, value: string): string {
  return `${override}_${value.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

function wgslHeader(
  spec: KernelSpec<Record<string, UniformType>, Record<string, BindingSpec>, Record<string, OverrideSpec>, string>,
): string {
  const lines = [
    `// ${spec.name}: generated from its declaration in TypeScript (src/kernel-descriptor.ts).`,
    "struct Params {",
    "  groups: u32,",
  ];
  for (const [name, type] of Object.entries(spec.uniforms)) lines.push(`  ${name}: ${type},`);
  lines.push("}", "", "@group(0) @binding(0) var<uniform> params: Params;");
  Object.entries(spec.bindings).forEach(([name, b], i) => {
    if (b.doc) lines.push(`// ${b.doc}`);
    lines.push(`@group(0) @binding(${i + 1}) var<storage, ${b.access}> ${name}: ${b.type};`);
  });
  lines.push("");
  for (const [name, o] of Object.entries(spec.overrides)) {
    if (o.doc) lines.push(`// ${o.doc}`);
    switch (o.kind) {
      case "bool":
        lines.push(`override ${name}: bool = ${o.default ?? false};`);
        break;
      case "u32":
        lines.push(`override ${name}: u32 = ${o.default}u;`);
        break;
      case "enum": {
        const index = o.default === undefined ? 0 : o.values.indexOf(o.default);
        if (index < 0) throw new Error(`${spec.name}: ${name}: default ${o.default} is not one of ${o.values.join(", ")}`);
        o.values.forEach((v, i) => lines.push(`const ${enumConstantName(name, v)} = ${i}u;`));
        lines.push(`override ${name}: u32 = ${index}u;`);
        break;
      }
      case "derived":
        lines.push(`override ${name}: ${o.type} = ${o.expression};`);
        break;
    }
  }
  return lines.join("\n");
}

/** The numeric pipeline constants of `values`, with every settable override present (defaults filled in). */
export function overrideConstants(kernel: Kernel, values: Readonly<Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(values)) {
    const spec = kernel.overrides[key];
    if (!spec || spec.kind === "derived") throw new Error(`${kernel.name}: no settable override ${key}`);
  }
  for (const [name, spec] of Object.entries(kernel.overrides)) {
    const v = values[name];
    switch (spec.kind) {
      case "bool":
        out[name] = Number(v ?? spec.default ?? false);
        break;
      case "u32":
        out[name] = Number(v ?? spec.default);
        break;
      case "enum": {
        const index = spec.values.indexOf((v ?? spec.default ?? spec.values[0]) as string);
        if (index < 0) throw new Error(`${kernel.name}: ${name}: ${String(v)} is not one of ${spec.values.join(", ")}`);
        out[name] = index;
        break;
      }
      // A derived override is WGSL's to compute: no constant.
    }
  }
  return out;
}

/** Packs `groups` and the named uniform fields in declaration order (4 bytes each), padded to 16 bytes. */
export function packUniforms(kernel: Kernel, groups: number, values: Readonly<Record<string, number>>): ArrayBuffer {
  const fields = Object.entries(kernel.uniforms);
  const data = new ArrayBuffer(Math.ceil(((fields.length + 1) * 4) / 16) * 16);
  const view = new DataView(data);
  view.setUint32(0, groups, true);
  fields.forEach(([name, type], i) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${kernel.name}: uniform ${name} not set`);
    const at = (i + 1) * 4;
    // An i32 and a u32 of the same value have the same bits: DataView wraps either way.
    if (type === "f32") view.setFloat32(at, value, true);
    else view.setUint32(at, value, true);
  });
  return data;
}
