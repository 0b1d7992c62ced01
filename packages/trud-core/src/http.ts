import { setTimeout as delay } from "node:timers/promises";

import { TrudError } from "./errors.js";
import type { TrudErrorCode } from "./errors.js";
import type { TrudEventListener } from "./events.js";
import { redactKey } from "./redact.js";

/**
 * The part of a WHATWG `fetch` that trud-core uses (when one is injected; the default is `rawFetch`, on
 * `node:net`/`node:tls`). `globalThis.fetch` (undici) and node-fetch v3 both fit:
 * the body may be a web `ReadableStream` or a Node stream, and is read as an async iterable of bytes.
 */
export type FetchLike = (
  url: string,
  init: {
    readonly method: string;
    readonly headers: Record<string, string>;
    readonly signal: AbortSignal;
    readonly redirect: "manual";
  },
) => Promise<FetchResponseLike>;

/** The part of a fetch `Response` that trud-core reads. */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: unknown;
}

/** How failed requests are retried: network errors, timeouts, stalls, 429 and 5xx (upstream-trud.md §1.5). */
export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  readonly retries?: number;
  /** First backoff delay; doubles each time, with jitter (default 500 ms). */
  readonly baseDelayMs?: number;
  /** Cap on one backoff delay (default 30 s). */
  readonly maxDelayMs?: number;
  /** Cap on a server's `Retry-After` (default 120 s); longer waits fail as `rate-limited`. */
  readonly maxRetryAfterMs?: number;
}

/** The resolved transport settings shared by the client and the downloader. */
export interface HttpConfig {
  readonly fetch: FetchLike;
  readonly apiKey: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly userAgent: string;
  readonly requestTimeoutMs: number;
  readonly retry: Required<RetryPolicy>;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly emit: TrudEventListener;
}

/** A failure that may be retried, and after how long the server asked us to wait. */
export function retryable(error: TrudError, retryAfterMs?: number): TrudError {
  Object.defineProperty(error, "retryable", { value: true, enumerable: false });
  if (retryAfterMs !== undefined) {
    Object.defineProperty(error, "retryAfterMs", { value: retryAfterMs, enumerable: false });
  }
  return error;
}

function isRetryable(error: unknown): error is TrudError & { retryAfterMs?: number } {
  return error instanceof TrudError && (error as { retryable?: boolean }).retryable === true;
}

/** Default sleep, abortable. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined);
}

/** The request's URL with raw spaces encoded (TRUD returns some URLs with raw spaces, upstream-trud.md §1.6). */
export function requestUrl(raw: string): URL {
  return new URL(raw.replaceAll(" ", "%20"));
}

