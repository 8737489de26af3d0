// `npm run build`: the library as ESM in dist/, WGSL inlined (Vite's ?raw), one file per entry.
// Two builds: the default (browser-safe: `navigator.gpu` only, so no bundler ever sees the
// Node-only `webgpu` import) with the reference, and `--mode node` (dist/index.node.js, Dawn and
// the software Vulkan fallback, with dist/tfjs.node.js and dist/ort.node.js beside it), picked by
// package.json `exports` conditions.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => {
  const node = mode === "node";
  const entry: Record<string, string> = node
    ? // The adapters too, so that in Node they share index.node.js's chunk: one copy of the library
      // (one Xent class, one buffer pool) whichever entry a program imports first.
      { "index.node": "src/index.ts", "tfjs.node": "src/tfjs/index.ts", "ort.node": "src/ort/index.ts" }
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
