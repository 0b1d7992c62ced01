import { TrudError } from "./errors.js";
import type { TrudErrorCode } from "./errors.js";
import type { TrudEventListener } from "./events.js";
import type { EnsuredRelease, Trud } from "./trud.js";

/**
 * Exit codes of `trud sync` (and of {@link SyncReport.exitCode}), distinct so cron jobs can act on them:
 * 0 everything was already up to date, 3 something new was downloaded, 1 at least one item failed,
 * 4 another sync holds the store's lock, 2 bad usage (the command only).
 */
export const SYNC_EXIT_CODES = { upToDate: 0, failed: 1, usage: 2, updated: 3, locked: 4 } as const;

/** Options for a sync. */
export interface SyncOptions {
  /** Items downloaded at the same time (default 2). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/** What happened to one item. */
export interface SyncItemResult {
  readonly item: number;
  readonly status: "up-to-date" | "updated" | "failed";
  /** The held release (when not failed). */
  readonly release?: EnsuredRelease;
  readonly error?: { readonly code: TrudErrorCode; readonly message: string };
}

/** The outcome of a sync. */
export interface SyncReport {
  readonly status: "up-to-date" | "updated" | "failed" | "locked";
  readonly exitCode: (typeof SYNC_EXIT_CODES)[keyof typeof SYNC_EXIT_CODES];
  readonly results: readonly SyncItemResult[];
}

/**
 * Ensures the latest release of each item (deduplicated) with at most `concurrency` at once, holding the
 * store's lock so two runs (cron overlapping a manual one) never fight over the same files. One failing item
 * does not stop the others.
 */
export async function syncItems(
  trud: Trud,
  items: readonly number[],
  options: SyncOptions & { readonly emit: TrudEventListener },
): Promise<SyncReport> {
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
    throw new TrudError("invalid-options", "concurrency must be an integer from 1 to 16");
  }
  const unique = [...new Set(items)];
  if (unique.length === 0) {
    throw new TrudError("invalid-options", "sync needs at least one item");
  }
  let unlock: () => Promise<void>;
  try {
    unlock = await trud.store.lock();
  } catch (error) {
    if (error instanceof TrudError && error.code === "locked") {
      return { status: "locked", exitCode: SYNC_EXIT_CODES.locked, results: [] };
    }
    throw error;
  }
  const results: SyncItemResult[] = new Array<SyncItemResult>(unique.length);
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < unique.length) {
        const index = next++;
        const item = unique[index] ?? 0;
        results[index] = await syncOne(trud, item, options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
  } finally {
    await unlock();
  }
  const status = results.some((r) => r.status === "failed")
    ? "failed"
    : results.some((r) => r.status === "updated")
      ? "updated"
      : "up-to-date";
  const exitCode =
    status === "failed"
      ? SYNC_EXIT_CODES.failed
      : status === "updated"
        ? SYNC_EXIT_CODES.updated
        : SYNC_EXIT_CODES.upToDate;
  return { status, exitCode, results };
}

async function syncOne(
  trud: Trud,
  item: number,
  options: SyncOptions & { readonly emit: TrudEventListener },
): Promise<SyncItemResult> {
  try {
    const release = await trud.ensureLatest(item, options.signal ? { signal: options.signal } : {});
    const status = release.downloaded ? "updated" : "up-to-date";
    options.emit({ type: "sync-item", item, status, releaseId: release.releaseId });
    return { item, status, release };
  } catch (error) {
    const failure =
      error instanceof TrudError
        ? { code: error.code, message: error.message }
        : { code: "http-error" as const, message: "unexpected failure" };
    options.emit({
      type: "sync-item",
      item,
      status: "failed",
      errorCode: failure.code,
      message: failure.message,
    });
    return { item, status: "failed", error: failure };
  }
}
