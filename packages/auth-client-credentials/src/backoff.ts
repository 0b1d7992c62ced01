/**
 * Backoff for retries: exponential with jitter, and `Retry-After` (RFC 9110 §10.2.3) parsing.
 *
 * @module
 */

/**
 * The delay before retry number `attempt` (1 = the first retry): `base * 2^(attempt-1)` capped at `max`, with
 * "equal jitter" (half fixed, half random) so that concurrent clients spread out but never retry at once.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return exp / 2 + random() * (exp / 2);
}

/**
 * Parses a `Retry-After` value (delay-seconds or an IMF-fixdate HTTP-date) into milliseconds from `now`; undefined if absent
 * or malformed. Negative results (a date in the past) become 0.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  // Only the IMF-fixdate form (RFC 9110 §5.6.7); Date.parse alone would take "1.5" or "-5" for dates.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) {
    return undefined;
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
