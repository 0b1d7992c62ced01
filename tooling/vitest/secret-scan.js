// @ts-check
/**
 * Finding secrets in captured test output: the values registered by the testkit's fakes and harnesses
 * (`registerTestSecret`), in plain and JSON-escaped form, plus shapes that are secrets whoever made them (PEM
 * private keys, signed JWTs). Findings never carry the secret itself, only what kind it was and the line it was
 * on with the secret masked, so the report that a secret leaked does not leak it again.
 */

/** @typedef {{ kind: string, line: string }} SecretFinding */

const SHAPES = /** @type {const} */ ([
  ["PEM private key", /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/g],
  ["HTTP Basic credentials", /\bBasic [A-Za-z0-9+/]{12,}={0,2}/g],
  ["signed JWT", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g],
]);

/**
 * @param {string} text
 * @param {number} at
 * @param {number} length
 * @returns {string}
 */
function maskedLine(text, at, length) {
  const start = text.lastIndexOf("\n", at) + 1;
  const endIndex = text.indexOf("\n", at + length);
  const end = endIndex === -1 ? text.length : endIndex;
  const line = `${text.slice(start, at)}[SECRET]${text.slice(at + length, end)}`;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * The secrets found in `text`.
 *
 * @param {string} text captured output
 * @param {Iterable<string>} secrets registered secret values (values under 8 characters are ignored)
 * @returns {SecretFinding[]}
 */
export function findSecrets(text, secrets) {
  /** @type {SecretFinding[]} */
  const findings = [];
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    // Plain, JSON-escaped, percent-encoded (a query string, a form body) and base64 (a Basic header of the
    // secret alone; `id:secret` is caught through the secret's own base64 only when aligned, so Basic credentials
    // are also matched by the header shape below).
    const forms = new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      Buffer.from(secret, "utf8").toString("base64"),
    ]);
    // A PEM key is recognisable by any one of its base64 lines, however the rest was wrapped or escaped.
    for (const line of secret.split("\n")) {
      if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) forms.add(line);
    }
    for (const form of forms) {
      const at = text.indexOf(form);
      if (at !== -1) {
        findings.push({ kind: "registered test secret", line: maskedLine(text, at, form.length) });
        break;
      }
    }
  }
  for (const [kind, pattern] of SHAPES) {
    pattern.lastIndex = 0;
    const match = pattern.exec(text);
    if (match !== null) {
      findings.push({ kind, line: maskedLine(text, match.index, match[0].length) });
    }
  }
  return findings;
}
