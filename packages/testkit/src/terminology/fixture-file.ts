import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Absolute path of a file under `packages/testkit/fixtures/terminology/`, resolved from this module's URL (it sits
 * two levels below the package root in both `src/` and `dist/`).
 */
export function terminologyFixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../fixtures/terminology/${relative}`, import.meta.url));
}

/** Reads and parses a JSON fixture under `fixtures/terminology/`. */
export function readTerminologyFixture(relative: string): unknown {
  return JSON.parse(readFileSync(terminologyFixturePath(relative), "utf8")) as unknown;
}
