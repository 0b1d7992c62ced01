/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained requests per second per key; 0 disables the limiter. */
  readonly perSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet period. */
  readonly burst: number;
  /** Clock in ms (default `Date.now`). */
  readonly now?: () => number;
  /** Most keys tracked; idle full buckets are dropped first (default 100,000). */
  readonly maxKeys?: number;
}

/** `0` when the request may proceed, else the seconds to wait (for `Retry-After`). */
export type RateLimiter = (key: string) => number;

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * A token bucket per client (API key name, JWT client, or address when anonymous): `burst` requests at
 * once, refilled at `perSecond`. In-process: with several replicas each enforces its own share (the
 * deploy example divides the rate by the replica count).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { perSecond, burst } = options;
  if (perSecond <= 0) {
    return () => 0;
  }
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const fullAfterMs = (burst / perSecond) * 1000;
  const buckets = new Map<string, Bucket>();

  function sweep(t: number): void {
    for (const [key, b] of buckets) {
      if (t - b.last >= fullAfterMs) {
        buckets.delete(key);
      }
    }
    // Still full of active clients: drop the oldest entries (they get a fresh bucket, never an error).
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys) {
        break;
      }
      buckets.delete(key);
    }
  }

  return (key) => {
    const t = now();
    let b = buckets.get(key);
    if (b === undefined) {
      if (buckets.size >= maxKeys) {
        sweep(t);
      }
      b = { tokens: burst, last: t };
      buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * perSecond);
      b.last = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  };
}
