// ESLint with typescript-eslint's type-checked rules over the TypeScript sources (`npm run lint`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "demo-dist/", "node_modules/", "bench/results/", "test-output/", "**/*.js", "**/*.py"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Unused values fail the type-check already (noUnusedLocals/Parameters); `_name` marks a deliberate discard.
      "@typescript-eslint/no-unused-vars": ["error", { varsIgnorePattern: "^_", argsIgnorePattern: "^_" }],
      // Shapes and flags are printed in messages as `[2,3]` / `true` on purpose.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowArray: true, allowBoolean: true }],
    },
  },
);
