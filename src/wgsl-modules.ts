/**
 * Shared WGSL, composed into kernels instead of copied. A source names what it needs with lines
 * `// @use name, name` (anywhere, usually at the top); the resolver pulls those modules in
 * transitively, each once, dependencies first, and hoists `enable …;` directives to the top.
 * `lane-exchange` has two builds: subgroup shuffles (`enable subgroups;`) or a stand-in for
 * devices without the feature, whose kernels never call it (their SUBGROUPS override is false).
 */
import numbers from "../shaders/common/numbers.wgsl?raw";
import dispatch from "../shaders/common/dispatch.wgsl?raw";
import rows from "../shaders/common/rows.wgsl?raw";
import chunks from "../shaders/common/chunks.wgsl?raw";
import words from "../shaders/common/words.wgsl?raw";
import logits from "../shaders/common/logits.wgsl?raw";
import logitsVec4 from "../shaders/common/logits-vec4.wgsl?raw";
import onlineSoftmax from "../shaders/common/online-softmax.wgsl?raw";
import span4Store from "../shaders/common/span4-store.wgsl?raw";
import gaps from "../shaders/common/gaps.wgsl?raw";
import rowState from "../shaders/common/row-state.wgsl?raw";
import laneScalar from "../shaders/common/lane-scalar.wgsl?raw";
import laneVec4 from "../shaders/common/lane-vec4.wgsl?raw";
import mergeLanes from "../shaders/common/merge-lanes.wgsl?raw";
import laneExchangeSubgroups from "../shaders/common/lane-exchange-subgroups.wgsl?raw";
import laneExchangeNone from "../shaders/common/lane-exchange-none.wgsl?raw";
import classTarget from "../shaders/common/class-target.wgsl?raw";
import classWeight from "../shaders/common/class-weight.wgsl?raw";
import softcap from "../shaders/common/softcap.wgsl?raw";
import elementwise from "../shaders/common/elementwise.wgsl?raw";
import elementwise4 from "../shaders/common/elementwise4.wgsl?raw";
import elementwiseLoss from "../shaders/common/elementwise-loss.wgsl?raw";
import elementwiseLossVec4 from "../shaders/common/elementwise-loss-vec4.wgsl?raw";
import elementwiseWeights from "../shaders/common/elementwise-weights.wgsl?raw";
import elementwiseLossCore from "../shaders/common/elementwise-loss-core.wgsl?raw";
import kahan from "../shaders/common/kahan.wgsl?raw";
import logMath from "../shaders/common/log-math.wgsl?raw";
import statusLabel from "../shaders/common/status-label.wgsl?raw";
import operands from "../shaders/common/operands.wgsl?raw";
import tileMatmul from "../shaders/common/tile-matmul.wgsl?raw";
import linearLogits from "../shaders/common/linear-logits.wgsl?raw";
import ceRow from "../shaders/common/ce-row.wgsl?raw";
import ceGradRow from "../shaders/common/ce-grad-row.wgsl?raw";

/** Module sources by name; one with two builds gives its subgroup and plain sources. */
export type WgslModules = Readonly<Record<string, string | { readonly subgroups: string; readonly plain: string }>>;

const kModules: WgslModules = {
  numbers,
  dispatch,
  rows,
  chunks,
  words,
  logits,
  "logits-vec4": logitsVec4,
  "online-softmax": onlineSoftmax,
  "span4-store": span4Store,
  gaps,
  "row-state": rowState,
  "lane-scalar": laneScalar,
  "lane-vec4": laneVec4,
  "merge-lanes": mergeLanes,
  "lane-exchange": { subgroups: laneExchangeSubgroups, plain: laneExchangeNone },
  "class-target": classTarget,
  "class-weight": classWeight,
  softcap,
  elementwise,
  elementwise4,
  "elementwise-loss": elementwiseLoss,
  "elementwise-loss-vec4": elementwiseLossVec4,
  "elementwise-weights": elementwiseWeights,
  "elementwise-loss-core": elementwiseLossCore,
  kahan,
  "log-math": logMath,
  "status-label": statusLabel,
  operands,
  "tile-matmul": tileMatmul,
  "linear-logits": linearLogits,
  "ce-row": ceRow,
  "ce-grad-row": ceGradRow,
};

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

function moduleSource(modules: WgslModules, name: string, subgroups: boolean, from: string): string {
  const m = Object.hasOwn(modules, name) ? modules[name] : undefined;
  if (m === undefined) throw new Error(`WGSL: ${from} uses unknown module "${name}"`);
  return typeof m === "string" ? m : subgroups ? m.subgroups : m.plain;
}

/**
 * The header (generated), every module the body uses (transitively, once each), then the body.
 * `modules`: the registry above unless a test brings its own.
 */
export function composeWgsl(header: string, body: string, subgroups: boolean, modules: WgslModules = kModules): string {
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, from: string, path: readonly string[]): void => {
    if (path.includes(name)) throw new Error(`WGSL: module cycle ${[...path, name].join(" → ")}`);
    if (seen.has(name)) return;
    const source = moduleSource(modules, name, subgroups, from);
    for (const dep of usesOf(source)) visit(dep, name, [...path, name]);
    seen.add(name);
    ordered.push(`// ---- ${name}\n${source}`);
  };
  for (const name of usesOf(body)) visit(name, "the kernel", []);
  const parts = [header, ...ordered, `// ---- kernel\n${body}`];
  const enables = new Set(parts.flatMap((p) => p.match(kEnableLine) ?? []));
  const code = parts.map((p) => p.replace(kEnableLine, "")).join("\n");
  return [...enables, code].join("\n");
}
