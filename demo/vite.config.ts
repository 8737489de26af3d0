// `npm run demo` serves the demo page; `npm run build:demo` builds it as a static site in demo-dist/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: { outDir: fileURLToPath(new URL("../demo-dist", import.meta.url)), emptyOutDir: true, target: "es2022" },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
