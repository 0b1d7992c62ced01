import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What the ODS mirror reports for metrics and readiness (a narrow view of ods-mirror's status). */
export interface MirrorStats {
  /** A complete generation is loaded and serving. */
  readonly loaded: boolean;
  /** Organisations in the serving generation ("mirror size"). */
  readonly organisations?: number;
  /** The most recent change date the data reflects (sync watermark, else the baseline release date). */
  readonly dataAsOf?: Date;
  /** When the last successful sync finished (this replica or the leader). */
  readonly lastSyncAt?: Date;
  readonly backend?: string;
}

/** Reads the mirror's state; called at most once a second by scrapes and readiness checks. */
export type MirrorStatsSource = () => MirrorStats | Promise<MirrorStats>;

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event loop lag, GC). Default true. */
  readonly defaultMetrics?: boolean;
  readonly now?: () => number;
}

/**
 * The facade's Prometheus metrics (prom-client), in their own registry (no global state), so tests and
 * several apps in one process do not collide. Names follow the Prometheus naming guide
 * (https://prometheus.io/docs/practices/naming/): `_total` counters, `_seconds` histograms.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"route" | "method" | "status">;
  readonly httpDuration: Histogram<"route" | "method" | "status">;
  readonly upstreamRequests: Counter<"upstream" | "status">;
  readonly upstreamDuration: Histogram<"upstream">;
  readonly tokenRefreshes: Counter<"upstream" | "result">;
  readonly cacheLookups: Counter<"cache" | "result">;
  readonly rateLimited: Counter;
  #mirror: MirrorStatsSource | undefined;
  #mirrorCache: { at: number; stats: Promise<MirrorStats> } | undefined;
  readonly #now: () => number;
  readonly #upstreamGauges: { active: () => number; queued: () => number }[] = [];

  constructor(options: MetricsOptions = {}) {
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: "facade_" });
    }
    this.httpRequests = new Counter({
      name: "facade_http_requests_total",
      help: "HTTP requests answered, by route pattern, method and status.",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "facade_http_request_duration_seconds",
      help: "Time from request arrival to the end of the response.",
      labelNames: ["route", "method", "status"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.upstreamRequests = new Counter({
      name: "facade_upstream_requests_total",
      help: "Calls to upstream services (terminology, ORD, TRUD, token endpoints), by status or 'error'.",
      labelNames: ["upstream", "status"],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: "facade_upstream_request_duration_seconds",
      help: "Upstream call latency up to the response headers.",
      labelNames: ["upstream"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.tokenRefreshes = new Counter({
      name: "facade_upstream_token_refreshes_total",
      help: "Access token requests to upstream token endpoints, by result.",
      labelNames: ["upstream", "result"],
      registers,
    });
    this.cacheLookups = new Counter({
      name: "facade_cache_lookups_total",
      help: "Response cache lookups by result (hit, miss, stale).",
      labelNames: ["cache", "result"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "facade_rate_limited_total",
      help: "Requests refused with 429 by the per-client rate limit.",
      registers,
    });
    const lookups = this.cacheLookups;
    new Gauge({
      name: "facade_cache_hit_ratio",
      help: "Cache hits / lookups since start (see facade_cache_lookups_total for rates).",
      labelNames: ["cache"],
      registers,
      async collect() {
        const values = (await lookups.get()).values;
        const byCache = new Map<string, { hits: number; all: number }>();
        for (const v of values) {
          const cache = String(v.labels.cache);
          const entry = byCache.get(cache) ?? { hits: 0, all: 0 };
          entry.all += v.value;
          if (v.labels.result === "hit" || v.labels.result === "stale") {
            entry.hits += v.value;
          }
          byCache.set(cache, entry);
        }
        this.reset();
        for (const [cache, { hits, all }] of byCache) {
          this.set({ cache }, all === 0 ? 0 : hits / all);
        }
      },
    });
    const gauges = this.#upstreamGauges;
    new Gauge({
      name: "facade_upstream_in_flight",
      help: "Upstream calls holding a concurrency slot.",
      registers,
      collect() {
        this.set(gauges.reduce((n, g) => n + g.active(), 0));
      },
    });
    new Gauge({
      name: "facade_upstream_queued",
      help: "Upstream calls waiting for a concurrency slot.",
      registers,
      collect() {
        this.set(gauges.reduce((n, g) => n + g.queued(), 0));
      },
    });
    const mirrorGauge = (
      name: string,
      help: string,
      pick: (s: MirrorStats, now: number) => number | undefined,
    ): void => {
      const stats = (): Promise<MirrorStats> | undefined => this.mirrorStats();
      const now = this.#now;
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const s = await stats();
          const value = s === undefined ? undefined : pick(s, now());
          this.reset();
          if (value !== undefined) {
            this.set(value);
          }
        },
      });
    };
    mirrorGauge("facade_mirror_loaded", "1 when a complete mirror generation is serving.", (s) =>
      s.loaded ? 1 : 0,
    );
    mirrorGauge(
      "facade_mirror_organisations",
      "Organisations in the serving mirror generation.",
      (s) => s.organisations,
    );
    mirrorGauge(
      "facade_mirror_age_seconds",
      "Age of the mirror's data (now minus the watermark or release date).",
      (s, now) => (s.dataAsOf === undefined ? undefined : Math.max(0, (now - s.dataAsOf.getTime()) / 1000)),
    );
    mirrorGauge("facade_mirror_sync_lag_seconds", "Time since the last successful ORD sync.", (s, now) =>
      s.lastSyncAt === undefined ? undefined : Math.max(0, (now - s.lastSyncAt.getTime()) / 1000),
    );
  }

  /** Connects the mirror (call once, when the store exists). */
  setMirrorSource(source: MirrorStatsSource): void {
    this.#mirror = source;
    this.#mirrorCache = undefined;
  }

  /** Adds an upstream limiter's in-flight and queued counts to the gauges. */
  trackUpstream(limiter: { readonly active: number; readonly queued: number }): void {
    this.#upstreamGauges.push({ active: () => limiter.active, queued: () => limiter.queued });
  }

  /** The mirror's stats, shared by all gauges and readiness for one second; `undefined` without a mirror. */
  mirrorStats(): Promise<MirrorStats> | undefined {
    const source = this.#mirror;
    if (source === undefined) {
      return undefined;
    }
    const t = this.#now();
    if (this.#mirrorCache === undefined || t - this.#mirrorCache.at > 1000) {
      const stats = (async () => source())().catch((): MirrorStats => ({ loaded: false }));
      this.#mirrorCache = { at: t, stats };
    }
    return this.#mirrorCache.stats;
  }

  /** Records one upstream call (use as the observer of `UpstreamLimiter.wrapFetch`). */
  readonly observeUpstream = (call: {
    upstream: string;
    status: number | "error";
    seconds: number;
  }): void => {
    this.upstreamRequests.inc({ upstream: call.upstream, status: String(call.status) });
    this.upstreamDuration.observe({ upstream: call.upstream }, call.seconds);
  };
}
