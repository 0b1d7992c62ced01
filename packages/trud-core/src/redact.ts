/** What replaces the API key wherever it could surface. */
export const REDACTED = "<REDACTED>";

/**
 * Removes an API key from text: the key itself (also URL-encoded and upper-cased), any `/keys/<segment>/`
 * path segment of a TRUD URL (whatever key it holds), and the "API key <key>," phrase that TRUD's own 404
 * message echoes (upstream-trud.md §1.2, §1.5).
 */
export function redactKey(text: string, key: string | undefined): string {
  let out = text;
  if (key !== undefined && key.length > 0) {
    for (const form of new Set([key, encodeURIComponent(key), key.toUpperCase(), key.toLowerCase()])) {
      out = out.split(form).join(REDACTED);
    }
  }
  out = out.replace(/\/keys\/[^/?#\s]+/g, `/keys/${REDACTED}`);
  out = out.replace(/(API key )(?!<REDACTED>)[^\s,.]+/gi, `$1${REDACTED}`);
  return out;
}

/** A URL for display: key redacted, query kept. */
export function redactUrl(url: string | URL, key: string | undefined): string {
  return redactKey(String(url), key);
}
