/**
 * Removes secrets from text that came back from a server (an `error_description` may echo what it was sent).
 *
 * @module
 */

const REDACTED = "[redacted]";

/** Replaces every occurrence of each secret (raw, URL-encoded and form-encoded) with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) {
      continue;
    }
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%20/g, "+"),
    ])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}
