const DAY_MS = 86_400_000;

/** Parses a strict `YYYY-MM-DD` calendar date to UTC milliseconds, or undefined. */
export function parseIsoDate(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) {
    return undefined;
  }
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return ms;
}

/** Whole days from `date` (UTC midnight) to the UTC calendar day of `now`. */
export function daysBefore(dateMs: number, now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((today - dateMs) / DAY_MS);
}
