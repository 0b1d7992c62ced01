/**
 * Reading token endpoint answers: a successful access token response (RFC 6749 §5.1) or an error response
 * (§5.2). `expires_in` is accepted as a number (Keycloak) or a numeric string (the NHS API Platform's `"599"`).
 *
 * @module
 */
import type { TokenErrorCode } from "./errors.js";
import type { AttemptFailure } from "./http-attempts.js";
import { redact } from "./redact.js";

/** A parsed, validated access token response. */
export interface TokenResponse {
  readonly accessToken: string;
  /** The lifetime in seconds (`expires_in`, or the default when absent). */
  readonly expiresInSeconds: number;
  /** Whether the server sent `expires_in`. */
  readonly expiresInProvided: boolean;
  /** The granted scope, when the server sent one. */
  readonly scope: string | undefined;
}

/** Longest lifetime taken from `expires_in` (one year): larger values are clamped. */
const MAX_LIFETIME_SECONDS = 365 * 24 * 3600;
/** A token must be usable in an HTTP header: visible ASCII only (RFC 6750 §2.1 is stricter; servers vary). */
const HEADER_SAFE = /^[\x21-\x7E]+$/;
const OAUTH_CODES = new Set<string>([
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "invalid_scope",
  "invalid_request",
  "unsupported_grant_type",
]);

function malformed(message: string, status: number): AttemptFailure {
  return { code: "malformed_response", message, retryable: false, status };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    // The parser's message quotes the input (which may hold a token): never forwarded.
    return undefined;
  }
}

/** Parses `expires_in`: a positive number or numeric string; undefined when absent; NaN when invalid. */
export function parseExpiresIn(value: unknown): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) && value > 0 ? Math.min(value, MAX_LIFETIME_SECONDS) : Number.NaN;
  }
  if (typeof value === "string" && /^\s*\d{1,12}(\.\d+)?\s*$/.test(value)) {
    const seconds = Number(value);
    return seconds > 0 ? Math.min(seconds, MAX_LIFETIME_SECONDS) : Number.NaN;
  }
  return Number.NaN;
}

/** Interprets a 2xx token response. */
export function parseTokenResponse(
  text: string,
  status: number,
  defaultExpiresInSeconds: number,
): { ok: true; value: TokenResponse } | { ok: false; failure: AttemptFailure } {
  const body = parseJsonObject(text);
  if (!body) {
    return { ok: false, failure: malformed("the token response is not a JSON object", status) };
  }
  const accessToken = body.access_token;
  if (typeof accessToken !== "string" || accessToken.length === 0) {
    return { ok: false, failure: malformed("the token response has no access_token", status) };
  }
  if (!HEADER_SAFE.test(accessToken)) {
    return {
      ok: false,
      failure: malformed("the access_token contains characters not allowed in a header", status),
    };
  }
  const tokenType = body.token_type;
  if (tokenType !== undefined && (typeof tokenType !== "string" || tokenType.toLowerCase() !== "bearer")) {
    return { ok: false, failure: malformed("the token_type is not Bearer", status) };
  }
  const expiresIn = parseExpiresIn(body.expires_in);
  if (expiresIn !== undefined && Number.isNaN(expiresIn)) {
    return { ok: false, failure: malformed("expires_in is not a positive number", status) };
  }
  const scope = typeof body.scope === "string" ? body.scope : undefined;
  return {
    ok: true,
    value: {
      accessToken,
      expiresInSeconds: expiresIn ?? defaultExpiresInSeconds,
      expiresInProvided: expiresIn !== undefined,
      scope,
    },
  };
}

/** Interprets a non-2xx token response: the OAuth error (RFC 6749 §5.2), with server text redacted. */
export function parseErrorResponse(
  text: string,
  status: number,
  secrets: readonly (string | undefined)[],
): AttemptFailure {
  const body = parseJsonObject(text);
  const rawError = typeof body?.error === "string" ? body.error.slice(0, 200) : undefined;
  const rawDescription =
    typeof body?.error_description === "string" ? body.error_description.slice(0, 1000) : undefined;
  const error = rawError === undefined ? undefined : redact(rawError, secrets);
  const errorDescription = rawDescription === undefined ? undefined : redact(rawDescription, secrets);
  let code: TokenErrorCode;
  let retryable = false;
  if (error !== undefined && OAUTH_CODES.has(error)) {
    code = error as TokenErrorCode;
  } else if (error === "server_error" || error === "temporarily_unavailable") {
    code = "server_error";
    retryable = true;
  } else if (status === 401 || status === 403) {
    code = "invalid_client";
  } else {
    code = "invalid_request";
  }
  const detail = `${error ?? "no OAuth error"}${errorDescription === undefined ? "" : `: ${errorDescription}`}`;
  return {
    code,
    message: `refused with HTTP ${status} (${detail})`,
    retryable,
    status,
    ...(error === undefined ? {} : { error }),
    ...(errorDescription === undefined ? {} : { errorDescription }),
  };
}
