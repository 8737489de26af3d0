/**
 * `npm run generate`: the API glue that follows from the op modules, so that a new op is its host
 * function and nothing else here. From every exported function of src/ops/*.ts and src/keras.ts
 * whose TSDoc carries `@op`, it writes between the `@generated` markers of
 *   src/xent.ts            the Xent method (the function's TSDoc, its parameters after `ctx`), and its imports;
 *   src/index.ts           the public types those signatures name;
 *   src/reference/index.ts the float64 reference modules' exports (all but `@internal` ones).
 * test/declarations/generated.test.ts fails, naming this command, when a file is out of date.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import ts from "typescript";

const kRoot = fileURLToPath(new URL("..", import.meta.url));
const kCommand = "npm run generate (scripts/generate-api.ts)";
/** Names a signature may use without an import. */
const kGlobals = new Set([
  "Promise",
  "Record",
  "Readonly",
  "ReadonlyArray",
  "Array",
  "Partial",
  "Omit",
  "Pick",
  "GPUCommandEncoder",
  "GPUBuffer",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Uint16Array",
]);

interface OpFunction {
  name: string;
  /** The TSDoc comment without the `@op` tag, as written. */
  doc: string;
  params: { name: string; text: string }[];
  returns: string;
  /** The module, relative to src/, without extension (e.g. "ops/softmax"). */
  module: string;
  /** Type names the signature uses, with the module (relative to src/) each comes from. */
  types: Map<string, string>;
}

function sourceOf(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function docOf(node: ts.Node, file: ts.SourceFile): string | undefined {
  const ranges = ts.getLeadingCommentRanges(file.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => file.text.slice(r.pos, r.pos + 3) === "/**").at(-1);
  return last ? file.text.slice(last.pos, last.end) : undefined;
}

/** Where each name a module exports or imports is defined (relative to src/, no extension): re-exports resolved. */
function namesOf(file: ts.SourceFile, module: string): { exported: Map<string, string>; imported: Map<string, string> } {
  const exported = new Map<string, string>();
  const imported = new Map<string, string>();
  const resolve = (spec: string): string => join(module, "..", spec).replace(/\.js$/, "");
  for (const s of file.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.importClause) {
      const from = resolve(s.moduleSpecifier.text);
      const b = s.importClause.namedBindings;
      if (s.importClause.name) imported.set(s.importClause.name.text, from);
      if (b && ts.isNamedImports(b)) for (const e of b.elements) imported.set(e.name.text, from);
    }
  }
  for (const s of file.statements) {
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) {
      const from = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? resolve(s.moduleSpecifier.text) : undefined;
      for (const e of s.exportClause.elements) exported.set(e.name.text, from ?? imported.get(e.name.text) ?? module);
    } else if (
      (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) &&
      isExported(s) &&
      s.name
    ) {
      exported.set(s.name.text, module);
    } else if (ts.isVariableStatement(s) && isExported(s)) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) exported.set(d.name.text, module);
    }
  }
  return { exported, imported };
}

/** The @op functions of one module. */
function opFunctions(path: string): OpFunction[] {
  const file = sourceOf(path);
  const module = relative(join(kRoot, "src"), path).replace(/\.ts$/, "");
  const { exported, imported } = namesOf(file, module);
  const out: OpFunction[] = [];
  for (const s of file.statements) {
    if (!ts.isFunctionDeclaration(s) || !s.name || !isExported(s)) continue;
    const doc = docOf(s, file);
    if (!doc || !/^\s*\*\s*@op\b/m.test(doc)) continue;
    const [ctx, ...rest] = s.parameters;
    if (!ctx || ctx.name.getText(file) !== "ctx") throw new Error(`${module}: @op ${s.name.text}: the first parameter must be ctx`);
    const params = rest
      .filter((p) => p.name.getText(file) !== "internal")
      .map((p) => ({ name: p.name.getText(file), text: p.getText(file) }));
    if (!s.type) throw new Error(`${module}: @op ${s.name.text}: declare its return type`);
    const returns = s.type.getText(file);
    const types = new Map<string, string>();
    for (const text of [...params.map((p) => p.text.slice(p.text.indexOf(":") + 1)), returns]) {
      for (const [word] of text.matchAll(/\b[A-Z][A-Za-z0-9]*\b/g)) {
        if (kGlobals.has(word) || types.has(word)) continue;
        const from = exported.get(word) ?? imported.get(word);
        if (!from) throw new Error(`${module}: @op ${s.name.text}: where does ${word} come from?`);
        types.set(word, from);
      }
    }
    out.push({ name: s.name.text, doc: doc.replace(/^\s*\*\s*@op\b.*\n/m, ""), params, returns, module, types });
  }
  return out;
}

/** Every @op function, by module then source order. */
export function ops(): OpFunction[] {
  const dir = join(kRoot, "src/ops");
  // The ops' modules in name order, then the Keras and scikit-learn module.
  const files = [
    ...readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .sort()
      .map((f) => join(dir, f)),
    join(kRoot, "src/keras.ts"),
  ];
  return files.flatMap(opFunctions);
}

