import type { ServerResponse } from "node:http";

import { TERMINOLOGY_ERROR_TABLE } from "../http/error-table.js";

/**
 * Failures of the terminology gateway, each with one HTTP status and one OperationOutcome issue code
 * (R4 valueset-issue-type). Diagnostics never contain a credential, a token or the upstream's token URL.
 *
 * - `not-allowed`: the path is not on the allow-list (another resource type, `$closure`, a path escape) → 404.
 * - `method-not-allowed`: a method the route does not support → 405.
 * - `bad-request`: malformed request (absolute-form target, unreadable body) → 400.
 * - `unsupported-media-type`: a POST body that is not FHIR JSON/XML Parameters or a form → 415.
 * - `payload-too-large`: request body over the limit → 413.
 * - `budget-exhausted`: the facade's own upstream budget is spent → 429 with `Retry-After`.
 * - `upstream-timeout`: the Terminology Server did not answer in time → 504.
 * - `upstream-unreachable`: connection refused/reset or a broken response → 502.
 * - `upstream-credentials-refused`: the upstream refused a freshly obtained token → 502.
 * - `token-unavailable`: the token endpoint failed → 503 with `Retry-After`.
 */
export type TerminologyErrorCode =
  | "not-allowed"
  | "method-not-allowed"
  | "bad-request"
  | "unsupported-media-type"
  | "payload-too-large"
  | "budget-exhausted"
  | "upstream-timeout"
  | "upstream-unreachable"
  | "upstream-credentials-refused"
  | "token-unavailable";

/** Status and issue code per error: the gateway's rows of the app's one error table (src/http/error-table.ts). */
export const TERMINOLOGY_ERRORS = TERMINOLOGY_ERROR_TABLE;

/** A gateway failure; its message is safe to show to callers. */
export class TerminologyGatewayError extends Error {
  override readonly name = "TerminologyGatewayError";
  readonly code: TerminologyErrorCode;
  /** Seconds for `Retry-After`, when the caller may retry later. */
  readonly retryAfterS: number | undefined;

  constructor(
    code: TerminologyErrorCode,
    message: string,
    options: { retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterS = options.retryAfterS;
  }

  get status(): number {
    return TERMINOLOGY_ERRORS[this.code].status;
  }

  /** A secret-free description (the cause is left out: it may come from another library). */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryAfterS: this.retryAfterS };
  }
}

/** The OperationOutcome for a gateway error. */
export function terminologyOutcome(err: TerminologyGatewayError): fhir4.OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [{ severity: "error", code: TERMINOLOGY_ERRORS[err.code].issue, diagnostics: err.message }],
  };
}

/** Writes a gateway error (no-op once headers are sent: then the connection is destroyed instead). */
export function sendTerminologyError(res: ServerResponse, err: TerminologyGatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(terminologyOutcome(err));
  const headers: Record<string, string | number> = {
    "content-type": "application/fhir+json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  };
  if (err.retryAfterS !== undefined) {
    headers["retry-after"] = err.retryAfterS;
  }
  if (err.code === "method-not-allowed") {
    headers.allow = "GET, HEAD, POST";
  }
  res.writeHead(err.status, headers);
  res.end(res.req.method === "HEAD" ? undefined : body);
}
