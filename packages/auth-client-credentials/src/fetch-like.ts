/**
 * The smallest slice of the WHATWG Fetch API the client relies on, so that the global `fetch` (undici) and
 * `node-fetch` v3 both fit.
 *
 * @module
 */

/** What the client passes to `fetch` for its own requests (token endpoint, discovery). */
export interface FetchLikeInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  readonly redirect: "manual";
}

/** The parts of a WHATWG `Response` the client reads. */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** A WHATWG `ReadableStream` (global fetch) or an async-iterable Node stream (node-fetch). */
  readonly body: unknown;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A WHATWG-compatible `fetch`: the global one (default), `node-fetch` v3, or a wrapper (for example one that sets
 * an undici dispatcher for mTLS or a proxy).
 */
export type FetchLike = (input: string, init: FetchLikeInit) => Promise<ResponseLike>;
