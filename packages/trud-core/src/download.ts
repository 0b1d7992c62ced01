import { createHash } from "node:crypto";
import type { Hash } from "node:crypto";
import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

import { clientInternals } from "./client.js";
import type { TrudClient } from "./client.js";
import { TrudError } from "./errors.js";
import { bodyChunks, cancelBody, openOnce, readFailure, retryable, withRetries } from "./http.js";
import type { Opened } from "./http.js";
import { rawBody } from "./raw-http.js";
import type { RawBody } from "./raw-http.js";
import type { TrudRelease } from "./release.js";

/** What {@link downloadArchive} needs. */
export interface DownloadArchiveOptions {
  readonly client: TrudClient;
  readonly item: number;
  readonly release: TrudRelease;
  /** The final path; the temporary `<target>.part` (and its `.part.json` state) live next to it. */
  readonly target: string;
  /** Also compute the SHA-1 (for the legacy signed FCIV checksum, upstream-trud.md §1.7). */
  readonly sha1?: boolean;
  /** Fail with `hash-missing` if TRUD published no SHA-256 (default true). */
  readonly requireSha256?: boolean;
  readonly signal?: AbortSignal;
  /** Clock for progress rates (default `performance.now`). */
  readonly now?: () => number;
  /** Minimum gap between progress events (default 250 ms). */
  readonly progressIntervalMs?: number;
}

/** The outcome of a verified download. */
export interface DownloadResult {
  /** Upper-case hex, equal to the release's `archiveFileSha256`. */
  readonly sha256: string;
  readonly sha1Base64?: string;
  readonly bytes: number;
  /** Bytes that crossed the network in this call (less than `bytes` after a resume). */
  readonly transferred: number;
  readonly resumedFrom: number;
  readonly restarts: number;
}

interface PartState {
  readonly releaseId: string;
  readonly lastModified: string;
  readonly size: number;
  readonly sha256: string | null;
  readonly validator: string | null;
}

const FLUSH_BYTES = 1024 * 1024;

/** The buffers left after the first `n` bytes were written (a short write is rare but legal). */
function dropBytes(chunks: readonly Uint8Array[], n: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skip = n;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
    } else {
      rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
  }
  return rest;
}

/**
 * Streams a release archive to `<target>.part`, hashing SHA-256 (and optionally SHA-1) as bytes arrive, then
 * checks the size and hash against the release metadata, fsyncs and renames into place. On a mismatch the
 * partial file is deleted and the error says which check failed; the target never appears.
 *
 * Interrupted transfers resume with `Range` + `If-Range` from the bytes already on disk (also across runs,
 * via the `.part.json` state); a server that ignores `Range` (200) or changed the file is restarted cleanly
 * from byte 0. Network errors, stalls, 429 and 5xx are retried with backoff. A body longer than
 * `archiveFileSizeBytes` is cut off at that size and fails as `size-mismatch`.
 */
