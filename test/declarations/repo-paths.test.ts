// Every repository path named in the code, its comments and the docs exists: a moved or deleted
// file leaves no dead pointer behind (`test/<op>.test.ts`-style patterns with placeholders are
// not paths and are skipped).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const kRoots = ["src", "test", "shaders", "bench", "demo", "docs", "scripts", "examples", ".ci"];
// A path: a top-level folder of the repository, then name characters, ending in a file name or a folder's slash.
const kPath = new RegExp(`(?<![\\w./-])((?:${kRoots.map((r) => r.replace(".", "\\.")).join("|")})/[\\w./-]*[\\w/])`, "g");

/** The tracked (and new, not ignored) text files whose paths are checked. */
function files(): string[] {
  const list = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  return list
    .split("\n")
    .filter((f) => /\.(ts|wgsl|md|py|json|sh|html|css|js)$/.test(f) && !f.startsWith("test/fixtures/") && f !== "package-lock.json")
    .filter((f) => kRoots.some((r) => f.startsWith(`${r}/`)) || !f.includes("/"));
}

it("every repository path named in src/, test/, the docs and the scripts exists", () => {
  const dead: string[] = [];
  let named = 0;
  for (const file of files()) {
    if (!existsSync(`${root}${file}`)) continue; // deleted in the work tree, not yet in the index
    const text = readFileSync(`${root}${file}`, "utf8");
    for (const m of text.matchAll(kPath)) {
      const path = (m[1] as string).replace(/[.]+$/, "");
      // Output folders, globs and placeholders (`shaders/cross-entropy*.wgsl`, `test/ops/<op>`) are not files.
      const next = text[(m.index ?? 0) + (m[1] as string).length] ?? "";
      if ("*<{".includes(next) || /^test-output|results\/|-dist\b/.test(path)) continue;
      named++;
      if (!existsSync(`${root}${path}`)) dead.push(`${file}: ${path}`);
    }
  }
  expect(dead).toEqual([]);
  expect(named).toBeGreaterThan(100);
});
