import { MirrorError } from "./errors.js";
import type { DateValue } from "./query.js";

/**
 * FHIR date search against a whole-day target (an ODS LastChangeDate), following R4 search.html#date: a search
 * value has an implicit range from its precision, and each prefix compares the target's range with it.
 * The result is a pair of inclusive day bounds (`YYYY-MM-DD`), or `exclude` for `ne`.
 */
export interface DayRange {
  /** Inclusive lower bound, or undefined for none. */
  readonly from?: string;
  /** Inclusive upper bound, or undefined for none. */
  readonly to?: string;
  /** `ne`: the target must fall outside [from, to]. */
  readonly exclude?: boolean;
  /** The condition can never match (an empty range). */
  readonly empty?: boolean;
}

const DAY = 86_400_000;
const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The implicit range `[start, end)` of a FHIR date/dateTime value, as epoch milliseconds. */
export function implicitRange(value: string): { start: number; end: number } {
  const m = DATE_RE.exec(value);
  if (m === null) {
    throw new MirrorError("invalid-query", `not a FHIR date: ${JSON.stringify(value.slice(0, 40))}`);
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) {
    throw new MirrorError("invalid-query", `month out of range in ${value}`);
  }
  if (month === undefined) {
    return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  }
  if (day === undefined) {
    return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) };
  }
  const start = Date.UTC(year, month - 1, day);
  if (new Date(start).getUTCDate() !== day || new Date(start).getUTCMonth() !== month - 1) {
    throw new MirrorError("invalid-query", `no such day: ${value}`);
  }
  if (h === undefined || mi === undefined) {
    return { start, end: start + DAY };
  }
  const hours = Number(h);
  const minutes = Number(mi);
  const seconds = s === undefined ? 0 : Number(s);
  if (hours > 23 || minutes > 59 || seconds > 59) {
    throw new MirrorError("invalid-query", `time out of range in ${value}`);
  }
  let offset = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const instant = start + ((hours * 60 + minutes) * 60 + seconds) * 1000 - offset;
  const precision =
    s === undefined ? 60_000 : frac === undefined ? 1000 : 10 ** (3 - Math.min(frac.length, 3));
  const millis = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  return { start: instant + millis, end: instant + millis + Math.max(precision, 1) };
}

function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The first whole day whose start is >= `ms`. */
function firstDayAtOrAfter(ms: number): number {
  return Math.ceil(ms / DAY) * DAY;
}

/** The last whole day whose start is < `ms`. */
function lastDayBefore(ms: number): number {
  return (Math.ceil(ms / DAY) - 1) * DAY;
}

/**
 * Converts one FHIR date value to inclusive day bounds on a whole-day target [D, D+1d).
 * @param now the store's clock, for `ap`.
 */
export function dayRange(value: DateValue, now: number): DayRange {
  const { start, end } = implicitRange(value.value);
  switch (value.prefix) {
    case "eq": {
      // The search range fully contains the target day: D >= start and D + 1d <= end.
      const from = firstDayAtOrAfter(start);
      const to = end - DAY;
      return from > to ? { empty: true } : { from: dayString(from), to: dayString(lastDayBefore(to + 1)) };
    }
    case "ne": {
      const from = firstDayAtOrAfter(start);
      const to = end - DAY;
      return from > to ? {} : { from: dayString(from), to: dayString(lastDayBefore(to + 1)), exclude: true };
    }
    case "gt":
      // The part of the target above the search range is not empty: D + 1d > end.
      return { from: dayString(firstDayAtOrAfter(end - DAY + 1)) };
    case "ge":
      // The target reaches the search range or beyond: D + 1d > start.
      return { from: dayString(firstDayAtOrAfter(start - DAY + 1)) };
    case "lt":
      // The target starts before the search range: D < start.
      return { to: dayString(lastDayBefore(start)) };
    case "le":
      // The target starts before the end of the search range: D < end.
      return { to: dayString(lastDayBefore(end)) };
    case "sa":
      // Starts after the search range ends: D >= end.
      return { from: dayString(firstDayAtOrAfter(end)) };
    case "eb":
      // Ends before the search range starts: D + 1d <= start.
      return { to: dayString(lastDayBefore(start - DAY + 1)) };
    case "ap": {
      const gap = Math.max(Math.abs(now - start) * 0.1, DAY);
      return {
        from: dayString(firstDayAtOrAfter(start - gap - DAY + 1)),
        to: dayString(lastDayBefore(end + gap)),
      };
    }
  }
}
