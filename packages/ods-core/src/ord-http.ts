/**
 * One ORD request, done properly: a token from the shared rate limiter, a timeout per attempt, retries with
 * exponential backoff and full jitter on 429 / 5xx / network errors / timeouts (honouring `Retry-After`),
 * a bounded body, and typed errors (404 → `ORD_NOT_FOUND`, 406 → `ORD_NOT_ACCEPTABLE` with ORD's
 * `errorText`). Works with any WHATWG `fetch` (Node's global, node-fetch v3).
 */
import { OdsError, type OdsErrorCode } from "./errors.js";
import type { OdsClock, TokenBucket } from "./token-bucket.js";

/** The subset of WHATWG fetch this client uses (Node's global fetch and node-fetch v3 both fit). */
export type OrdFetch = (
  url: string,
  init: { method: "GET"; headers: Record<string, string>; signal: AbortSignal; redirect: "follow" },
) => Promise<OrdFetchResponse>;

/** The subset of a fetch Response this client reads. */
export interface OrdFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: unknown;
  text(): Promise<string>;
}

/** Events an ORD client emits (no secrets: ORD has none). */
export type OrdClientEvent =
  | { readonly type: "request"; readonly url: string; readonly attempt: number }
  | { readonly type: "response"; readonly url: string; readonly status: number; readonly ms: number }
  | {
      readonly type: "retry";
      readonly url: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    };

/** Retry policy. */
export interface OrdRetryOptions {
  /** Retries after the first attempt (default 4). */
  readonly retries?: number;
  /** First backoff step in ms (default 500); doubles per retry. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, also caps `Retry-After` (default 30,000). */
  readonly maxDelayMs?: number;
}

export interface OrdHttpSettings {
  readonly fetch: OrdFetch;
  readonly bucket: TokenBucket;
  readonly clock: OdsClock;
  readonly random: () => number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxResponseBytes: number;
  readonly userAgent: string | undefined;
  readonly onEvent: ((event: OrdClientEvent) => void) | undefined;
}

/** A successful ORD answer: parsed JSON body and the headers. */
export interface OrdAnswer {
  readonly url: string;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: unknown;
}

class Retryable extends Error {
  readonly code: OdsErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly details: { status?: number; url: string };
  constructor(
    code: OdsErrorCode,
    message: string,
    url: string,
    extra: { status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: extra.cause });
    this.code = code;
    this.retryAfterMs = extra.retryAfterMs;
    this.details = extra.status === undefined ? { url } : { status: extra.status, url };
  }
}

function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,6}$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

async function readBody(response: OrdFetchResponse, limit: number, url: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    throw new OdsError("ODS_TOO_LARGE", `ORD answer of ${declared} bytes exceeds ${limit}`, {
      details: { url },
    });
  }
  const body = response.body as AsyncIterable<Uint8Array> | null | undefined;
  if (
    body === null ||
    body === undefined ||
    typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function"
  ) {
    const text = await response.text();
    if (text.length > limit) {
      throw new OdsError("ODS_TOO_LARGE", `ORD answer exceeds ${limit} bytes`, { details: { url } });
    }
    return text;
  }
  const decoder = new TextDecoder("utf-8");
  let size = 0;
  let text = "";
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      throw new OdsError("ODS_TOO_LARGE", `ORD answer exceeds ${limit} bytes`, { details: { url } });
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

function parseErrorText(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { errorText?: unknown };
    return typeof body.errorText === "string" ? body.errorText.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}

/** Performs one logical ORD GET (with its retries). */
export async function ordGet(
  settings: OrdHttpSettings,
  url: string,
  signal?: AbortSignal,
): Promise<OrdAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(settings, url, attempt, signal);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      if (attempt > settings.retries) {
        throw new OdsError(error.code, `${error.message} (after ${attempt} attempts)`, {
          cause: error.cause ?? error,
          details: error.details,
        });
      }
      const backoff = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
      const jittered = Math.floor(settings.random() * backoff); // "full jitter"
      const delayMs = Math.min(settings.maxDelayMs, Math.max(jittered, error.retryAfterMs ?? 0));
      settings.onEvent?.({ type: "retry", url, attempt, delayMs, reason: error.message });
      try {
        await settings.clock.sleep(delayMs, signal);
      } catch (cause) {
        throw new OdsError("ORD_ABORTED", `ORD request aborted: ${url}`, { cause, details: { url } });
      }
    }
  }
}

