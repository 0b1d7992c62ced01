// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The shared lint preset. `packages/*` are libraries: they never log and never read the environment
 * (architecture.md, "Boundaries"); the app reads the environment only in its config module.
 *
 * @param {{ kind: "package" | "app" | "tooling" }} options
 */
export function preset({ kind }) {
  return tseslint.config(
    { ignores: ["dist/**", "coverage/**", ".cache/**", "node_modules/**", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    ...tseslint.configs.stylisticTypeChecked,
    {
      linterOptions: { reportUnusedDisableDirectives: "error" },
      languageOptions: { parserOptions: { projectService: true } },
      rules: {
        "@typescript-eslint/consistent-type-imports": "error",
        "@typescript-eslint/no-floating-promises": "error",
        "@typescript-eslint/switch-exhaustiveness-check": "error",
        "@typescript-eslint/no-non-null-assertion": "error",
        // Conflicts with no-non-null-assertion: an `as T` narrowing is the explicit form we prefer.
        "@typescript-eslint/non-nullable-type-assertion-style": "off",
        "@typescript-eslint/restrict-template-expressions": [
          "error",
          { allowNumber: true, allowBoolean: true },
        ],
        "@typescript-eslint/no-unused-vars": [
          "error",
          { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
        ],
        "@typescript-eslint/no-extraneous-class": "off",
        "max-params": ["error", 4],
        eqeqeq: ["error", "smart"],
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              { group: ["@fhir-facade/*/src/*"], message: "Import the package entry point instead." },
            ],
          },
        ],
        "no-restricted-properties": [
          "error",
          {
            object: "process",
            property: "env",
            message:
              "Read the environment only in apps/fhir-facade/src/config.ts; pass values in as options.",
          },
        ],
      },
    },
    {
      files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
      rules: {
        "@typescript-eslint/no-non-null-assertion": "off",
        "@typescript-eslint/no-unsafe-assignment": "off",
        "@typescript-eslint/no-unsafe-member-access": "off",
        "@typescript-eslint/no-unsafe-call": "off",
        "@typescript-eslint/no-unsafe-argument": "off",
        "@typescript-eslint/no-unsafe-return": "off",
        "@typescript-eslint/no-unnecessary-condition": "off",
        "@typescript-eslint/no-empty-function": "off",
        "max-params": "off",
      },
    },
    kind === "package"
      ? { files: ["src/**/*.ts"], ignores: ["src/**/*.test.ts"], rules: { "no-console": "error" } }
      : {},
  );
}
