/**
 * Typed errors of the token client. Every error has a stable `code` (a string-literal union), a `name`, and the
 * lower-level error as `cause` when there is one. Messages never contain a secret: the client secret, private key,
 * client assertion, access tokens and (for `private_key_jwt`) the API key are redacted from anything the token
 * endpoint echoes back.
 *
 * @module
 */

/**
 * Why a token could not be obtained.
 *
 * - `invalid_client`, `invalid_grant`, `unauthorized_client`, `invalid_scope`, `invalid_request`,
 *   `unsupported_grant_type`: the token endpoint refused the request with that OAuth error
 *   (RFC 6749 §5.2). An unknown OAuth error on a 401/403 is reported as `invalid_client` (for example the NHS API
 *   Platform's `public_key error`), on another 4xx as `invalid_request`.
 * - `rate_limited`: HTTP 429, still refused when the deadline ran out (or `Retry-After` reached past it).
 * - `server_error`: HTTP 5xx (or the OAuth error `server_error` / `temporarily_unavailable`), after retries.
 * - `network`: the connection failed (refused, reset, truncated body), after retries.
 * - `timeout`: a request took longer than `timeoutMs`, and the deadline ran out.
 * - `malformed_response`: not JSON, no `access_token`, a bad `expires_in` or `token_type`, a redirect, a body over
 *   the size limit, or (discovery) a document without a usable `token_endpoint`.
 */
export type TokenErrorCode =
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "invalid_scope"
  | "invalid_request"
  | "unsupported_grant_type"
  | "rate_limited"
  | "server_error"
  | "network"
  | "timeout"
  | "malformed_response";

/** Details of a {@link TokenError}. */
export interface TokenErrorDetails {
  readonly code: TokenErrorCode;
  /** The HTTP status of the last response, when there was one. */
  readonly status?: number;
  /** The OAuth `error` value from the token endpoint (RFC 6749 §5.2), redacted. */
  readonly error?: string;
  /** The OAuth `error_description` from the token endpoint, redacted. */
  readonly errorDescription?: string;
  /** How many HTTP requests were made (1 + retries). */
  readonly attempts?: number;
  /** The last `Retry-After` the endpoint sent, in milliseconds. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A token could not be obtained from the token endpoint (or the discovery document could not be read).
 *
 * @example
 * ```ts
 * try {
 *   await client.getToken();
 * } catch (err) {
 *   if (err instanceof TokenError && err.code === "invalid_client") {
 *     // wrong client secret or key: alert, do not retry
 *   }
 * }
 * ```
 */
export class TokenError extends Error {
  override readonly name = "TokenError";
  readonly code: TokenErrorCode;
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  readonly attempts: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: TokenErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.status = details.status;
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Whether a later attempt may succeed (network, timeout, 5xx, 429). */
  get transient(): boolean {
    return (
      this.code === "network" ||
      this.code === "timeout" ||
      this.code === "server_error" ||
      this.code === "rate_limited"
    );
  }

  /** A plain, secret-free description (what `JSON.stringify` shows). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      error: this.error,
      errorDescription: this.errorDescription,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/**
 * The options given to `createTokenClient` are invalid. `option` names the offending option; the message never
 * repeats its value.
 */
export class TokenClientOptionsError extends TypeError {
  override readonly name = "TokenClientOptionsError";
  readonly code = "invalid_options" as const;
  /** The option's name, for example `clientSecret` or `retry.maxAttempts`. */
  readonly option: string;

  constructor(option: string, problem: string, cause?: unknown) {
    super(
      `auth-client-credentials: option "${option}" ${problem}`,
      cause === undefined ? undefined : { cause },
    );
    this.option = option;
  }
}
