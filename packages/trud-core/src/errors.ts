/**
 * Every failure of trud-core is a {@link TrudError} with a stable `code`. Messages never contain the API key
 * (it is part of every TRUD URL, upstream-trud.md §1.2): they are redacted before the error is built.
 */
export type TrudErrorCode =
  /** 400: the API key is malformed or unknown. */
  | "invalid-key"
  /** 401: the key was disabled (account password or email changed, or API access turned off). */
  | "key-disabled"
  /** 403: refused (not observed from TRUD, but mapped). */
  | "forbidden"
  /** 404 on the list: the item does not exist, or the account is not subscribed (or pending approval). */
  | "item-not-found"
  /** 404 on a download URL. */
  | "file-not-found"
  /** The requested release id is not in the item's list. */
  | "release-not-found"
  /** 429 after every retry. */
  | "rate-limited"
  /** 5xx after every retry ("is TRUD down for maintenance?"). */
  | "unavailable"
  /** Another unexpected HTTP status. */
  | "http-error"
  /** A network failure (reset, refused, DNS) after every retry. */
  | "network"
  /** No response headers within the per-request timeout. */
  | "timeout"
  /** The body stopped arriving for longer than the idle timeout. */
  | "stalled"
  /** The release list is not the documented shape; `field` names the offending field. */
  | "invalid-response"
  /** A body larger than allowed (a release list over its cap, or more archive bytes than announced). */
  | "too-large"
  /** A file name with a path separator, `..`, or other unsafe characters. */
  | "unsafe-file-name"
  /** A URL outside the allowed origins (including redirects). */
  | "unsafe-url"
  /** The downloaded size differs from `archiveFileSizeBytes`. */
  | "size-mismatch"
  /** The SHA-256 differs from `archiveFileSha256`. */
  | "hash-mismatch"
  /** The release has no published SHA-256 and the caller requires one. */
  | "hash-missing"
  /** The OpenPGP signature or the signed checksum file did not verify. */
  | "signature-invalid"
  /** The store directory cannot be created or written. */
  | "store-unwritable"
  /** A store manifest or pointer is unreadable or not the expected shape. */
  | "store-corrupt"
  /** Another sync holds the store's lock. */
  | "locked"
  /** The caller aborted. */
  | "aborted"
  /** Options that cannot work (missing key, bad concurrency...). */
  | "invalid-options";

/** Options for {@link TrudError}. */
export interface TrudErrorOptions {
  readonly cause?: unknown;
  /** The HTTP status, when the error comes from a response. */
  readonly status?: number;
  /** For `invalid-response`: the JSON path of the field, e.g. `releases[3].archiveFileSizeBytes`. */
  readonly field?: string;
}

/**
 * The error type of trud-core.
 *
 * @example
 * try { await trud.ensureLatest(341); } catch (e) { if (e instanceof TrudError && e.code === "key-disabled") … }
 */
export class TrudError extends Error {
  readonly code: TrudErrorCode;
  readonly status: number | undefined;
  readonly field: string | undefined;

  constructor(code: TrudErrorCode, message: string, options: TrudErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TrudError";
    this.code = code;
    this.status = options.status;
    this.field = options.field;
  }
}

/** Whether a value is a {@link TrudError}, optionally with one of some codes. */
export function isTrudError(value: unknown, ...codes: readonly TrudErrorCode[]): value is TrudError {
  return value instanceof TrudError && (codes.length === 0 || codes.includes(value.code));
}
