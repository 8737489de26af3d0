// `npm run mutate:wgsl`: deliberate WGSL bugs (mutants.ts), one at a time, each in a temporary
// copy of the working tree (tracked files are never edited); each must make at least one of its
// tests fail ("killed"). Not part of `npm test` (it runs tests once per mutant). Prints the score
// and every survivor. MUTANTS=3,7 runs only those (1-based).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { derivedMutants, kWgslMutants } from "./mutants.js";

const mutants = [...kWgslMutants, ...derivedMutants()];

const root = resolve(import.meta.dirname, "../..");
const copy = mkdtempSync(join(tmpdir(), "xent-mutants-"));
const kSkip = new Set(["node_modules", ".git", "dist", "docs-dist", ".stryker-tmp", "reports"]);
cpSync(root, copy, { recursive: true, filter: (src) => !kSkip.has(src.slice(root.length + 1).split("/")[0] ?? "") });
symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
process.on("exit", () => rmSync(copy, { recursive: true, force: true }));

const only = process.env.MUTANTS?.split(",").map(Number);
const survivors: string[] = [];
let killed = 0;
let run = 0;
for (const [i, m] of mutants.entries()) {
  if (only && !only.includes(i + 1)) continue;
  const file = join(copy, m.file);
  const original = readFileSync(file, "utf8");
  if (!original.includes(m.find)) throw new Error(`mutant ${i + 1} (${m.why}): "${m.find}" not in ${m.file}`);
  writeFileSync(file, original.replace(m.find, m.replace));
  run++;
  let dead = false;
  try {
    execFileSync("npx", ["vitest", "run", "--bail=1", ...(m.names ? ["-t", m.names] : []), ...m.tests], {
      cwd: copy,
      stdio: "ignore",
      env: process.env,
    });
  } catch {
    dead = true;
  } finally {
    writeFileSync(file, original);
  }
  if (dead) killed++;
  else survivors.push(`${i + 1}. ${m.why} (${m.file}: ${m.find} → ${m.replace})`);
  console.log(`${dead ? "killed  " : "SURVIVED"} ${i + 1}. ${m.why}`);
}
console.log(`\nWGSL mutation score: ${killed}/${run} killed${survivors.length ? `\nsurvivors:\n${survivors.join("\n")}` : ""}`);
process.exit(survivors.length ? 1 : 0);