/** One attempt, after redirects, with response headers received. */
export interface Opened {
  readonly response: FetchResponseLike;
  /** Aborting it cancels the body. */
  readonly controller: AbortController;
  /** Stops the per-request timer (call once the headers, or the whole body, are in). */
  readonly done: () => void;
  /**
   * Stops forwarding the caller's abort signal to {@link controller} (call once the body is read or abandoned):
   * until then, aborting the caller's signal also stops a body that is streaming.
   */
  readonly release: () => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Opens a URL once: request timeout, redirects followed only to allowed origins, and every non-2xx status
 * mapped to a {@link TrudError} (429 and 5xx flagged retryable). `what` is `list` or `file` (404 meaning).
 */
export async function openOnce(
  config: HttpConfig,
  rawUrl: string,
  options: {
    readonly headers?: Record<string, string>;
    readonly signal?: AbortSignal | undefined;
    readonly what: "list" | "file";
    readonly attempt: number;
  },
): Promise<Opened> {
  let url = requestUrl(rawUrl);
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new TrudError("timeout", `no answer within ${config.requestTimeoutMs} ms`));
  }, config.requestTimeoutMs);
  const onAbort = (): void => {
    controller.abort(new TrudError("aborted", "aborted by the caller"));
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const done = (): void => {
    clearTimeout(timer);
  };
  const release = (): void => {
    options.signal?.removeEventListener("abort", onAbort);
  };
  let opened = false;
  try {
    for (let hop = 0; ; hop++) {
      if (!config.allowedOrigins.has(url.origin)) {
        throw new TrudError(
          "unsafe-url",
          `refusing ${redactKey(url.href, config.apiKey)}: not an allowed TRUD origin`,
        );
      }
      const display = redactKey(url.href, config.apiKey);
      config.emit({
        type: "request",
        url: display,
        attempt: options.attempt,
        ...(options.headers?.range ? { range: options.headers.range } : {}),
      });
      let response: FetchResponseLike;
      try {
        response = await config.fetch(url.href, {
          method: "GET",
          headers: { "user-agent": config.userAgent, ...options.headers },
          signal: controller.signal,
          redirect: "manual",
        });
      } catch (error) {
        throw networkError(error, controller.signal, display, config.apiKey);
      }
      if (REDIRECTS.has(response.status)) {
        const location = response.headers.get("location");
        await cancelBody(response);
        if (location === null || hop >= 5) {
          throw new TrudError("http-error", `bad redirect from ${display}`, { status: response.status });
        }
        url = new URL(location, url);
        continue;
      }
      if (response.status >= 200 && response.status < 300) {
        opened = true;
        return { response, controller, done, release };
      }
      if (response.status === 416 && options.what === "file") {
        opened = true;
        return { response, controller, done, release };
      }
      throw await statusError(response, { config, display, what: options.what });
    }
  } catch (error) {
    done();
    controller.abort();
    throw error;
  } finally {
    if (!opened) {
      release();
    }
  }
}

/**
 * Classifies an error thrown while a response was being read: our own TrudErrors pass through, unless they
 * are the reason our controller aborted (timeout, stall), which are retryable like network errors.
 */
export function readFailure(error: unknown, signal: AbortSignal, display: string, apiKey: string): TrudError {
  if (error instanceof TrudError && !(signal.aborted && signal.reason === error)) {
    return error;
  }
  return networkError(error, signal, display, apiKey);
}

/** Maps a thrown fetch error to a TrudError (the reason our controller aborted with, or a network error). */
export function networkError(
  error: unknown,
  signal: AbortSignal,
  display: string,
  apiKey: string,
): TrudError {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof TrudError) {
    return reason.code === "aborted" ? reason : retryable(reason);
  }
  const detail = redactKey(describe(error), apiKey);
  return retryable(
    new TrudError("network", `network error on ${display}: ${detail}`, { cause: redactCause(error, apiKey) }),
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** A cause safe to keep: the original error's name, code and redacted message only. */
function redactCause(error: unknown, apiKey: string): Error {
  const safe = new Error(redactKey(describe(error), apiKey));
  safe.name = error instanceof Error ? error.name : "Error";
  return safe;
}

async function statusError(
  response: FetchResponseLike,
  context: { readonly config: HttpConfig; readonly display: string; readonly what: "list" | "file" },
): Promise<TrudError> {
  const { status } = response;
  const trudMessage = redactKey(await readMessage(response), context.config.apiKey);
  const said = trudMessage ? `; TRUD said: ${trudMessage}` : "";
  const at = `(HTTP ${status} from ${context.display})`;
  const table: Record<number, [TrudErrorCode, string]> = {
    400: ["invalid-key", `TRUD rejected the API key as invalid ${at}${said}`],
    401: [
      "key-disabled",
      `TRUD API access is disabled for this key: has the account's password or email changed? ${at}${said}`,
    ],
    403: ["forbidden", `TRUD refused the request: check the key and the item subscription ${at}${said}`],
    404:
      context.what === "list"
        ? [
            "item-not-found",
            `no such item, or the account is not subscribed to it (or approval is pending) ${at}${said}`,
          ]
        : ["file-not-found", `TRUD has no such file ${at}${said}`],
  };
  const known = table[status];
  if (known) {
    return new TrudError(known[0], known[1], { status });
  }
  if (status === 429) {
    const error = new TrudError("rate-limited", `TRUD is rate limiting requests ${at}`, { status });
    return retryable(error, retryAfter(response.headers.get("retry-after")));
  }
  if (status >= 500) {
    const hint = trudMessage ? said : "; is TRUD down for maintenance?";
    const error = new TrudError("unavailable", `TRUD is unavailable ${at}${hint}`, { status });
    return retryable(error, retryAfter(response.headers.get("retry-after")));
  }
  return new TrudError("http-error", `unexpected HTTP status ${at}${said}`, { status });
}

/** Reads TRUD's `message` from an error body (at most 8 KiB; non-JSON bodies give ""). */
async function readMessage(response: FetchResponseLike): Promise<string> {
  try {
    const text = (await readCapped(response, 8192, { truncate: true })).toString("utf8");
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "message" in parsed &&
      typeof parsed.message === "string"
    ) {
      return parsed.message.slice(0, 500);
    }
  } catch {
    // not JSON (an HTML maintenance page, or nothing): fall back to the status alone
  }
  return "";
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) {
    return undefined;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header.trim()) * 1000;
  }
  const when = Date.parse(header);
  return Number.isNaN(when) ? undefined : Math.max(0, when - Date.now());
}

