/**
 * One logical request to the token endpoint (or discovery document) made of HTTP attempts: a timeout per attempt,
 * retries with exponential backoff and jitter for transient failures, `Retry-After` honoured, all within a deadline.
 *
 * @module
 */
import { backoffDelay, parseRetryAfter, sleep } from "./backoff.js";
import { TokenError } from "./errors.js";
import type { TokenErrorCode } from "./errors.js";
import type { FetchLikeInit, ResponseLike } from "./fetch-like.js";
import type { ResolvedOptions } from "./options.js";
import { BodyTooLargeError, discardBody, readBodyText } from "./read-body.js";

/** Why one attempt failed. */
export interface AttemptFailure {
  readonly code: TokenErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly status?: number;
  readonly error?: string;
  readonly errorDescription?: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** A response read whole (status, headers, text). */
export interface ReadResponse {
  readonly status: number;
  readonly headers: ResponseLike["headers"];
  readonly text: string;
}

/** What the caller makes of a read response: a value, or a failure. */
export type Interpretation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: AttemptFailure };

/** The request of one attempt (built per attempt: a client assertion must have a fresh `jti` each time). */
export type BuildRequest = () => Omit<FetchLikeInit, "signal" | "redirect">;

/**
 * Runs attempts until one succeeds, a failure is not retryable, `maxAttempts` is reached or the deadline would be
 * passed. Throws a {@link TokenError} carrying the number of attempts.
 */
export async function withAttempts<T>(
  options: ResolvedOptions,
  request: { readonly url: string; readonly label: string; readonly build: BuildRequest },
  interpret: (res: ReadResponse) => Interpretation<T>,
): Promise<T> {
  const start = performance.now();
  const deadline = start + options.deadlineMs;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const remaining = deadline - performance.now();
    const outcome = await attempt(
      options,
      request,
      Math.max(1, Math.floor(Math.min(options.timeoutMs, remaining))),
      interpret,
    );
    if (outcome.ok) {
      return outcome.value;
    }
    const failure = outcome.failure;
    const fail = (): never => {
      throw new TokenError(
        `${request.label}: ${failure.message} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`,
        {
          code: failure.code,
          attempts,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          ...(failure.error === undefined ? {} : { error: failure.error }),
          ...(failure.errorDescription === undefined ? {} : { errorDescription: failure.errorDescription }),
          ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
          ...(failure.cause === undefined ? {} : { cause: failure.cause }),
        },
      );
    };
    if (!failure.retryable || attempts >= options.maxAttempts) {
      return fail();
    }
    const delay =
      failure.retryAfterMs ?? backoffDelay(attempts, options.baseDelayMs, options.maxDelayMs, Math.random);
    // Give up now rather than sleep past the deadline (a Retry-After beyond it cannot be honoured in time).
    if (performance.now() + delay >= deadline) {
      return fail();
    }
    await sleep(delay);
  }
}

async function attempt<T>(
  options: ResolvedOptions,
  request: { readonly url: string; readonly build: BuildRequest },
  timeoutMs: number,
  interpret: (res: ReadResponse) => Interpretation<T>,
): Promise<Interpretation<T>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const failed = (err: unknown): Interpretation<T> =>
    signal.aborted
      ? {
          ok: false,
          failure: {
            code: "timeout",
            message: `no answer within ${timeoutMs} ms`,
            retryable: true,
            cause: err,
          },
        }
      : {
          ok: false,
          failure: { code: "network", message: "the connection failed", retryable: true, cause: err },
        };
  let res: ResponseLike;
  try {
    const fetchFn = options.fetch; // called without `this` (see options.ts)
    res = await fetchFn(request.url, { ...request.build(), signal, redirect: "manual" });
  } catch (err) {
    return failed(err);
  }
  if (res.status >= 300 && res.status < 400) {
    await discardBody(res);
    return {
      ok: false,
      failure: {
        code: "malformed_response",
        message: `answered with a redirect (HTTP ${res.status}), which is not followed`,
        retryable: false,
        status: res.status,
      },
    };
  }
  let text: string;
  try {
    text = await readBodyText(res, options.maxResponseBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      return {
        ok: false,
        failure: { code: "malformed_response", message: err.message, retryable: false, status: res.status },
      };
    }
    return failed(err);
  }
  const read: ReadResponse = { status: res.status, headers: res.headers, text };
  if (res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), Date.now());
    const outcome = interpret(read);
    const base = outcome.ok ? undefined : outcome.failure;
    return {
      ok: false,
      failure: {
        code: res.status === 429 ? "rate_limited" : "server_error",
        message: `HTTP ${res.status}${base?.error === undefined ? "" : ` ${base.error}`}${
          base?.errorDescription === undefined ? "" : `: ${base.errorDescription}`
        }`,
        retryable: true,
        status: res.status,
        ...(base?.error === undefined ? {} : { error: base.error }),
        ...(base?.errorDescription === undefined ? {} : { errorDescription: base.errorDescription }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    };
  }
  return interpret(read);
}
