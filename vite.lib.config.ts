// `npm run build`: the library as ESM in dist/, WGSL inlined (Vite's ?raw), one file per entry.
import { defineConfig } from "vite";

export default defineConfig({
  build: {
    lib: {
      entry: { index: "src/index.ts", reference: "src/reference/index.ts" },
      formats: ["es"],
    },
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    minify: false,
    rollupOptions: { external: ["webgpu"] },
  },
});
