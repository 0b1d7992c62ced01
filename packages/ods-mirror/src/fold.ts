/**
 * Text normalisation for FHIR string search: case- and accent-insensitive comparisons (R4 search.html#string
 * "the search is case- and accent-insensitive") and UK postcode handling (space- and case-insensitive; an outward
 * code matches only itself, per the ODS ORD search guidance on `PostCode`).
 */

const MARKS = /\p{M}+/gu;
const SPACES = /\s+/g;

/** Printable ASCII only: NFKD leaves it as it is and it holds no combining marks. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Folds text for comparison: compatibility-decomposed, marks removed, lower case, single spaces, trimmed. */
export function fold(text: string): string {
  // Most ODS text is upper-case ASCII: skip the Unicode normalisation, which is the costly part of a load's
  // folding (about 2 million names and address parts in a full file).
  const decomposed = PRINTABLE_ASCII.test(text) ? text : text.normalize("NFKD").replace(MARKS, "");
  return decomposed.toLowerCase().replace(SPACES, " ").trim();
}

/** A postcode without spaces, in upper case (`ls1 4bt` → `LS14BT`). */
export function normalisePostcode(postcode: string): string {
  return postcode.replace(SPACES, "").toUpperCase();
}

const OUTWARD = /^[A-Z]{1,2}[0-9][A-Z0-9]?$/;

/** Whether a value is a complete UK outward code (`LS1`, `SW1A`, `M1`). */
export function isOutwardCode(value: string): boolean {
  return OUTWARD.test(normalisePostcode(value));
}

/** The outward code of a stored postcode (`LS1 4BT` → `LS1`; `LS14BT` → `LS1`). */
export function outwardCode(postcode: string): string {
  const trimmed = postcode.trim().toUpperCase();
  const space = trimmed.search(SPACES);
  if (space > 0) {
    return trimmed.slice(0, space);
  }
  const norm = normalisePostcode(trimmed);
  return norm.length >= 5 ? norm.slice(0, -3) : norm;
}
