import { type OdsFhirOptions, type OdsOrganisation, isOdsError } from "@fhir-facade/ods-core";
import { SqliteDatabase } from "./db/sqlite.js";
import { MirrorError } from "./errors.js";
import type { MirrorEventListener } from "./events.js";
import { recordFromOds } from "./from-ods.js";
import type { MirrorRecord } from "./record.js";
import type { MirrorStore } from "./store.js";

/**
 * What sync needs from ORD: ods-core's `OrdClient` (rate-limited, retrying) fits as it is.
 * `organisation` must throw an ods-core `OdsError` with code `ORD_NOT_FOUND` for a code ORD no longer has.
 */
export interface OrdSource {
  sync(since: string, signal?: AbortSignal): Promise<{ readonly codes: readonly string[] }>;
  organisation(code: string, signal?: AbortSignal): Promise<OdsOrganisation>;
}

/** Options of {@link syncMirror}. */
export interface SyncOptions {
  readonly ord: OrdSource;
  readonly onEvent?: MirrorEventListener;
  readonly signal?: AbortSignal;
  readonly fhir?: OdsFhirOptions;
  /** Organisation reads in flight at once (the client's rate limit still applies). Default 8. */
  readonly concurrency?: number;
  /** Organisations per committed batch. Default 500. */
  readonly batchSize?: number;
  /** ORD's `/sync` window in days. Default 185. */
  readonly windowDays?: number;
  /** Command that loads a new baseline, quoted in the too-old error. Default `mirror load --trud`. */
  readonly rebaselineCommand?: string;
  /** Timer for durations. Default `performance.now`. */
  readonly timer?: () => number;
}

/** What a sync did. */
export interface SyncResult {
  readonly since: string;
  readonly watermark: string;
  readonly changed: number;
  readonly upserted: number;
  readonly removed: number;
  readonly seconds: number;
}

const DAY = 86_400_000;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function syncFailed(error: unknown, what: string): MirrorError {
  if (error instanceof MirrorError) {
    return error;
  }
  const detail = isOdsError(error) ? ` (${error.code})` : "";
  return new MirrorError("sync-failed", `${what}${detail}; the watermark did not move`, { cause: error });
}

/**
 * Brings the mirror up to date from ORD: `GET sync?LastChangeDate=<watermark>`, then each changed organisation
 * through the (rate-limited) client, upserted in batches; a code ORD answers 404 for is removed and tombstoned.
 * The watermark (the day the run started) is written in the same transaction as the last batch, so a failure at
 * any point leaves it unmoved and a rerun is idempotent. A watermark outside ORD's 185-day window cannot be
 * synced: the error names the command that loads a new baseline. Takes the writer lock (PostgreSQL: an advisory
 * lock, so only one replica syncs).
 *
 * @see ../shared/docs/upstream-ods.md §1.6
 */
export async function syncMirror(store: MirrorStore, options: SyncOptions): Promise<SyncResult> {
  const timer = options.timer ?? (() => performance.now());
  const concurrency = options.concurrency ?? 8;
  const batchSize = options.batchSize ?? 500;
  const windowDays = options.windowDays ?? 185;
  const command = options.rebaselineCommand ?? "mirror load --trud";
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new MirrorError("invalid-input", "concurrency must be an integer 1..64");
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new MirrorError("invalid-input", "batchSize must be an integer 1..10000");
  }
  const emit = options.onEvent ?? (() => undefined);
  const started = timer();
  const batched = <T>(fn: () => Promise<T>): Promise<T> =>
    store.db instanceof SqliteDatabase ? store.db.batchWrites(fn) : fn();
  return store.withWriterLock(() =>
    batched(async () => {
      const meta = await store.meta();
      const since = meta.watermark;
      if (since === undefined || meta.release === undefined) {
        throw new MirrorError("empty", "the mirror has no baseline to sync from; load one first", {
          details: { command },
        });
      }
      const today = store.now();
      const age = Math.floor((today - Date.parse(`${since}T00:00:00Z`)) / DAY);
      const tooOld = (cause?: unknown): MirrorError =>
        new MirrorError(
          "watermark-too-old",
          `the mirror's watermark ${since} is ${age} days old, outside ORD's ${windowDays}-day sync window: load a new baseline with \`${command}\``,
          { cause, details: { watermark: since, ageDays: age, command } },
        );
      if (age > windowDays) {
        throw tooOld();
      }
      const watermark = day(today);
      emit({ type: "sync-started", since });
      let codes: string[];
      try {
        codes = [
          ...new Set((await options.ord.sync(since, options.signal)).codes.map((c) => c.toUpperCase())),
        ];
      } catch (error) {
        if (isOdsError(error) && error.code === "ORD_NOT_ACCEPTABLE") {
          throw tooOld(error);
        }
        throw syncFailed(error, "ORD sync failed");
      }
      emit({ type: "sync-changes", changed: codes.length });
      let upserted = 0;
      let removed = 0;
      let fetched = 0;
      for (let start = 0; start < codes.length || start === 0; start += batchSize) {
        const chunk = codes.slice(start, start + batchSize);
        const upserts: MirrorRecord[] = [];
        const removals: string[] = [];
        let next = 0;
        let failed = false;
        const worker = async (): Promise<void> => {
          while (next < chunk.length && !failed) {
            const code = chunk[next] ?? "";
            next += 1;
            try {
              const org = await options.ord.organisation(code, options.signal);
              upserts.push(recordFromOds(org, options.fhir));
            } catch (error) {
              if (isOdsError(error) && error.code === "ORD_NOT_FOUND") {
                removals.push(code);
              } else {
                failed = true;
                throw syncFailed(error, `ORD failed while reading ${code}`);
              }
            }
            fetched += 1;
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(chunk.length, 1)) }, worker));
        const last = start + batchSize >= codes.length;
        const result = await store.applyChanges({ upserts, removals, ...(last ? { watermark } : {}) });
        upserted += result.upserted;
        removed += result.removed;
        emit({ type: "sync-progress", fetched, total: codes.length });
        if (last) {
          break;
        }
      }
      const seconds = (timer() - started) / 1000;
      emit({ type: "sync-finished", upserted, removed, watermark, seconds });
      return { since, watermark, changed: codes.length, upserted, removed, seconds };
    }),
  );
}
