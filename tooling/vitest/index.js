// @ts-check
import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

/**
 * Conditions that make vitest read each workspace package's TypeScript source (see tooling/typescript).
 * Deliberately without "import": vitest hands these conditions to Node for external packages, and with
 * "import" a CommonJS `require()` resolves a dual package to its ES build (Express's `is-promise`, `pg-pool`,
 * `buffer-crc32`), which breaks them. Node and Vite add "import"/"require" by themselves.
 */
export const conditions = ["@fhir-facade/source", "node", "default"];

/** The shared vitest preset: every package's vitest.config.ts re-exports it. */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    environment: "node",
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The log-capture check over the whole suite: a test file whose output holds a secret fails (secret-guard.js).
    setupFiles: [fileURLToPath(new URL("./secret-guard.js", import.meta.url))],
  },
});
