import { inspect } from "node:util";

import { TrudError } from "./errors.js";
import type { TrudEventListener } from "./events.js";
import { defaultSleep, openOnce, readCapped, readFailure, withRetries } from "./http.js";
import type { FetchLike, HttpConfig, RetryPolicy } from "./http.js";
import { rawFetch } from "./raw-http.js";
import { REDACTED, redactKey } from "./redact.js";
import { parseReleaseList } from "./release.js";
import type { TrudRelease, TrudReleaseList } from "./release.js";

/** TRUD's production origin (upstream-trud.md §1.1). */
export const TRUD_BASE_URL = "https://isd.digital.nhs.uk";

/** Options for {@link TrudClient}. */
export interface TrudClientOptions {
  /** The account's API key (40 hex characters in every sample; treated as opaque). Never logged. */
  readonly apiKey: string;
  /** Default {@link TRUD_BASE_URL}; tests pass the fake's URL. */
  readonly baseUrl?: string;
  /**
   * A WHATWG `fetch` to use instead of the built-in transport (`globalThis.fetch`, node-fetch v3, a proxying
   * fetch...). Default: trud-core's own HTTP/1.1 client on `node:net`/`node:tls` (`raw-http.ts`), which
   * streams download bodies into the file without a buffer per chunk.
   */
  readonly fetch?: FetchLike;
  /** Origins download URLs and redirects may point at (default: the base URL's origin only). */
  readonly allowedOrigins?: readonly string[];
  readonly userAgent?: string;
  /** Time allowed for a list request, and for a download's response headers (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Longest silence allowed while a download body streams (default 60 s). */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** Cap on a release-list body (default 16 MiB; item 341's 96 releases are 150 KB). */
  readonly maxListBytes?: number;
  readonly onEvent?: TrudEventListener;
  /** For tests: replaces the backoff sleep and jitter. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** Internals shared with the downloader (not exported from the package). */
export interface ClientInternals {
  readonly http: HttpConfig;
  readonly idleTimeoutMs: number;
  /** Puts the key back into a redacted TRUD URL (the one TRUD returned). */
  readonly keyed: (redactedUrl: string) => string;
}

const internals = new WeakMap<TrudClient, ClientInternals>();

/** @internal */
export function clientInternals(client: TrudClient): ClientInternals {
  const found = internals.get(client);
  if (found === undefined) {
    throw new TrudError("invalid-options", "not a TrudClient");
  }
  return found;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new TrudError("invalid-options", `${name} must be a positive number`);
  }
  return v;
}

/** Checks an item number (a positive integer, upstream-trud.md §1.8). */
export function assertItem(item: number): number {
  if (!Number.isSafeInteger(item) || item <= 0) {
    throw new TrudError("invalid-options", `TRUD item numbers are positive integers (got ${String(item)})`);
  }
  return item;
}

/**
 * A client of the TRUD API's release-list endpoint (`/trud/api/v1/keys/{key}/items/{item}/releases`,
 * upstream-trud.md §1.1). It retries network errors, 429 and 5xx with backoff, times requests out, and
 * redacts the key from everything it returns, throws or emits (including TRUD's 404 message, which echoes
 * it). Release URLs come back redacted; downloads put the key back.
 *
 * @example
 * const client = new TrudClient({ apiKey });
 * const { releases } = await client.listReleases(341);
 * const latest = await client.latestRelease(341); // sends `?latest`
 */
export class TrudClient {
  readonly baseUrl: string;
  readonly #key: string;
  readonly #maxListBytes: number;