export async function downloadArchive(options: DownloadArchiveOptions): Promise<DownloadResult> {
  const { client, release, target } = options;
  const { http, idleTimeoutMs, keyed } = clientInternals(client);
  const expected = release.archiveFileSizeBytes;
  const wantSha = release.archiveFileSha256;
  if (wantSha === undefined && options.requireSha256 !== false) {
    throw new TrudError(
      "hash-missing",
      `TRUD published no SHA-256 for release ${release.id}; refusing an unverifiable download`,
    );
  }
  const now = options.now ?? (() => performance.now());
  const part = `${target}.part`;
  const stateFile = `${target}.part.json`;
  const display = release.archiveFileUrl;
  const emitBase = { item: options.item, releaseId: release.id };

  const session = {
    offset: 0,
    hash: createHash("sha256"),
    sha1: options.sha1 ? createHash("sha1") : undefined,
    validator: null as string | null,
    transferred: 0,
    restarts: 0,
  };
  const state = (): PartState => ({
    releaseId: release.id,
    lastModified: release.archiveFileLastModifiedTimestamp,
    size: expected,
    sha256: wantSha ?? null,
    validator: session.validator,
  });

  const handle = await openPart(part);
  try {
    const resumedFrom = await loadPartial(handle, { stateFile, expected, session, state: state() });
    if (resumedFrom > 0) {
      http.emit({ type: "resume", ...emitBase, offset: resumedFrom });
    }
    await writeFile(stateFile, JSON.stringify(state()));
    http.emit({ type: "download-start", ...emitBase, total: expected, resumeFrom: resumedFrom });
    const started = now();
    let lastProgress = started;

    const reset = async (
      reason: "range-ignored" | "range-unsatisfiable" | "partial-unusable" | "hash-mismatch-after-resume",
    ): Promise<void> => {
      await handle.truncate(0);
      session.offset = 0;
      session.hash = createHash("sha256");
      session.sha1 = options.sha1 ? createHash("sha1") : undefined;
      session.restarts += 1;
      http.emit({ type: "restart", ...emitBase, reason });
    };

    const fetchRest = (): Promise<void> =>
      withRetries(http, { url: display, signal: options.signal }, async (attempt) => {
        if (session.offset === expected) {
          return;
        }
        const headers: Record<string, string> = {};
        if (session.offset > 0) {
          headers.range = `bytes=${session.offset}-`;
          if (session.validator !== null) {
            headers["if-range"] = session.validator;
          }
        }
        const opened = await openOnce(http, keyed(release.archiveFileUrl), {
          headers,
          signal: options.signal,
          what: "file",
          attempt,
        });
        opened.done();
        try {
          const { response } = opened;
          if (response.status === 416) {
            await cancelBody(response);
            const total = /^bytes \*\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1];
            if (total !== undefined && Number(total) !== expected) {
              throw new TrudError(
                "size-mismatch",
                `${display} holds ${total} bytes but TRUD's list says ${expected}; refusing it`,
              );
            }
            await reset("range-unsatisfiable");
            throw retryable(
              new TrudError("http-error", `range not satisfiable for ${display}`, { status: 416 }),
            );
          }
          if (response.status === 206) {
            const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
            if (range?.[1] === undefined || Number(range[1]) !== session.offset) {
              await cancelBody(response);
              await reset("partial-unusable");
              throw retryable(
                new TrudError("http-error", `unexpected Content-Range from ${display}`, { status: 206 }),
              );
            }
          } else if (session.offset > 0) {
            await reset("range-ignored");
          }
          const length = response.headers.get("content-length");
          if (response.status === 200 && length !== null && Number(length) !== expected) {
            await cancelBody(response);
            throw new TrudError(
              "size-mismatch",
              `${display} is announced as ${length} bytes but TRUD's list says ${expected}; refusing it`,
            );
          }
          const validator = response.headers.get("etag") ?? response.headers.get("last-modified");
          session.validator = validator !== null && !validator.startsWith("W/") ? validator : null;
          await writeFile(stateFile, JSON.stringify(state()));
          await streamBody(opened, {
            handle,
            session,
            expected,
            idleTimeoutMs,
            onProgress: () => {
              const t = now();
              if (t - lastProgress >= (options.progressIntervalMs ?? 250)) {
                lastProgress = t;
                http.emit({
                  type: "progress",
                  ...emitBase,
                  bytes: session.offset,
                  total: expected,
                  bytesPerSecond: session.transferred / Math.max((t - started) / 1000, 1e-3),
                });
              }
            },
            display,
            apiKey: http.apiKey,
          });
        } catch (error) {
          // Whatever failed before or while streaming, the connection is closed, not left paused.
          opened.controller.abort();
          throw error;
        } finally {
          opened.release();
        }
        if (session.offset < expected) {
          throw retryable(
            new TrudError("network", `${display} ended after ${session.offset} of ${expected} bytes`),
          );
        }
      });

    await fetchRest();
    let transferSeconds = (now() - started) / 1000;
    let sha256 = session.hash.digest("hex").toUpperCase();
    if (wantSha !== undefined && sha256 !== wantSha.toUpperCase() && resumedFrom + session.restarts > 0) {
      // A resumed file can only be wrong if the server changed it under us: start again once, from byte 0.
      await reset("hash-mismatch-after-resume");
      session.validator = null;
      await fetchRest();
      transferSeconds = (now() - started) / 1000;
      sha256 = session.hash.digest("hex").toUpperCase();
    }
    if (wantSha !== undefined && sha256 !== wantSha.toUpperCase()) {
      throw new TrudError(
        "hash-mismatch",
        `SHA-256 check failed for ${release.archiveFileName}: got ${sha256}, TRUD's list says ${wantSha}`,
      );
    }
    await handle.sync();
    await handle.close();
    await rename(part, target);
    await syncDir(dirname(target));
    await rm(stateFile, { force: true });
    const seconds = (now() - started) / 1000;
    http.emit({
      type: "progress",
      ...emitBase,
      bytes: expected,
      total: expected,
      bytesPerSecond: session.transferred / Math.max(seconds, 1e-3),
    });
    http.emit({
      type: "download-complete",
      ...emitBase,
      bytes: expected,
      transferred: session.transferred,
      seconds,
      transferSeconds,
      sha256,
    });
    const sha1Base64 = session.sha1?.digest("base64");
    return {
      sha256,
      ...(sha1Base64 === undefined ? {} : { sha1Base64 }),
      bytes: expected,
      transferred: session.transferred,
      resumedFrom,
      restarts: session.restarts,
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (!(error instanceof TrudError) || !isResumable(error)) {
      // Nothing half-written survives a failed check: the partial file and its state go.
      await rm(part, { force: true });
      await rm(stateFile, { force: true });
    }
    throw error;
  }
}

