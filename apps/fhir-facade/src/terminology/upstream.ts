import { setTimeout as sleep } from "node:timers/promises";

import type { UpstreamBudget } from "./budget.js";
import { TerminologyGatewayError } from "./errors.js";
import type { HeadersLike } from "./headers.js";

/** What the gateway passes to the upstream fetch. */
export interface UpstreamInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
  readonly signal: AbortSignal;
  readonly redirect: "manual";
}

/** The parts of a WHATWG `Response` the gateway reads (global fetch and node-fetch v3 both fit). */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: HeadersLike;
  /** A WHATWG `ReadableStream` (global fetch) or a Node stream (node-fetch): both are async iterables. */
  readonly body: unknown;
}

/**
 * The authenticated fetch of `@fhir-facade/auth-client-credentials` (`client.fetch`): it adds the upstream
 * `Authorization: Bearer`, and on a 401 invalidates the token and retries once with a fresh one. Token failures
 * reject with its `TokenError` (recognised here by `name`).
 */
export type UpstreamFetch = (url: string, init: UpstreamInit) => Promise<UpstreamResponse>;

/** Retries of idempotent calls after an upstream 429 or 5xx, or a connection failure. */
export interface RetryPolicy {
  /** Attempts in all (default 3). */
  readonly maxAttempts: number;
  /** First backoff (default 100 ms), doubled per attempt, with full jitter. */
  readonly baseDelayMs: number;
  /** Longest wait before a retry, including a `Retry-After` (default 2 s); a longer `Retry-After` is passed on. */
  readonly maxDelayMs: number;
}

export interface UpstreamCall {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly idempotent: boolean;
}

export interface UpstreamClientOptions {
  readonly fetch: UpstreamFetch;
  readonly budget: UpstreamBudget;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly onRetry?: (info: {
    readonly attempt: number;
    readonly status?: number;
    readonly delayMs: number;
  }) => void;
}

/** A response and the signal that bounds reading its body (the same timeout as the request). */
export interface UpstreamResult {
  readonly response: UpstreamResponse;
  readonly signal: AbortSignal;
}

/**
 * Sends one call upstream under the budget and a timeout; retries idempotent calls after 429/5xx (honouring
 * `Retry-After` up to the policy's cap) and after connection failures, with exponential backoff and jitter.
 * Failures become {@link TerminologyGatewayError}s: timeout → `upstream-timeout` (504), connection failure →
 * `upstream-unreachable` (502), token endpoint failure → `token-unavailable` (503 + `Retry-After`), a 401 even
 * after the auth client's fresh-token retry → `upstream-credentials-refused`.
 */
export async function callUpstream(
  call: UpstreamCall,
  options: UpstreamClientOptions,
): Promise<UpstreamResult> {
  const { retry } = options;
  for (let attempt = 1; ; attempt++) {
    await options.budget.acquire();
    const signal = AbortSignal.timeout(options.timeoutMs);
    let response: UpstreamResponse;
    try {
      response = await options.fetch(call.url, {
        method: call.method,
        headers: call.headers,
        ...(call.body === undefined ? {} : { body: call.body }),
        signal,
        redirect: "manual",
      });
    } catch (err) {
      const mapped = mapFetchError(err, signal);
      if (mapped.code === "upstream-unreachable" && call.idempotent && attempt < retry.maxAttempts) {
        const delayMs = backoff(retry, attempt);
        options.onRetry?.({ attempt, delayMs });
        await sleep(delayMs);
        continue;
      }
      throw mapped;
    }
    if (
      (response.status === 429 || response.status >= 500) &&
      call.idempotent &&
      attempt < retry.maxAttempts
    ) {
      const retryAfter = retryAfterMs(response.headers.get("retry-after"));
      const delayMs = retryAfter ?? backoff(retry, attempt);
      if (delayMs <= retry.maxDelayMs) {
        await discard(response);
        options.onRetry?.({ attempt, status: response.status, delayMs });
        await sleep(delayMs);
        continue;
      }
    }
    if (response.status === 401) {
      await discard(response);
      throw new TerminologyGatewayError(
        "upstream-credentials-refused",
        "The NHS England Terminology Server refused the facade's credentials",
      );
    }
    return { response, signal };
  }
}

function backoff(retry: RetryPolicy, attempt: number): number {
  return Math.round(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
}

/** `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms; undefined if absent or malformed. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === "") {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim()) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function discard(response: UpstreamResponse): Promise<void> {
  if (response.body === null || response.body === undefined) {
    return;
  }
  try {
    for await (const _chunk of response.body as AsyncIterable<Uint8Array>) {
      // drain so the connection can be reused
    }
  } catch {
    // the body is not needed
  }
}

interface TokenErrorLike {
  readonly name: "TokenError";
  readonly code: string;
  readonly retryAfterMs?: number;
}

function isTokenError(err: unknown): err is TokenErrorLike {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "TokenError";
}

/** Maps a failure of the fetch call (before a response) to a gateway error. Never copies the cause's message. */
export function mapFetchError(err: unknown, signal: AbortSignal): TerminologyGatewayError {
  if (err instanceof TerminologyGatewayError) {
    return err;
  }
  if (isTokenError(err)) {
    const retryAfterS = Math.max(1, Math.ceil((err.retryAfterMs ?? 30_000) / 1000));
    return new TerminologyGatewayError(
      "token-unavailable",
      "The facade could not obtain an access token for the NHS England Terminology Server",
      { retryAfterS, cause: err },
    );
  }
  const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
  if (signal.aborted || name === "TimeoutError" || name === "AbortError") {
    return new TerminologyGatewayError(
      "upstream-timeout",
      "The NHS England Terminology Server did not answer in time",
      { cause: err },
    );
  }
  return new TerminologyGatewayError(
    "upstream-unreachable",
    "The NHS England Terminology Server could not be reached",
    { cause: err },
  );
}

const EMPTY: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true, value: undefined }) }),
};

/** Reads a whole body up to `maxBytes`; returns the chunks read and whether the limit was passed. */
export async function readUpTo(
  response: UpstreamResponse,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{
  readonly chunks: Buffer[];
  readonly complete: boolean;
  readonly rest: AsyncIterator<Uint8Array>;
}> {
  const body = (response.body ?? EMPTY) as AsyncIterable<Uint8Array>;
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        return { chunks, complete: true, rest: iterator };
      }
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        return { chunks, complete: false, rest: iterator };
      }
    }
  } catch (err) {
    throw mapFetchError(err, signal);
  }
}
