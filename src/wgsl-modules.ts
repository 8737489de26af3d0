/**
 * Shared WGSL, composed into kernels instead of copied. A source names the modules it uses with
 * lines `// @use name, name` (at the start of a line); the resolver pulls those in transitively,
 * each once, dependencies first, and hoists `enable …;` directives to the top. A module names
 * what its kernel must provide with lines
 *   `// @needs uniforms: a, b; bindings: x; overrides: WG, VEC4; functions: load1`
 * and composing a kernel checks them against its declaration (kernel-descriptor.ts) on the CPU,
 * before any GPU sees the code: a missing uniform, binding, override or function is named with
 * the module that needs it. A module that reads `params.x` or an override it does not declare is
 * refused too, so the declarations cannot go stale. `lane-exchange` has two builds: subgroup
 * shuffles (`enable subgroups;`) or a stand-in for devices without the feature, whose kernels
 * never call it (their SUBGROUPS override is false).
 */
const kSources = import.meta.glob<string>("../shaders/common/*.wgsl", { query: "?raw", import: "default", eager: true });

/**
 * Every file in shaders/common by its name; `name.subgroups.wgsl` beside `name.wgsl` makes a
 * two-build module (the first with `enable subgroups;`, the second for devices without it).
 */
export function modulesFromFiles(files: Readonly<Record<string, string>>): WgslModules {
  const out: Record<string, string | { subgroups: string; plain: string }> = {};
  const builds = new Map<string, string>();
  for (const [path, source] of Object.entries(files)) {
    const file = path.slice(path.lastIndexOf("/") + 1).replace(/\.wgsl$/, "");
    if (file.endsWith(".subgroups")) builds.set(file.slice(0, -".subgroups".length), source);
    else out[file] = source;
  }
  for (const [name, subgroups] of builds) {
    const plain = out[name];
    if (typeof plain !== "string") throw new Error(`WGSL: ${name}.subgroups.wgsl has no plain build ${name}.wgsl`);
    out[name] = { subgroups, plain };
  }
  return out;
}

/** Module sources by name; one with two builds gives its subgroup and plain sources. */
export type WgslModules = Readonly<Record<string, string | { readonly subgroups: string; readonly plain: string }>>;

const kModules: WgslModules = modulesFromFiles(kSources);

const kUseLine = /^\/\/ @use (.+)/gm;
const kEnableLine = /^enable [^;]+;/gm;