/** Replaces the text between `// @generated <what>` and `// @end generated` (markers kept, indented as found). */
function between(text: string, what: string, body: string[], path: string): string {
  const re = new RegExp(`^([ \\t]*)// @generated ${what}\\b.*\\n[\\s\\S]*?^[ \\t]*// @end generated\\n`, "m");
  const m = re.exec(text);
  if (!m) throw new Error(`${path}: no "// @generated ${what}" … "// @end generated" block`);
  const indent = m[1] ?? "";
  const block = [`${indent}// @generated ${what}: by ${kCommand}; do not edit by hand`, ...body, `${indent}// @end generated`].join("\n");
  return text.slice(0, m.index) + block + "\n" + text.slice(m.index + m[0].length);
}

const importPath = (from: string, module: string): string => {
  const rel = relative(join(from, ".."), module);
  return `${rel.startsWith(".") ? rel : `./${rel}`}.js`;
};

function xentSource(list: OpFunction[], text: string): string {
  const byModule = new Map<string, { values: Set<string>; types: Set<string> }>();
  const entry = (m: string): { values: Set<string>; types: Set<string> } => {
    let e = byModule.get(m);
    if (!e) byModule.set(m, (e = { values: new Set(), types: new Set() }));
    return e;
  };
  for (const op of list) {
    entry(op.module).values.add(op.name);
    for (const [type, from] of op.types) if (type !== "Tensor") entry(from).types.add(type);
  }
  const imports = [...byModule.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([m, { values, types }]) => {
      if (values.size === 0) return `import type { ${[...types].sort().join(", ")} } from "${importPath("xent", m)}";`;
      const names = [...[...values].sort(), ...[...types].sort().map((t) => `type ${t}`)];
      return `import { ${names.join(", ")} } from "${importPath("xent", m)}";`;
    });
  const methods = list.flatMap((op) => [
    "",
    ...op.doc.split("\n").map((l) => `  ${l.trimStart().startsWith("*") ? " " : ""}${l.trim()}`),
    `  ${op.name}(${op.params.map((p) => p.text).join(", ")}): ${op.returns} {`,
    `    return ${op.name}(this.#core${op.params.map((p) => `, ${p.name}`).join("")});`,
    "  }",
  ]);
  return between(between(text, "imports", imports, "src/xent.ts"), "methods", methods.slice(1), "src/xent.ts");
}

function indexSource(list: OpFunction[], text: string): string {
  const byModule = new Map<string, Set<string>>();
  for (const op of list)
    for (const [type, from] of op.types) if (type !== "Tensor") (byModule.get(from) ?? byModule.set(from, new Set()).get(from))?.add(type);
  const lines = [...byModule.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([m, names]) => `export type { ${[...names].sort().join(", ")} } from "${importPath("index", m)}";`);
  return between(text, "types", lines, "src/index.ts");
}

/** The reference modules' exports, but for index.ts, ref-tensor.ts and keras.ts (re-exported by hand) and `@internal` ones. */
function referenceSource(text: string): string {
  const dir = join(kRoot, "src/reference");
  const lines: string[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !["index.ts", "ref-tensor.ts", "keras.ts"].includes(f))
    .sort()) {
    const file = sourceOf(join(dir, f));
    const names: string[] = [];
    for (const s of file.statements) {
      if (!isExported(s)) continue;
      const doc = docOf(s, file) ?? "";
      if (/@internal\b/.test(doc)) continue;
      const isType = ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s);
      const name =
        (ts.isFunctionDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name ? s.name.text : undefined;
      if (name) names.push(isType ? `type ${name}` : name);
    }
    if (names.length) lines.push(`export { ${names.join(", ")} } from "./${basename(f, ".ts")}.js";`);
  }
  return between(text, "reference", lines, "src/reference/index.ts");
}

/** The generated files' contents (path relative to the repository → text), formatted as the repository's prettier does. */
export async function generatedSources(): Promise<Map<string, string>> {
  const list = ops();
  const read = (p: string): string => readFileSync(join(kRoot, p), "utf8");
  const config = (await prettier.resolveConfig(join(kRoot, "src/xent.ts"))) ?? {};
  const out = new Map<string, string>();
  for (const [path, text] of [
    ["src/xent.ts", xentSource(list, read("src/xent.ts"))],
    ["src/index.ts", indexSource(list, read("src/index.ts"))],
    ["src/reference/index.ts", referenceSource(read("src/reference/index.ts"))],
  ] as const)
    out.set(path, await prettier.format(text, { ...config, filepath: join(kRoot, path) }));
  return out;
}

// Run as a script (not when a test imports it).
if (!process.env.VITEST) {
  for (const [path, text] of await generatedSources()) {
    if (readFileSync(join(kRoot, path), "utf8") !== text) {
      writeFileSync(join(kRoot, path), text);
      console.log(`wrote ${path}`);
    }
  }
}