/** Opens (creating if needed) the partial file for positional writes. */
async function openPart(part: string): Promise<FileHandle> {
  try {
    await (await open(part, "a")).close();
    return await open(part, "r+");
  } catch (cause) {
    throw new TrudError("store-unwritable", `cannot write ${part}`, { cause });
  }
}

/** Errors after which the partial file is kept for a later resume. */
function isResumable(error: TrudError): boolean {
  return ["network", "timeout", "stalled", "unavailable", "rate-limited", "aborted"].includes(error.code);
}

interface Session {
  offset: number;
  hash: Hash;
  sha1: Hash | undefined;
  validator: string | null;
  transferred: number;
}

/** Reuses a partial file if its state matches this release issue; re-hashes its bytes. Returns its length. */
async function loadPartial(
  handle: FileHandle,
  context: {
    readonly stateFile: string;
    readonly expected: number;
    readonly session: Session;
    readonly state: PartState;
  },
): Promise<number> {
  const { size } = await handle.stat();
  let previous: Partial<PartState> | undefined;
  try {
    previous = JSON.parse(await readFile(context.stateFile, "utf8")) as Partial<PartState>;
  } catch {
    previous = undefined;
  }
  const same =
    previous?.releaseId === context.state.releaseId &&
    previous.lastModified === context.state.lastModified &&
    previous.size === context.state.size &&
    previous.sha256 === context.state.sha256;
  if (!same || size === 0 || size > context.expected) {
    await handle.truncate(0);
    return 0;
  }
  const stream = handle.createReadStream({ start: 0, end: size - 1, autoClose: false });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    context.session.hash.update(chunk);
    context.session.sha1?.update(chunk);
  }
  context.session.offset = size;
  context.session.validator = typeof previous?.validator === "string" ? previous.validator : null;
  return size;
}

interface StreamContext {
  readonly handle: FileHandle;
  readonly session: Session;
  readonly expected: number;
  readonly idleTimeoutMs: number;
  readonly onProgress: () => void;
  readonly display: string;
  readonly apiKey: string;
}

/**
 * Reads a body into the partial file at `session.offset`, hashing each chunk as it arrives. On any failure
 * the bytes already hashed are written before the error is thrown, so the file always holds exactly
 * `session.offset` bytes, all of them hashed (what a resume relies on).
 */
async function streamBody(opened: Opened, context: StreamContext): Promise<void> {
  const raw = rawBody(opened.response);
  if (raw !== undefined) {
    return streamRaw(raw, opened, context);
  }
  const { handle, session, expected } = context;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let position = session.offset;
  const flush = async (): Promise<void> => {
    if (pendingBytes > 0) {
      const chunks = pending;
      pending = [];
      pendingBytes = 0;
      let buffers = chunks;
      while (buffers.length > 0) {
        const { bytesWritten } = await handle.writev(buffers, position);
        if (bytesWritten === 0) {
          throw new TrudError("store-unwritable", "the disk accepted no bytes");
        }
        position += bytesWritten;
        buffers = dropBytes(buffers, bytesWritten);
      }
    }
  };
  const idle = setTimeout(() => {
    opened.controller.abort(
      new TrudError("stalled", `${context.display} sent nothing for ${context.idleTimeoutMs} ms`),
    );
  }, context.idleTimeoutMs);
  try {
    for await (const chunk of bodyChunks(opened.response)) {
      idle.refresh();
      if (session.offset + chunk.length > expected) {
        opened.controller.abort();
        throw new TrudError(
          "size-mismatch",
          `${context.display} sent more than the ${expected} bytes TRUD's list announces; stopped at ${expected}`,
        );
      }
      session.hash.update(chunk);
      session.sha1?.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      session.offset += chunk.length;
      session.transferred += chunk.length;
      if (pendingBytes >= FLUSH_BYTES) {
        await flush();
      }
      context.onProgress();
    }
    await flush();
  } catch (error) {
    await flush();
    throw readFailure(error, opened.controller.signal, context.display, context.apiKey);
  } finally {
    clearTimeout(idle);
  }
}

/** Size of the reusable write buffers of the built-in transport's path. */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/** Write buffers filled or in flight at which reading pauses (backpressure). */
const MAX_WRITE_BUFFERS = 4;

/**
 * The built-in transport's path (no injected fetch): the socket's bytes arrive as views of its read buffer;
 * each is hashed, then copied into one of a few reusable 1 MiB buffers. Full buffers are written with one
 * positional write in flight at a time while the next fills; reading pauses while
 * {@link MAX_WRITE_BUFFERS} are filled or being written, and resumes as each write completes. No buffer is
 * allocated per chunk, so memory stays flat however large the file.
 */
