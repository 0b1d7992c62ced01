import type { FhirErrorCode } from "../fhir/errors.js";
import type { PlatformErrorCode } from "../platform/errors.js";
import type { TerminologyErrorCode } from "../terminology/errors.js";

/**
 * THE error-to-HTTP table: every FHIR core error code → HTTP status and OperationOutcome issue code. Nothing
 * else in the app decides an error status.
 *
 * @see https://hl7.org/fhir/R4/http.html and https://hl7.org/fhir/R4/valueset-issue-type.html
 */
export const ERROR_TABLE: Readonly<
  Record<FhirErrorCode, { readonly status: number; readonly issue: fhir4.OperationOutcomeIssue["code"] }>
> = {
  "not-found": { status: 404, issue: "not-found" },
  gone: { status: 410, issue: "deleted" },
  "unknown-type": { status: 404, issue: "not-supported" },
  "method-not-allowed": { status: 405, issue: "not-supported" },
  "unknown-parameter": { status: 400, issue: "not-supported" },
  "unknown-modifier": { status: 400, issue: "invalid" },
  "invalid-value": { status: 400, issue: "value" },
  "not-supported": { status: 400, issue: "not-supported" },
  "too-costly": { status: 422, issue: "too-costly" },
  "too-long": { status: 414, issue: "too-long" },
  "not-acceptable": { status: 406, issue: "not-supported" },
  "unsupported-media-type": { status: 415, issue: "not-supported" },
  "history-not-supported": { status: 404, issue: "not-supported" },
  "upstream-unavailable": { status: 502, issue: "transient" },
  internal: { status: 500, issue: "exception" },
};

/**
 * The platform's rows (src/platform: authentication, limits, lifecycle), in the same table file; platform
 * errors are written by `sendPlatformError` (src/platform/outcome.ts) with these statuses and issue codes.
 *
 * @see RFC 6750 §3.1 (401/403 with WWW-Authenticate), RFC 6585 (429, 431), RFC 9110 §15.5.14-15 (413, 414)
 */
export const PLATFORM_ERROR_TABLE: Readonly<
  Record<PlatformErrorCode, { readonly status: number; readonly issue: fhir4.OperationOutcomeIssue["code"] }>
> = {
  unauthenticated: { status: 401, issue: "login" },
  "invalid-token": { status: 401, issue: "login" },
  "insufficient-scope": { status: 403, issue: "forbidden" },
  "auth-unavailable": { status: 503, issue: "transient" },
  "rate-limited": { status: 429, issue: "throttled" },
  "payload-too-large": { status: 413, issue: "too-long" },
  "uri-too-long": { status: 414, issue: "too-long" },
  "headers-too-large": { status: 431, issue: "too-long" },
  "bad-request": { status: 400, issue: "invalid" },
  "not-found": { status: 404, issue: "not-found" },
  timeout: { status: 503, issue: "timeout" },
  "upstream-busy": { status: 503, issue: "transient" },
  "shutting-down": { status: 503, issue: "transient" },
  internal: { status: 500, issue: "exception" },
};

/**
 * The terminology gateway's rows (src/terminology): allow-list refusals, body limits, the upstream budget, and
 * upstream failures (timeout 504, connection 502, token endpoint 503 with Retry-After). Written by
 * `sendTerminologyError` (src/terminology/errors.ts).
 *
 * @see https://hl7.org/fhir/R4/http.html, RFC 9110 §15.6.3 (502) and §15.6.5 (504), RFC 6585 §4 (429)
 */
export const TERMINOLOGY_ERROR_TABLE: Readonly<
  Record<
    TerminologyErrorCode,
    { readonly status: number; readonly issue: fhir4.OperationOutcomeIssue["code"] }
  >
> = {
  "not-allowed": { status: 404, issue: "not-supported" },
  "method-not-allowed": { status: 405, issue: "not-supported" },
  "bad-request": { status: 400, issue: "invalid" },
  "unsupported-media-type": { status: 415, issue: "not-supported" },
  "payload-too-large": { status: 413, issue: "too-long" },
  "budget-exhausted": { status: 429, issue: "throttled" },
  "upstream-timeout": { status: 504, issue: "timeout" },
  "upstream-unreachable": { status: 502, issue: "transient" },
  "upstream-credentials-refused": { status: 502, issue: "security" },
  "token-unavailable": { status: 503, issue: "transient" },
};
