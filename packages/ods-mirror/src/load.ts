import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  type OdsFhirOptions,
  type OdsManifest,
  type OdsXmlItem,
  type OdsXmlSource,
  isOdsError,
  readOdsXml,
  readOdsZip,
} from "@fhir-facade/ods-core";
import { MirrorError } from "./errors.js";
import type { MirrorEventListener } from "./events.js";
import { recordFromOds } from "./from-ods.js";
import { type LoadFeedItem, workerFeed, workerSupported } from "./load-pool.js";
import { type MirrorRecord, packRows, recordRows } from "./record.js";
import type { MirrorStore } from "./store.js";

/** Options shared by every load. */
export interface LoadOptions {
  /** Where the data came from, for status and events (a path, `TRUD 341 <release>`...). */
  readonly sourceLabel: string;
  /** Release name; default from the file's Manifest (`Full 2026-01-01 #42`). */
  readonly release?: string;
  /** Size of the source, for progress. */
  readonly totalBytes?: number;
  readonly onEvent?: MirrorEventListener;
  readonly signal?: AbortSignal;
  /** FHIR mapping options (ods-core). */
  readonly fhir?: OdsFhirOptions;
  /**
   * Organisations per write transaction (and per batch from the parsing worker). Default 250: small batches keep
   * a load's memory low and its objects young (a 300,000-organisation load took 23.5 s with 250, 26.9 s with
   * 500 and 33 s with 1,000, mostly garbage collection of batches promoted to the old generation).
   */
  readonly batchSize?: number;
  /** The clock, for durations. Default `performance.now`. */
  readonly now?: () => number;
}

/** Options of {@link loadOdsXml}. */
export interface LoadXmlOptions extends LoadOptions {
  /** The XML bytes (a file stream, an entry of a zip...). */
  readonly source: OdsXmlSource;
}

/** Options of {@link loadOdsItems}. */
export interface LoadItemsOptions extends LoadOptions {
  /** Items from ods-core's readers (`readOdsXml`, `readOdsZip`). */
  readonly items: AsyncIterable<OdsXmlItem>;
  /** Bytes read so far, for progress. */
  readonly bytesRead?: () => number;
}

/** What a load did. */
export interface LoadResult {
  readonly release: string;
  readonly generation: number;
  readonly organisations: number;
  readonly watermark: string | undefined;
  readonly seconds: number;
}

function releaseName(manifest: OdsManifest | undefined): string {
  if (manifest === undefined) {
    return "unknown release";
  }
  const seq = manifest.publicationSeqNum === undefined ? "" : ` #${manifest.publicationSeqNum}`;
  return `${manifest.publicationType} ${manifest.publicationDate ?? "undated"}${seq}`;
}

async function* counted(
  source: OdsXmlSource,
  onBytes: (n: number) => void,
): AsyncGenerator<Uint8Array | string> {
  for await (const chunk of source) {
    onBytes(typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength);
    yield chunk;
  }
}

function fileError(error: unknown): MirrorError {
  if (error instanceof MirrorError) {
    return error;
  }
  if (isOdsError(error)) {
    const { line, column } = error.details;
    const where =
      line === undefined ? "" : ` at line ${line}${column === undefined ? "" : `, column ${column}`}`;
    return new MirrorError("invalid-file", `the ODS XML file is not usable${where}: ${error.message}`, {
      cause: error,
      details: {
        odsCode: error.code,
        ...(line === undefined ? {} : { line }),
        ...(column === undefined ? {} : { column }),
      },
    });
  }
  return new MirrorError("invalid-file", "the ODS XML file could not be read", { cause: error });
}

/**
 * Loads an ODS XML full file into a new generation and switches to it atomically. The previous generation keeps
 * serving until the switch; a malformed or truncated file aborts with its position (`invalid-file`) and
 * leaves the previous generation in place. Takes the writer lock for the whole load.
 *
 * The sync watermark becomes the file's publication date (ORD `/sync` then fetches what changed since).
 *
 * @see ../shared/docs/upstream-ods.md §3 (XML layout) and §1.6 (baseline, then daily sync)
 */
