/**
 * Stable error codes of the ODS mirror.
 * - `invalid-query`: a search value the store cannot interpret (bad date, count out of range, bad cursor).
 * - `invalid-input`: a record or option that fails validation (bad code, missing name...).
 * - `invalid-file`: a truncated or malformed ODS XML full file (the message carries the position).
 * - `store-unavailable`: the database could not be opened or reached.
 * - `store-corrupt`: the integrity check failed.
 * - `watermark-too-old`: the sync watermark is outside ORD's 185-day `/sync` window; load a new baseline.
 * - `sync-failed`: ORD failed during a sync; the watermark did not move.
 * - `sync-in-progress`: another process holds the sync/load lock.
 * - `empty`: the operation needs a loaded generation and there is none.
 */
export type MirrorErrorCode =
  | "invalid-query"
  | "invalid-input"
  | "invalid-file"
  | "store-unavailable"
  | "store-corrupt"
  | "store-outdated"
  | "watermark-too-old"
  | "sync-failed"
  | "sync-in-progress"
  | "empty";

/** The one error type the mirror throws. `code` is stable; `cause` carries the lower-level error. */
export class MirrorError extends Error {
  readonly code: MirrorErrorCode;
  /** Extra facts for the caller (never secrets): for example the command that fixes the problem. */
  readonly details: Readonly<Record<string, string | number>>;

  constructor(
    code: MirrorErrorCode,
    message: string,
    options: { cause?: unknown; details?: Readonly<Record<string, string | number>> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MirrorError";
    this.code = code;
    this.details = options.details ?? {};
  }
}
