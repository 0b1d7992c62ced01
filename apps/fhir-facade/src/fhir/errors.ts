/**
 * Every failure the FHIR core can report, as a stable string code. The HTTP edge maps each code to a status
 * and an OperationOutcome issue code in one table (src/http/error-table.ts); nothing else decides statuses.
 *
 * @see https://hl7.org/fhir/R4/http.html "Rejecting Updates" / "Managing Return Content"
 */
export type FhirErrorCode =
  | "not-found"
  | "gone"
  | "unknown-type"
  | "method-not-allowed"
  | "unknown-parameter"
  | "unknown-modifier"
  | "invalid-value"
  | "not-supported"
  | "too-costly"
  | "too-long"
  | "not-acceptable"
  | "unsupported-media-type"
  | "history-not-supported"
  | "upstream-unavailable"
  | "internal";

/** Options for {@link FhirError}. */
export interface FhirErrorOptions {
  /** FHIRPath-ish location of the problem, e.g. `Organization.name` or the parameter name. */
  readonly expression?: string;
  /** Allowed methods, for `method-not-allowed` (becomes the `Allow` header). */
  readonly allow?: readonly string[];
  readonly cause?: unknown;
}

/** A typed FHIR processing error; the message is safe to show to clients (it never carries secrets). */
export class FhirError extends Error {
  override readonly name = "FhirError";
  readonly code: FhirErrorCode;
  readonly expression: string | undefined;
  readonly allow: readonly string[] | undefined;

  constructor(code: FhirErrorCode, message: string, options: FhirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.expression = options.expression;
    this.allow = options.allow;
  }
}

/** Whether a value is a {@link FhirError}. */
export function isFhirError(value: unknown): value is FhirError {
  return value instanceof FhirError;
}

/** A single-issue OperationOutcome (R4 §2.37, https://hl7.org/fhir/R4/operationoutcome.html). */
export function operationOutcome(
  severity: fhir4.OperationOutcomeIssue["severity"],
  code: fhir4.OperationOutcomeIssue["code"],
  diagnostics: string,
  expression?: string,
): fhir4.OperationOutcome {
  const issue: fhir4.OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) {
    issue.expression = [expression];
  }
  return { resourceType: "OperationOutcome", issue: [issue] };
}