export function loadOdsXml(store: MirrorStore, options: LoadXmlOptions): Promise<LoadResult> {
  let bytesRead = 0;
  const { source, ...rest } = options;
  return loadOdsItems(store, {
    ...rest,
    items: readOdsXml(
      counted(source, (n) => {
        bytesRead += n;
      }),
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onWarning: (warning) => {
          options.onEvent?.({ type: "warning", message: warning.message });
        },
      },
    ),
    bytesRead: () => bytesRead,
  });
}

/** Loads organisations read by an ods-core reader into a new generation (see {@link loadOdsXml}). */
export function loadOdsItems(store: MirrorStore, options: LoadItemsOptions): Promise<LoadResult> {
  const batchSize = checkBatchSize(options.batchSize);
  const { items, ...rest } = options;
  return runLoad(store, { ...rest, feed: itemFeed(items, batchSize, options.fhir) });
}

function checkBatchSize(batchSize = 250): number {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new MirrorError("invalid-input", "batchSize must be an integer 1..100000");
  }
  return batchSize;
}

/** Parses and maps in this thread: batches of records, packed into rows. */
async function* itemFeed(
  items: AsyncIterable<OdsXmlItem>,
  batchSize: number,
  fhir: OdsFhirOptions | undefined,
): AsyncGenerator<LoadFeedItem> {
  let batch: MirrorRecord[] = [];
  let maxChange = "";
  const flush = (): LoadFeedItem => {
    const packed = packRows(batch.map(recordRows));
    batch = [];
    return { kind: "rows", packed, maxChange, bytesRead: 0 };
  };
  for await (const item of items) {
    if (item.kind === "manifest") {
      yield { kind: "manifest", manifest: item.manifest };
    } else if (item.kind === "organisation") {
      const record = recordFromOds(item.organisation, fhir);
      if ((record.lastChangeDate ?? "") > maxChange) {
        maxChange = record.lastChangeDate ?? "";
      }
      batch.push(record);
      if (batch.length >= batchSize) {
        yield flush();
      }
    }
  }
  if (batch.length > 0) {
    yield flush();
  }
}

async function runLoad(
  store: MirrorStore,
  options: Omit<LoadOptions, "batchSize"> & {
    readonly feed: AsyncIterable<LoadFeedItem>;
    readonly bytesRead?: () => number;
  },
): Promise<LoadResult> {
  const now = options.now ?? (() => performance.now());
  const emit = options.onEvent ?? (() => undefined);
  const started = now();
  return store.withWriterLock(async () => {
    emit({
      type: "load-started",
      source: options.sourceLabel,
      ...(options.totalBytes === undefined ? {} : { totalBytes: options.totalBytes }),
    });
    let manifest: OdsManifest | undefined;
    let lastProgress = 0;
    let maxChange = "";
    const writer = await store.beginGeneration({
      release: options.release ?? "loading",
      source: options.sourceLabel,
    });
    try {
      for await (const item of options.feed) {
        if (item.kind === "manifest") {
          manifest = item.manifest;
          continue;
        }
        if (item.maxChange > maxChange) {
          maxChange = item.maxChange;
        }
        await writer.addPacked(item.packed);
        if (writer.count - lastProgress >= 10_000) {
          lastProgress = writer.count;
          emit({
            type: "load-progress",
            organisations: writer.count,
            bytesRead: options.bytesRead?.() ?? item.bytesRead,
            ...(options.totalBytes === undefined ? {} : { totalBytes: options.totalBytes }),
          });
        }
      }
      if (manifest === undefined) {
        throw new MirrorError("invalid-file", "the file has no ODS Manifest: not an ODS XML full file");
      }
      if (manifest.recordCount !== undefined && manifest.recordCount !== writer.count) {
        emit({
          type: "warning",
          message: `the Manifest announces ${manifest.recordCount} records; the file holds ${writer.count}`,
        });
      }
      emit({ type: "load-indexing", organisations: writer.count });
      const release = options.release ?? releaseName(manifest);
      const watermark = manifest.publicationDate ?? (maxChange === "" ? undefined : maxChange);
      await writer.setRelease(release);
      await writer.commit(watermark === undefined ? {} : { watermark });
      const seconds = (now() - started) / 1000;
      emit({ type: "load-finished", release, organisations: writer.count, seconds });
      return { release, generation: writer.id, organisations: writer.count, watermark, seconds };
    } catch (error) {
      await writer.abort().catch(() => undefined);
      const failure = fileError(error);
      emit({ type: "load-failed", code: failure.code, message: failure.message });
      throw failure;
    }
  });
}