function streamRaw(body: RawBody, opened: Opened, context: StreamContext): Promise<void> {
  const { handle, session, expected } = context;
  const free: Buffer[] = [];
  const full: { buffer: Buffer; length: number }[] = [];
  let inUse = 0;
  let current: Buffer | undefined;
  let fill = 0;
  let position = session.offset;
  let writing = false;
  let ended = false;
  let paused = false;
  let failure: unknown;
  let writeFailure: TrudError | undefined;
  let settle: (error?: TrudError) => void = () => undefined;
  const result = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      if (error === undefined) {
        resolve();
      } else {
        reject(error);
      }
    };
  });
  const idle = setTimeout(() => {
    opened.controller.abort(
      new TrudError("stalled", `${context.display} sent nothing for ${context.idleTimeoutMs} ms`),
    );
  }, context.idleTimeoutMs);

  const finish = (): void => {
    clearTimeout(idle);
    if (writeFailure !== undefined) {
      settle(writeFailure);
    } else if (failure !== undefined) {
      settle(readFailure(failure, opened.controller.signal, context.display, context.apiKey));
    } else {
      settle();
    }
  };
  const seal = (): void => {
    if (current !== undefined && fill > 0) {
      full.push({ buffer: current, length: fill });
      current = undefined;
      fill = 0;
    }
  };
  /** Issues the next write if none is in flight; once the body is over and all is written, finishes. */
  const pump = (): void => {
    if (writing) {
      return;
    }
    const over = ended || failure !== undefined || writeFailure !== undefined;
    if (over && writeFailure === undefined) {
      seal();
    }
    const next = writeFailure === undefined ? full.shift() : undefined;
    if (next === undefined) {
      if (over) {
        finish();
      }
      return;
    }
    writing = true;
    writeAll(handle, [next.buffer.subarray(0, next.length)], position).then(
      (written) => {
        position += written;
        writing = false;
        idle.refresh(); // a slow disk is not a silent server
        inUse -= 1;
        free.push(next.buffer);
        if (paused && inUse < MAX_WRITE_BUFFERS && !over) {
          paused = false;
          body.resume();
        }
        pump();
      },
      (cause: unknown) => {
        writing = false;
        writeFailure =
          cause instanceof TrudError
            ? cause
            : new TrudError("store-unwritable", "writing the download failed", { cause });
        body.destroy();
        pump();
      },
    );
  };
  const stop = (error: unknown): void => {
    failure ??= error;
    body.destroy();
    pump();
  };

  body.pipe({
    data: (view) => {
      if (failure !== undefined || writeFailure !== undefined) {
        return false;
      }
      idle.refresh();
      if (session.offset + view.length > expected) {
        stop(
          new TrudError(
            "size-mismatch",
            `${context.display} sent more than the ${expected} bytes TRUD's list announces; stopped at ${expected}`,
          ),
        );
        return false;
      }
      session.hash.update(view);
      session.sha1?.update(view);
      session.offset += view.length;
      session.transferred += view.length;
      let at = 0;
      while (at < view.length) {
        if (current === undefined) {
          current = free.pop() ?? Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
          inUse += 1;
        }
        const copied = Math.min(view.length - at, current.length - fill);
        current.set(view.subarray(at, at + copied), fill);
        fill += copied;
        at += copied;
        if (fill === current.length) {
          seal();
        }
      }
      pump();
      try {
        context.onProgress();
      } catch (error) {
        stop(error); // a throwing event listener fails the read, as on the fetch path
        return false;
      }
      paused = inUse >= MAX_WRITE_BUFFERS;
      return !paused;
    },
    end: () => {
      ended = true;
      pump();
    },
    error: (error) => {
      failure ??= error;
      pump();
    },
  });
  return result;
}

/** Writes every buffer at `position` (short writes continue); resolves with the bytes written. */
async function writeAll(
  handle: FileHandle,
  chunks: readonly Uint8Array[],
  position: number,
): Promise<number> {
  let buffers: readonly Uint8Array[] = chunks;
  let at = position;
  while (buffers.length > 0) {
    const { bytesWritten } = await handle.writev(buffers as Uint8Array[], at);
    if (bytesWritten === 0) {
      throw new TrudError("store-unwritable", "the disk accepted no bytes");
    }
    at += bytesWritten;
    buffers = dropBytes(buffers, bytesWritten);
  }
  return at - position;
}

/** Makes a rename durable (fsync of the directory; a no-op where directories cannot be opened). */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // some platforms cannot fsync a directory
  } finally {
    await handle?.close();
  }
}

/** Whether a file exists with exactly this size. */
export async function hasSize(path: string, size: number): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile() && s.size === size;
  } catch {
    return false;
  }
}
