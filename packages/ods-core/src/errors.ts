/**
 * The package's one error type. Every failure surfaces as an {@link OdsError} with a stable `code`;
 * lower-level failures (network, zip, XML) are wrapped once and kept as `cause`.
 */

/** Stable error codes. Callers switch on these, never on messages. */
export type OdsErrorCode =
  /** ORD JSON or XML organisation record whose structure is wrong (missing OrgId, bad date, …). */
  | "ODS_INVALID_RECORD"
  /** XML that is not well formed, or uses a DTD / entity (refused: no XXE, no entity bombs). */
  | "ODS_XML_MALFORMED"
  /** XML that is well formed but not an ODS `HSCOrgRefData` v2-0-0 document. */
  | "ODS_XML_UNSUPPORTED"
  /** A zip that cannot be read or holds no ODS XML file. */
  | "ODS_ZIP_INVALID"
  /** Reading a file or stream failed (not found, permission, read error). */
  | "ODS_IO"
  /** An input exceeded a configured size limit. */
  | "ODS_TOO_LARGE"
  /** ORD answered 404: the organisation/role/relationship does not exist. */
  | "ORD_NOT_FOUND"
  /** ORD answered 406: not-JSON, LastChangeDate older than 185 days, Offset not > 1, Limit > 1000. */
  | "ORD_NOT_ACCEPTABLE"
  /** ORD answered another 4xx (400 missing parameter, 401, 403). */
  | "ORD_CLIENT_ERROR"
  /** ORD kept failing with 429/5xx after every retry. */
  | "ORD_UNAVAILABLE"
  /** A request got no answer in time (after every retry). */
  | "ORD_TIMEOUT"
  /** The connection failed (after every retry). */
  | "ORD_NETWORK"
  /** ORD answered 2xx with a body that is not the documented JSON shape. */
  | "ORD_BAD_RESPONSE"
  /** Paging ended with a different number of records than `X-Total-Count` announced. */
  | "ORD_COUNT_MISMATCH"
  /** A request was aborted by the caller's signal. */
  | "ORD_ABORTED"
  /** Invalid options or arguments given to this package. */
  | "ODS_INVALID_ARGUMENT";

/** Details attached to an error; never contains secrets (ORD needs none). */
export interface OdsErrorDetails {
  /** The ODS code of the organisation concerned, when known. */
  readonly organisation?: string;
  /** The field (path) concerned, for example `Roles.Role[1].uniqueRoleId`. */
  readonly field?: string;
  /** 1-based line of malformed XML input. */
  readonly line?: number;
  /** 1-based column of malformed XML input. */
  readonly column?: number;
  /** HTTP status of an ORD answer. */
  readonly status?: number;
  /** The ORD URL requested. */
  readonly url?: string;
  /** ORD error body `errorText`, when present. */
  readonly errorText?: string;
}

/** An error from `@fhir-facade/ods-core`. */
export class OdsError extends Error {
  readonly code: OdsErrorCode;
  readonly details: OdsErrorDetails;

  constructor(
    code: OdsErrorCode,
    message: string,
    options: { cause?: unknown; details?: OdsErrorDetails } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OdsError";
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Whether a value is an {@link OdsError} (optionally with one of the given codes). */
export function isOdsError(value: unknown, ...codes: OdsErrorCode[]): value is OdsError {
  return value instanceof OdsError && (codes.length === 0 || codes.includes(value.code));
}
