/** Dates as whole days since 1970-01-01 (UTC), for cheap arithmetic on record dates. */

const DAY_MS = 86_400_000;

/** Day number of a `YYYY-MM-DD` date (assumed valid). */
export function dayOf(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

/** Day number of 1 January of a year. */
export function yearStart(year: number): number {
  return Math.floor(Date.UTC(year, 0, 1) / DAY_MS);
}

const cache = new Map<number, string>();

/** `YYYY-MM-DD` of a day number (memoised: the file uses a few thousand distinct days). */
export function isoOf(day: number): string {
  let iso = cache.get(day);
  if (iso === undefined) {
    iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (cache.size < 100_000) {
      cache.set(day, iso);
    }
  }
  return iso;
}

/** The archive cut-off: records operationally closed before it are refOnly skeletons (upstream-ods.md §1.4). */
export const ARCHIVE_CUTOFF = dayOf("2017-03-31");
