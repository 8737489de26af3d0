// `npm run build`: the library as ESM in dist/, WGSL inlined (Vite's ?raw), one file per entry.
// Two builds: the default (browser-safe: `navigator.gpu` only, so no bundler ever sees the
// Node-only `webgpu` import) with the reference, and `--mode node` (dist/index.node.js, Dawn and
// the software Vulkan fallback), picked by package.json `exports` conditions.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => {
  const node = mode === "node";
  const entry: Record<string, string> = node
    ? { "index.node": "src/index.ts" }
    : { index: "src/index.ts", reference: "src/reference/index.ts", tfjs: "src/tfjs/index.ts", ort: "src/ort/index.ts" };
  return {
    resolve: node
      ? {}
      : {
          alias: [
            { find: /^\.\/gpu-platform\.js$/, replacement: fileURLToPath(new URL("./src/gpu-platform.browser.ts", import.meta.url)) },
          ],
        },
    build: {
      lib: {
        entry,
        formats: ["es"],
      },
      outDir: "dist",
      // The node build adds its file to the browser build's.
      emptyOutDir: !node,
      sourcemap: true,
      target: "es2022",
      minify: false,
      rollupOptions: { external: ["webgpu"] },
    },
  };
});
