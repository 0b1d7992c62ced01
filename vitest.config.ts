import { defineConfig } from "vitest/config";

// `pnpm test` runs every package's and app's tests in one vitest process (projects), then prints the
// "N passed, N failed" line that CI reads (tooling/vitest/summary-reporter.js).
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    reporters: ["default", "./tooling/vitest/summary-reporter.js"],
  },
});
