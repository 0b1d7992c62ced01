/**
 * FHIR search value escaping: `\,` `\|` `\$` `\\` stand for the literal characters; an unescaped `,` separates OR
 * values and an unescaped `|` separates a token's system from its code.
 *
 * @see https://hl7.org/fhir/R4/search.html#escaping
 */

/** Splits on every unescaped `separator`, keeping escapes in the parts (unescape them afterwards). */
export function splitUnescaped(value: string, separator: "," | "|" | "$"): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (ch === "\\" && i + 1 < value.length) {
      current += ch + value.charAt(i + 1);
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Removes search escapes: `\,` → `,`, `\|` → `|`, `\$` → `$`, `\\` → `\`; any other backslash is literal. */
export function unescapeValue(value: string): string {
  if (!value.includes("\\")) {
    return value;
  }
  return value.replace(/\\([,|$\\])/g, "$1");
}

/** Escapes a literal for use as a search value (the inverse of {@link unescapeValue}). */
export function escapeValue(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}
