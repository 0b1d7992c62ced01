import preset from "@fhir-facade/vitest-config";
import { defineConfig, mergeConfig } from "vitest/config";

// The shared preset, with longer timeouts and one test file at a time: the files share the machine's
// PostgreSQL, and the kill -9 tests spawn child processes that load whole files.
export default mergeConfig(
  preset,
  defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false } }),
);