  constructor(options: TrudClientOptions) {
    const key = options.apiKey as unknown;
    if (typeof key !== "string" || key.trim() === "" || /[\s/?#%]/.test(key)) {
      throw new TrudError(
        "invalid-options",
        "apiKey must be a non-empty string without spaces or URL delimiters",
      );
    }
    let base: URL;
    try {
      base = new URL(options.baseUrl ?? TRUD_BASE_URL);
      if (base.protocol !== "https:" && base.protocol !== "http:") {
        throw new Error("protocol");
      }
    } catch (cause) {
      throw new TrudError("invalid-options", "baseUrl must be an absolute http(s) URL", { cause });
    }
    this.#key = key;
    this.baseUrl = base.href.replace(/\/$/, "");
    this.#maxListBytes = positive(options.maxListBytes, 16 * 1024 * 1024, "maxListBytes");
    const origins = (options.allowedOrigins ?? [base.origin]).map((o) => new URL(o).origin);
    const retry = options.retry ?? {};
    const http: HttpConfig = {
      fetch: options.fetch ?? rawFetch,
      apiKey: key,
      allowedOrigins: new Set(origins),
      userAgent: options.userAgent ?? "fhir-facade-trud-core/0.1",
      requestTimeoutMs: positive(options.requestTimeoutMs, 60_000, "requestTimeoutMs"),
      retry: {
        retries: Math.max(0, Math.floor(retry.retries ?? 4)),
        baseDelayMs: retry.baseDelayMs ?? 500,
        maxDelayMs: retry.maxDelayMs ?? 30_000,
        maxRetryAfterMs: retry.maxRetryAfterMs ?? 120_000,
      },
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
      emit: options.onEvent ?? (() => undefined),
    };
    internals.set(this, {
      http,
      idleTimeoutMs: positive(options.idleTimeoutMs, 60_000, "idleTimeoutMs"),
      keyed: (redacted) => redacted.replace(`/keys/${REDACTED}/`, `/keys/${key}/`),
    });
  }

  /**
   * Lists an item's releases, newest first. With `latest`, sends the bare `?latest` flag and TRUD answers
   * with one release.
   */
  async listReleases(
    item: number,
    options: { readonly latest?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<TrudReleaseList> {
    assertItem(item);
    const { http } = clientInternals(this);
    const url = `${this.baseUrl}/trud/api/v1/keys/${this.#key}/items/${item}/releases${options.latest ? "?latest" : ""}`;
    const display = redactKey(url, this.#key);
    const body = await withRetries(http, { url: display, signal: options.signal }, async (attempt) => {
      const opened = await openOnce(http, url, {
        signal: options.signal,
        what: "list",
        attempt,
        headers: { accept: "application/json" },
      });
      try {
        return await readCapped(opened.response, this.#maxListBytes, {
          what: `the release list of item ${item}`,
        });
      } catch (error) {
        throw readFailure(error, opened.controller.signal, display, this.#key);
      } finally {
        opened.done();
        opened.release();
      }
    });
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch (cause) {
      throw new TrudError("invalid-response", `the release list of item ${item} is not JSON`, {
        field: "(body)",
        cause,
      });
    }
    const list = parseReleaseList(json, this.#key);
    if (list.apiVersion !== "1") {
      http.emit({
        type: "warning",
        message: `TRUD apiVersion is ${JSON.stringify(list.apiVersion)}, expected "1"`,
      });
    }
    return list;
  }

  /** The newest release of an item (one `?latest` request). */
  async latestRelease(item: number, options: { readonly signal?: AbortSignal } = {}): Promise<TrudRelease> {
    const { releases } = await this.listReleases(item, { ...options, latest: true });
    const [latest] = releases;
    if (latest === undefined) {
      throw new TrudError("release-not-found", `item ${item} has no releases`);
    }
    return latest;
  }

  /** One release by id (from the full list). */
  async findRelease(
    item: number,
    id: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<TrudRelease> {
    const { releases } = await this.listReleases(item, options);
    const found = releases.find((r) => r.id === id);
    if (found === undefined) {
      throw new TrudError(
        "release-not-found",
        `item ${item} has no release ${JSON.stringify(id.slice(0, 120))}`,
      );
    }
    return found;
  }

  /** Downloads a small support file (checksum, signature, public key) whole, capped at `maxBytes`. */
  async fetchSmallFile(redactedUrl: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const { http, keyed } = clientInternals(this);
    return withRetries(http, { url: redactedUrl, signal }, async (attempt) => {
      const opened = await openOnce(http, keyed(redactedUrl), { signal, what: "file", attempt });
      try {
        return await readCapped(opened.response, maxBytes, { what: redactedUrl });
      } catch (error) {
        throw readFailure(error, opened.controller.signal, redactedUrl, this.#key);
      } finally {
        opened.done();
        opened.release();
      }
    });
  }

  /** Never shows the key. */
  toJSON(): Record<string, string> {
    return { baseUrl: this.baseUrl, apiKey: REDACTED };
  }

  [inspect.custom](): string {
    return `TrudClient { baseUrl: ${this.baseUrl}, apiKey: ${REDACTED} }`;
  }
}
