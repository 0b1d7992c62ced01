import { fileURLToPath } from "node:url";

/**
 * Absolute path of a file under `packages/testkit/fixtures/`. Resolved from this module's URL, which sits two
 * levels below the package root both as source (`src/ord/`) and compiled (`dist/ord/`).
 */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../fixtures/${relative}`, import.meta.url));
}
