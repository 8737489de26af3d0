// The CPU-only tests of the pure host modules (`npm run mutate` runs StrykerJS against them; they
// are part of `npm test` too, through the main config).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: { include: ["test/host/**/*.test.ts"] },
});