/** Iterates a response body (web ReadableStream or Node stream) as bytes. */
export async function* bodyChunks(response: FetchResponseLike): AsyncGenerator<Uint8Array> {
  const body = response.body;
  if (body === null || body === undefined) {
    return;
  }
  if (typeof body === "object" && Symbol.asyncIterator in body) {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    }
    return;
  }
  throw new TrudError("invalid-options", "the injected fetch returned a body that is not async-iterable");
}

/** Drops a body we will not read. */
export async function cancelBody(response: FetchResponseLike): Promise<void> {
  const body = response.body as { cancel?: () => Promise<void>; destroy?: () => void } | null;
  try {
    if (typeof body?.cancel === "function") {
      await body.cancel();
    } else if (typeof body?.destroy === "function") {
      body.destroy();
    }
  } catch {
    // already closed
  }
}

/** Reads a whole body up to `max` bytes; beyond that, `too-large` (or a truncated read if asked). */
export async function readCapped(
  response: FetchResponseLike,
  max: number,
  options: { readonly truncate?: boolean; readonly what?: string } = {},
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of bodyChunks(response)) {
    size += chunk.length;
    if (size > max) {
      await cancelBody(response);
      if (options.truncate) {
        chunks.push(chunk.subarray(0, chunk.length - (size - max)));
        break;
      }
      throw new TrudError(
        "too-large",
        `${options.what ?? "response"} is larger than ${max} bytes; refusing it`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Runs `attempt` until it succeeds or fails with a non-retryable error, waiting with exponential backoff
 * and jitter between tries (or the server's `Retry-After`, within limits).
 */
export async function withRetries<T>(
  config: HttpConfig,
  context: { readonly url: string; readonly signal?: AbortSignal | undefined },
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  const { retries, baseDelayMs, maxDelayMs, maxRetryAfterMs } = config.retry;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isRetryable(error) || n > retries || context.signal?.aborted) {
        throw error;
      }
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1)) * (0.5 + config.random() / 2);
      const asked = error.retryAfterMs;
      if (asked !== undefined && asked > maxRetryAfterMs) {
        throw error;
      }
      const delayMs = Math.round(Math.max(backoff, asked ?? 0));
      config.emit({ type: "retry", url: context.url, attempt: n + 1, delayMs, reason: error.message });
      try {
        await config.sleep(delayMs, context.signal);
      } catch (cause) {
        throw new TrudError("aborted", "aborted by the caller", { cause });
      }
    }
  }
}