/** Loads an ODS XML full file from a path (see {@link loadOdsXml}). */
export async function loadOdsXmlFile(
  store: MirrorStore,
  options: Omit<LoadXmlOptions, "source" | "sourceLabel" | "totalBytes"> & { readonly path: string },
): Promise<LoadResult> {
  let size: number;
  try {
    size = (await stat(options.path)).size;
  } catch (error) {
    throw new MirrorError("invalid-input", `cannot read ${options.path}`, { cause: error });
  }
  const { path, ...rest } = options;
  if (workerSupported(options.fhir)) {
    // Parse + map in a worker thread, overlapping the inserts here.
    const batchSize = checkBatchSize(options.batchSize);
    return runLoad(store, {
      ...rest,
      sourceLabel: path,
      totalBytes: size,
      feed: workerFeed({
        source: { kind: "file", path },
        dialect: store.backend,
        batchSize,
        ...(options.fhir === undefined ? {} : { fhir: options.fhir }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onWarning: (message) => options.onEvent?.({ type: "warning", message }),
      }),
    });
  }
  return loadOdsXml(store, {
    ...rest,
    source: createReadStream(path, { highWaterMark: 256 * 1024 }),
    sourceLabel: path,
    totalBytes: size,
  });
}

/** Loads the ODS XML full file inside a TRUD release zip (item 341: `fullfile.zip` → XML), without extracting. */
export async function loadOdsZip(
  store: MirrorStore,
  options: Omit<LoadOptions, "sourceLabel"> & { readonly path: string; readonly sourceLabel?: string },
): Promise<LoadResult> {
  try {
    await stat(options.path);
  } catch (error) {
    throw new MirrorError("invalid-input", `cannot read ${options.path}`, { cause: error });
  }
  const { path, sourceLabel, ...rest } = options;
  if (workerSupported(options.fhir)) {
    return runLoad(store, {
      ...rest,
      sourceLabel: sourceLabel ?? path,
      feed: workerFeed({
        source: { kind: "zip", path },
        dialect: store.backend,
        batchSize: checkBatchSize(options.batchSize),
        ...(options.fhir === undefined ? {} : { fhir: options.fhir }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onWarning: (message) => options.onEvent?.({ type: "warning", message }),
      }),
    });
  }
  return loadOdsItems(store, {
    ...rest,
    sourceLabel: sourceLabel ?? path,
    items: readOdsZip(path, {
      kinds: ["Full"],
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onWarning: (warning) => {
        options.onEvent?.({ type: "warning", message: warning.message });
      },
    }),
  });
}

/** What {@link loadFromTrud} needs: trud-core's `Trud` fits as it is. */
export interface TrudSource {
  ensureLatest(
    item: number,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ readonly path: string; readonly releaseId: string; readonly downloaded: boolean }>;
}

/** TRUD item 341: "ODS XML Organisation Data" (monthly full file). */
export const ODS_TRUD_ITEM = 341;

/**
 * Downloads (or reuses) the newest verified release of TRUD item 341 through trud-core, then loads its full
 * file. Skips the load when that release is already the active one, unless `force`.
 */
export async function loadFromTrud(
  store: MirrorStore,
  options: Omit<LoadOptions, "sourceLabel" | "release"> & {
    readonly trud: TrudSource;
    readonly force?: boolean;
  },
): Promise<LoadResult & { readonly skipped: boolean }> {
  const held = await options.trud.ensureLatest(
    ODS_TRUD_ITEM,
    options.signal === undefined ? {} : { signal: options.signal },
  );
  const release = `TRUD ${ODS_TRUD_ITEM} ${held.releaseId}`;
  const status = await store.status();
  if (options.force !== true && status.release === release) {
    return {
      release,
      generation: status.generation ?? 0,
      organisations: status.organisations,
      watermark: status.watermark,
      seconds: 0,
      skipped: true,
    };
  }
  const { trud: _trud, force: _force, ...rest } = options;
  const result = await loadOdsZip(store, { ...rest, path: held.path, sourceLabel: release, release });
  return { ...result, skipped: false };
}