async function attemptOnce(
  settings: OrdHttpSettings,
  url: string,
  attempt: number,
  signal?: AbortSignal,
): Promise<OrdAnswer> {
  if (signal?.aborted === true) {
    throw new OdsError("ORD_ABORTED", `ORD request aborted: ${url}`, {
      cause: signal.reason,
      details: { url },
    });
  }
  try {
    await settings.bucket.take(signal);
  } catch (cause) {
    throw new OdsError("ORD_ABORTED", `ORD request aborted: ${url}`, { cause, details: { url } });
  }
  const controller = new AbortController();
  const state = { timedOut: false };
  const timer = setTimeout(() => {
    state.timedOut = true;
    controller.abort(new Error(`timeout after ${settings.timeoutMs} ms`));
  }, settings.timeoutMs);
  const onAbort = (): void => {
    controller.abort(signal?.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const started = settings.clock.now();
  settings.onEvent?.({ type: "request", url, attempt });
  const headers: Record<string, string> = { accept: "application/json" };
  if (settings.userAgent !== undefined) headers["user-agent"] = settings.userAgent;
  // Whether the whole body was read: then the connection is healthy and stays with the pool. Otherwise (an
  // error status whose body is not read, a failure mid-body) the request is aborted, which drops it.
  let consumed = false;
  try {
    let response: OrdFetchResponse;
    let text: string;
    try {
      response = await settings.fetch(url, {
        method: "GET",
        headers,
        signal: controller.signal,
        redirect: "follow",
      });
      const { status } = response;
      settings.onEvent?.({ type: "response", url, status, ms: settings.clock.now() - started });
      if (status === 429 || status >= 500) {
        // Drain nothing: the connection is dropped with the controller below.
        const wait = retryAfterMs(response.headers.get("retry-after"), Date.now());
        throw new Retryable("ORD_UNAVAILABLE", `ORD answered ${status} for ${url}`, url, {
          status,
          ...(wait === undefined ? {} : { retryAfterMs: wait }),
        });
      }
      text = await readBody(response, settings.maxResponseBytes, url);
      consumed = true;
    } catch (error) {
      if (error instanceof Retryable || error instanceof OdsError) throw error;
      if (isAborted(signal)) {
        throw new OdsError("ORD_ABORTED", `ORD request aborted: ${url}`, {
          cause: signal?.reason,
          details: { url },
        });
      }
      if (state.timedOut) {
        throw new Retryable("ORD_TIMEOUT", `ORD did not answer ${url} within ${settings.timeoutMs} ms`, url, {
          cause: error,
        });
      }
      throw new Retryable(
        "ORD_NETWORK",
        `ORD request failed for ${url}: ${String(error).slice(0, 200)}`,
        url,
        { cause: error },
      );
    }
    return interpret(url, response, text);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    // Aborting a finished request is not free (an AbortError and an abort event per request): only when needed.
    if (!consumed && !controller.signal.aborted) controller.abort();
  }
}

/** Read through a function so TypeScript does not keep an earlier narrowing of `aborted`. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function interpret(url: string, response: OrdFetchResponse, text: string): OrdAnswer {
  const { status } = response;
  if (status >= 200 && status < 300) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new OdsError("ORD_BAD_RESPONSE", `ORD answered ${status} with a body that is not JSON (${url})`, {
        cause,
        details: { status, url },
      });
    }
    return { url, status, headers: response.headers, body };
  }
  const errorText = parseErrorText(text);
  const details = { status, url, ...(errorText === undefined ? {} : { errorText }) };
  const suffix = errorText === undefined ? "" : `: ${errorText}`;
  if (status === 404) {
    throw new OdsError("ORD_NOT_FOUND", `ORD has no such resource (404) ${url}${suffix}`, { details });
  }
  if (status === 406) {
    throw new OdsError("ORD_NOT_ACCEPTABLE", `ORD refused the request (406) ${url}${suffix}`, { details });
  }
  throw new OdsError("ORD_CLIENT_ERROR", `ORD answered ${status} for ${url}${suffix}`, { details });
}
