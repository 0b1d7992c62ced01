import { TrudError } from "./errors.js";

// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const UNSAFE_CHARACTER = /[/\\\u0000-\u001f\u007f]/;

/**
 * Refuses a file or folder name that could escape the store: path separators, `..`, control characters,
 * empty or over-long names (snomed-ecl-engine's "bare basename" check, upstream-trud.md §1.6). Spaces are
 * allowed (TRUD item 119 has them).
 *
 * @param what - names the field in the error, e.g. `archiveFileName`.
 */
export function assertSafeFileName(name: string, what: string): string {
  const unsafe = UNSAFE_CHARACTER.test(name) || name.includes("..") || name === "." || name.trim() === "";
  if (unsafe || Buffer.byteLength(name) > 200) {
    throw new TrudError(
      "unsafe-file-name",
      `refusing ${what} ${JSON.stringify(name.slice(0, 80))}: not a plain file name`,
    );
  }
  return name;
}
