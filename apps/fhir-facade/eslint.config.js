// @ts-check
import { preset } from "@fhir-facade/eslint-config";

export default [
  ...preset({ kind: "app" }),
  // The config module is the one reader of the environment.
  { files: ["src/config.ts"], rules: { "no-restricted-properties": "off" } },
  // Benchmarks are scripts run by `pnpm bench`, not part of the app: they may read their own environment.
  { files: ["bench/**"], rules: { "no-restricted-properties": "off" } },
];