/** The modules a source names in its `// @use` lines. */
export function usesOf(source: string): string[] {
  return [...source.matchAll(kUseLine)].flatMap((m) =>
    String(m[1])
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** What a module needs from the kernel it is composed into. */
export interface ModuleNeeds {
  readonly uniforms: readonly string[];
  readonly bindings: readonly string[];
  readonly overrides: readonly string[];
  /** Functions another source (the kernel or a module that uses this one) defines. */
  readonly functions: readonly string[];
}

/** The names a kernel declares, as composing checks them. */
export interface KernelInterface {
  readonly name: string;
  readonly uniforms: readonly string[];
  readonly bindings: readonly string[];
  readonly overrides: readonly string[];
}

const kNeedsLine = /^\/\/ @needs (.+)/gm;
const kNeedKinds = ["uniforms", "bindings", "overrides", "functions"] as const;

/** The needs a source declares in its `// @needs` lines. */
export function needsOf(source: string, from = "a module"): ModuleNeeds {
  const needs: Record<(typeof kNeedKinds)[number], string[]> = { uniforms: [], bindings: [], overrides: [], functions: [] };
  for (const line of source.matchAll(kNeedsLine)) {
    for (const clause of String(line[1]).split(";")) {
      if (!clause.trim()) continue;
      const colon = clause.indexOf(":");
      const kind = clause.slice(0, colon).trim();
      if (colon < 0 || !(kNeedKinds as readonly string[]).includes(kind)) {
        throw new Error(`WGSL: ${from}: "@needs ${clause.trim()}" is not "<${kNeedKinds.join("|")}>: names"`);
      }
      const names = clause
        .slice(colon + 1)
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean);
      needs[kind as (typeof kNeedKinds)[number]].push(...names);
    }
  }
  return needs;
}

/** `params.x` fields and override-style (UPPER_CASE) names a source's code reads, comments left out. */
export function readsOf(source: string): { uniforms: string[]; overrides: string[] } {
  const code = source.replace(/\/\/.*$/gm, "");
  const own = new Set([...code.matchAll(/\b(?:const|override)\s+([A-Z][A-Z0-9_]*)/g)].map((m) => String(m[1])));
  const uniforms = new Set([...code.matchAll(/\bparams\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => String(m[1])));
  const overrides = new Set([...code.matchAll(/\b[A-Z][A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]).filter((n) => !own.has(n)));
  return { uniforms: [...uniforms], overrides: [...overrides] };
}

/** The names `source` reads without declaring them (UPPER_CASE constants of other modules excepted). */
function undeclaredReads(source: string, needs: ModuleNeeds, constants: ReadonlySet<string>): string[] {
  const reads = readsOf(source);
  const uniforms = reads.uniforms.filter((u) => u !== "groups" && !needs.uniforms.includes(u)).map((u) => `params.${u}`);
  // An enum override's value constants (DTYPE_F16 of DTYPE) come with the override.
  const overrides = reads.overrides.filter((o) => !constants.has(o) && !needs.overrides.some((n) => o === n || o.startsWith(`${n}_`)));
  return [...uniforms, ...overrides];
}

function moduleSource(modules: WgslModules, name: string, subgroups: boolean, from: string): string {
  const m = Object.hasOwn(modules, name) ? modules[name] : undefined;
  if (m === undefined) throw new Error(`WGSL: ${from} uses unknown module "${name}"`);
  return typeof m === "string" ? m : subgroups ? m.subgroups : m.plain;
}

function checkNeeds(kernel: KernelInterface, name: string, needs: ModuleNeeds, defined: ReadonlySet<string>): void {
  const missing = [
    ...needs.uniforms.filter((u) => u !== "groups" && !kernel.uniforms.includes(u)).map((u) => `uniform ${u}`),
    ...needs.bindings.filter((b) => !kernel.bindings.includes(b)).map((b) => `binding ${b}`),
    ...needs.overrides.filter((o) => !kernel.overrides.includes(o)).map((o) => `override ${o}`),
    ...needs.functions.filter((f) => !defined.has(f)).map((f) => `fn ${f}`),
  ];
  if (missing.length)
    throw new Error(`WGSL: ${kernel.name}: module ${name} needs ${missing.join(", ")}, which the kernel does not provide`);
}

export interface ComposeOptions {
  /** The module table: the library's shaders/common unless a test brings its own. */
  readonly modules?: WgslModules;
  /** Check each module's `@needs` against this kernel. */
  readonly kernel?: KernelInterface;
  /** Modules composed in before the body's own `@use`s: a build variant chosen by the kernel's declaration. */
  readonly uses?: readonly string[];
}

/**
 * The header (generated), every module the body uses (transitively, once each), then the body.
 */
export function composeWgsl(header: string, body: string, subgroups: boolean, options: ComposeOptions = {}): string {
  const { modules = kModules, kernel, uses = [] } = options;
  const ordered: { name: string; source: string }[] = [];
  const seen = new Set<string>();
  const visit = (name: string, from: string, path: readonly string[]): void => {
    if (path.includes(name)) throw new Error(`WGSL: module cycle ${[...path, name].join(" → ")}`);
    if (seen.has(name)) return;
    const source = moduleSource(modules, name, subgroups, from);
    for (const dep of usesOf(source)) visit(dep, name, [...path, name]);
    seen.add(name);
    ordered.push({ name, source });
  };
  for (const name of [...uses, ...usesOf(body)]) visit(name, "the kernel", []);
  if (kernel) {
    const all = [body, ...ordered.map((m) => m.source)].map((s) => s.replace(/\/\/.*$/gm, ""));
    const defined = new Set(all.flatMap((s) => [...s.matchAll(/\bfn\s+([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => String(m[1]))));
    const constants = new Set(all.flatMap((s) => [...s.matchAll(/\bconst\s+([A-Z][A-Z0-9_]*)/g)].map((m) => String(m[1]))));
    for (const m of ordered) {
      const needs = needsOf(m.source, m.name);
      const undeclared = undeclaredReads(m.source, needs, constants);
      if (undeclared.length) throw new Error(`WGSL: module ${m.name} reads ${undeclared.join(", ")} without a @needs line for it`);
      checkNeeds(kernel, m.name, needs, defined);
    }
  }
  const parts = [header, ...ordered.map((m) => `// ---- ${m.name}\n${m.source}`), `// ---- kernel\n${body}`];
  const enables = new Set(parts.flatMap((p) => p.match(kEnableLine) ?? []));
  const code = parts.map((p) => p.replace(kEnableLine, "")).join("\n");
  return [...enables, code].join("\n");
}
