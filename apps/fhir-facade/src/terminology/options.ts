import type { RequestBudgetOptions, UpstreamBudget } from "./budget.js";
import type { CacheStore } from "./cache-store.js";
import type { LocalCodeSystems } from "./local-code-systems.js";
import type { RetryPolicy, UpstreamFetch } from "./upstream.js";

/** Cache settings (defaults after CSIRO's Varnish in front of Ontoserver, upstream-terminology.md §6). */
export interface TerminologyCacheOptions {
  /** Freshness of 2xx answers (default 10 minutes). */
  readonly ttlMs?: number;
  /** Freshness of 404/410/400/422 answers (default 1 minute). */
  readonly notFoundTtlMs?: number;
  /** How long past freshness an entry may be served when the upstream fails (default 5 minutes). */
  readonly staleIfErrorMs?: number;
  /** Byte bound of the in-memory LRU (default 64 MiB). */
  readonly maxBytes?: number;
  /** Largest answer cached (default 1 MiB); larger answers are streamed through. */
  readonly maxEntryBytes?: number;
  /** The store (default: in memory, `maxBytes`); pass a `RedisCacheStore` to share between replicas. */
  readonly store?: CacheStore;
}

/** Events for logs and metrics (the gateway never logs). They carry no credential and no body. */
export type TerminologyEvent =
  | {
      readonly type: "cache";
      readonly status: "HIT" | "MISS" | "REVALIDATED" | "STALE" | "BYPASS";
      readonly path: string;
    }
  | {
      readonly type: "upstream";
      readonly method: string;
      readonly path: string;
      readonly status: number;
      readonly durationMs: number;
    }
  | { readonly type: "retry"; readonly attempt: number; readonly status?: number; readonly delayMs: number }
  | { readonly type: "error"; readonly code: string; readonly path: string };

/**
 * Options of `createTerminologyGateway`: everything the app's config fills (issue 8). `fetch` is the
 * authenticated fetch of `@fhir-facade/auth-client-credentials` (client secret or private_key_jwt).
 */
export interface TerminologyGatewayOptions {
  /** The upstream FHIR base, e.g. `https://ontology.nhs.uk/production1/fhir` (no trailing slash needed). */
  readonly upstreamBaseUrl: string;
  /** Authenticated fetch (`client.fetch` of the token client). */
  readonly fetch: UpstreamFetch;
  /** The facade's public FHIR base (rewritten into Bundles); default: from the request's Host and `basePath`. */
  readonly publicBaseUrl?: string;
  /** The facade's FHIR base path (default `/fhir`). */
  readonly basePath?: string;
  /** Per-request upstream timeout, body included (default 30 s). */
  readonly timeoutMs?: number;
  /** Largest POST body accepted (default 1 MiB). */
  readonly maxRequestBodyBytes?: number;
  /** Cache settings, or `false` to disable caching. */
  readonly cache?: TerminologyCacheOptions | false;
  /**
   * The upstream request budget (default 5,000 per 5 minutes, 2 s of queueing, per process), or a shared one
   * (`RedisRequestBudget`) when several replicas run.
   */
  readonly budget?: Partial<Omit<RequestBudgetOptions, "now">> | UpstreamBudget;
  /** Retries of idempotent calls (default 3 attempts, 100 ms base, 2 s cap). */
  readonly retry?: Partial<RetryPolicy>;
  /** Code systems answered locally (default: the ODS code systems). */
  readonly local?: LocalCodeSystems;
  readonly now?: () => number;
  readonly onEvent?: (event: TerminologyEvent) => void;
}

/** The options are invalid; `option` names the offending one. The message never repeats a value. */
export class TerminologyOptionsError extends TypeError {
  override readonly name = "TerminologyOptionsError";
  readonly code = "invalid_options" as const;
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`terminology gateway: option "${option}" ${problem}`);
    this.option = option;
  }
}

export interface ResolvedTerminologyOptions {
  readonly upstreamBaseUrl: string;
  readonly fetch: UpstreamFetch;
  readonly publicBaseUrl: string | undefined;
  readonly basePath: string;
  readonly timeoutMs: number;
  readonly maxRequestBodyBytes: number;
  readonly cache:
    | (Required<Omit<TerminologyCacheOptions, "store">> & { readonly store: CacheStore | undefined })
    | undefined;
  readonly budget: Omit<RequestBudgetOptions, "now"> | UpstreamBudget;
  readonly retry: RetryPolicy;
  readonly now: () => number;
}

function positive(option: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new TerminologyOptionsError(
      option,
      `must be a ${allowZero ? "non-negative" : "positive"} finite number`,
    );
  }
  return v;
}

function baseUrl(option: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TerminologyOptionsError(option, "must be an absolute http(s) URL");
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TerminologyOptionsError(option, "must be an absolute http(s) URL");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "") {
    throw new TerminologyOptionsError(option, "must be an http(s) URL without query or fragment");
  }
  if (url.username !== "" || url.password !== "") {
    throw new TerminologyOptionsError(option, "must not carry credentials");
  }
  return url.toString().replace(/\/+$/, "");
}

/** Validates options when the gateway is created (not on the first request). */
export function resolveTerminologyOptions(options: TerminologyGatewayOptions): ResolvedTerminologyOptions {
  if (typeof options.fetch !== "function") {
    throw new TerminologyOptionsError("fetch", "must be a function (the token client's authenticated fetch)");
  }
  const basePath = options.basePath ?? "/fhir";
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) {
    throw new TerminologyOptionsError("basePath", "must be a path such as /fhir");
  }
  const cache = options.cache === false ? undefined : (options.cache ?? {});
  return {
    upstreamBaseUrl: baseUrl("upstreamBaseUrl", options.upstreamBaseUrl),
    fetch: options.fetch,
    publicBaseUrl:
      options.publicBaseUrl === undefined ? undefined : baseUrl("publicBaseUrl", options.publicBaseUrl),
    basePath,
    timeoutMs: positive("timeoutMs", options.timeoutMs, 30_000),
    maxRequestBodyBytes: positive("maxRequestBodyBytes", options.maxRequestBodyBytes, 1024 * 1024),
    cache:
      cache === undefined
        ? undefined
        : {
            ttlMs: positive("cache.ttlMs", cache.ttlMs, 10 * 60_000),
            notFoundTtlMs: positive("cache.notFoundTtlMs", cache.notFoundTtlMs, 60_000),
            staleIfErrorMs: positive("cache.staleIfErrorMs", cache.staleIfErrorMs, 5 * 60_000, true),
            maxBytes: positive("cache.maxBytes", cache.maxBytes, 64 * 1024 * 1024),
            maxEntryBytes: positive("cache.maxEntryBytes", cache.maxEntryBytes, 1024 * 1024),
            store: cache.store,
          },
    budget:
      options.budget !== undefined && "acquire" in options.budget
        ? options.budget
        : {
            limit: Math.floor(positive("budget.limit", options.budget?.limit, 5000)),
            windowMs: positive("budget.windowMs", options.budget?.windowMs, 5 * 60_000),
            maxQueueMs: positive("budget.maxQueueMs", options.budget?.maxQueueMs, 2000, true),
          },
    retry: {
      maxAttempts: Math.floor(positive("retry.maxAttempts", options.retry?.maxAttempts, 3)),
      baseDelayMs: positive("retry.baseDelayMs", options.retry?.baseDelayMs, 100, true),
      maxDelayMs: positive("retry.maxDelayMs", options.retry?.maxDelayMs, 2000, true),
    },
    now: options.now ?? Date.now,
  };
}
