// ESLint with typescript-eslint's type-checked rules, over everything TypeScript in the project
// (the extension, the webview script, the tests and their runners). Part of `npm test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "out/", "node_modules/", "demo-workspace/", "test-results/", "*.js", "*.mjs", "build/", "test/bench/floor-extension/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits or catches loses its failure: every one is awaited, returned, or
      // handed to `void` with its rejection handled.
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Refusing control characters in untrusted text (prompts, paths, records) is deliberate.
      "no-control-regex": "off",
    },
  },
  {
    // Fakes and stand-ins implement async interfaces without awaiting anything, and tests print
    // whatever they got when an assertion fails.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-base-to-string": "off",
    },
  },
);
