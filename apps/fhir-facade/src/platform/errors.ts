import { PLATFORM_ERROR_TABLE } from "../http/error-table.js";

/**
 * Failures the platform layer (authentication, limits, lifecycle) reports, with a stable code. Each maps
 * to one HTTP status and one OperationOutcome issue code in the app's error table
 * (`PLATFORM_ERROR_TABLE` in src/http/error-table.ts).
 */
export type PlatformErrorCode =
  | "unauthenticated"
  | "invalid-token"
  | "insufficient-scope"
  | "auth-unavailable"
  | "rate-limited"
  | "payload-too-large"
  | "uri-too-long"
  | "headers-too-large"
  | "bad-request"
  | "not-found"
  | "timeout"
  | "upstream-busy"
  | "shutting-down"
  | "internal";

/** Status and issue code of each platform error: the platform rows of the one error table (src/http). */
export const PLATFORM_ERRORS = PLATFORM_ERROR_TABLE;

/** Options for {@link PlatformError}. */
export interface PlatformErrorOptions {
  /** Response headers the error requires (`WWW-Authenticate`, `Retry-After`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** A platform failure; the message is safe to show to callers (it never holds a credential). */
export class PlatformError extends Error {
  override readonly name = "PlatformError";
  readonly code: PlatformErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: PlatformErrorCode, message: string, options: PlatformErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.headers = options.headers ?? {};
  }

  /** The HTTP status for this error. */
  get status(): number {
    return PLATFORM_ERRORS[this.code].status;
  }
}

/** Whether a value is a {@link PlatformError}. */
export function isPlatformError(value: unknown): value is PlatformError {
  return value instanceof PlatformError;
}
