// @ts-check
import { preset } from "@fhir-facade/eslint-config";

export default [
  ...preset({ kind: "package" }),
  {
    // The `trud` command (src/cli/) is the one place in this package that may read the environment
    // (TRUD_API_KEY, TRUD_API_KEY_FILE, TRUD_STORE_DIR, TRUD_BASE_URL) and write to the console: it is a
    // program, not library code. Only src/cli/main.ts actually does; run.ts takes env and streams as
    // parameters so tests drive it in-process, and all the logic stays in the library.
    files: ["src/cli/**/*.ts"],
    rules: { "no-console": "off", "no-restricted-properties": "off" },
  },
];
