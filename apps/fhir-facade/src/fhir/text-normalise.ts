/**
 * String folding for FHIR string search: R4 says the default match is case- and accent-insensitive
 * (https://hl7.org/fhir/R4/search.html#string), `:exact` is neither.
 */

const COMBINING = /[\u0300-\u036f]/g;

/** Lower-cases, strips accents and collapses white space. */
export function foldText(value: string): string {
  const lower = value.toLowerCase();
  // Fast path: plain ASCII needs no NFD decomposition.
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFD").replace(COMBINING, "");
  return ascii.replace(/\s+/g, " ").trim();
}

/** A UK postcode folded for comparison: upper-case, no spaces (`ls1 3ex` → `LS13EX`). */
export function foldPostcode(value: string): string {
  return value.replace(/\s+/g, "").toLowerCase();
}

const SOUNDEX: Readonly<Record<string, string>> = {
  b: "1",
  f: "1",
  p: "1",
  v: "1",
  c: "2",
  g: "2",
  j: "2",
  k: "2",
  q: "2",
  s: "2",
  x: "2",
  z: "2",
  d: "3",
  t: "3",
  l: "4",
  m: "5",
  n: "5",
  r: "6",
};

/** American Soundex of one word (letters only), e.g. `Robert` → `R163`; empty for a word without letters. */
export function soundex(word: string): string {
  const letters = foldText(word).replace(/[^a-z]/g, "");
  const first = letters.charAt(0);
  if (first === "") {
    return "";
  }
  let code = first.toUpperCase();
  let last = SOUNDEX[first] ?? "";
  for (let i = 1; i < letters.length && code.length < 4; i++) {
    const ch = letters.charAt(i);
    const digit = SOUNDEX[ch] ?? "";
    if (digit !== "" && digit !== last) {
      code += digit;
    }
    if (ch !== "h" && ch !== "w") {
      last = digit;
    }
  }
  return code.padEnd(4, "0");
}

/** The Soundex codes of every word of a text. */
export function soundexWords(text: string): string[] {
  return text
    .split(/[^A-Za-z\u00C0-\u024F]+/)
    .map(soundex)
    .filter((s) => s !== "");
}
