// @ts-check
import { preset } from "@fhir-facade/eslint-config";

export default [
  ...preset({ kind: "package" }),
  {
    // The library uses Web APIs only (fetch, URL, AbortSignal, TextDecoder, crypto.randomUUID). Node types leak into
    // its build through @types/jsonwebtoken (see README, "Web APIs only"), so this rule keeps Node APIs out instead.
    files: ["src/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@fhir-facade/*/src/*"], message: "Import the package entry point instead." },
            { group: ["node:*"], message: "Web APIs only in this package's source (see README)." },
          ],
          paths: ["buffer", "crypto", "http", "https", "util", "stream", "events", "process"].map((name) => ({
            name,
            message: "Web APIs only in this package's source (see README).",
          })),
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "Buffer", message: "Web APIs only: use Uint8Array / TextEncoder." },
        { name: "process", message: "Web APIs only; packages take options instead." },
        { name: "require", message: "ESM only." },
      ],
    },
  },
];
