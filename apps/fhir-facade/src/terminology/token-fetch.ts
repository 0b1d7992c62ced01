import type { UpstreamFetch, UpstreamResponse } from "./upstream.js";

/**
 * The slice of `@fhir-facade/auth-client-credentials`'s `TokenClient` the gateway uses: `getToken` and the
 * authenticated `fetch` (Bearer added; one fresh token and one retry on a 401).
 */
export interface TokenClientLike<I = never> {
  getToken(options?: { readonly signal?: AbortSignal }): Promise<string>;
  /** `I` is the init type of the client's injected fetch (`RequestInit` for the global one). */
  fetch(input: string, init: I): Promise<unknown>;
}

/** A failure to obtain an upstream token (mapped to 503 + `Retry-After`); carries no secret. */
class UpstreamTokenUnavailable extends Error {
  override readonly name = "TokenError";
  readonly code: string;
  readonly retryAfterMs: number | undefined;

  constructor(cause: unknown) {
    super("no access token for the upstream", { cause });
    const c = cause as { code?: unknown; retryAfterMs?: unknown } | null;
    this.code = typeof c?.code === "string" ? c.code : "timeout";
    this.retryAfterMs = typeof c?.retryAfterMs === "number" ? c.retryAfterMs : undefined;
  }
}

/**
 * Adapts a token client to the gateway's {@link UpstreamFetch}. The token is obtained first (from the client's
 * cache, normally at once), so a failing or hanging token endpoint is told apart from a failing Terminology
 * Server: the former is a 503 with `Retry-After`, the latter a 502/504.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ tokenUrl, clientId, clientSecret });
 * createTerminologyGateway({ upstreamBaseUrl, fetch: tokenClientFetch(client) });
 * ```
 */
export function tokenClientFetch<I>(client: TokenClientLike<I>): UpstreamFetch {
  return async (url, init) => {
    try {
      await client.getToken({ signal: init.signal });
    } catch (err) {
      throw new UpstreamTokenUnavailable(err);
    }
    // The gateway's init (method, headers, byte body, signal, redirect) is a valid init of any WHATWG fetch.
    // Its response is the injected fetch's WHATWG-shaped `Response` (status, headers.get/forEach, body).
    return (await client.fetch(url, init as unknown as I)) as UpstreamResponse;
  };
}
