/**
 * FHIR date search values as half-open ranges [start, end) in epoch milliseconds, and the R4 prefix rules.
 *
 * A value has an implicit range by its precision: `2024` = the whole year, `2024-01-01` = that day,
 * `2024-01-01T10:00` = that minute. Values without a time zone are read in UTC (the server's time zone, stated in
 * the `Date` header and the CapabilityStatement).
 *
 * @see https://hl7.org/fhir/R4/search.html#date and #prefix
 */
export type DatePrefix = "eq" | "ne" | "gt" | "lt" | "ge" | "le" | "sa" | "eb" | "ap";

const PREFIXES: readonly DatePrefix[] = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"];

/** A half-open time range in epoch milliseconds; open ends are ±Infinity. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses a FHIR date, dateTime or instant into its implicit range, or `undefined` when malformed. */
export function parseDateRange(text: string): TimeRange | undefined {
  const m = DATE_RE.exec(text);
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, hh, mi, ss, frac, tz] = m;
  const year = Number(y);
  if (mo === undefined) {
    return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  }
  const month = Number(mo);
  if (month < 1 || month > 12) {
    return undefined;
  }
  if (d === undefined) {
    return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) };
  }
  const day = Number(d);
  if (day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hh === undefined || mi === undefined) {
    return { start: Date.UTC(year, month - 1, day), end: Date.UTC(year, month - 1, day + 1) };
  }
  const hour = Number(hh);
  const minute = Number(mi);
  const second = ss === undefined ? 0 : Number(ss);
  if (hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  let offsetMs = 0;
  if (tz !== undefined && tz !== "Z") {
    const sign = tz.startsWith("-") ? -1 : 1;
    const oh = Number(tz.slice(1, 3));
    const om = Number(tz.slice(4, 6));
    if (oh > 14 || om > 59) {
      return undefined;
    }
    offsetMs = sign * (oh * 60 + om) * 60_000;
  }
  const fracMs = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
  const start = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMs + Math.floor(fracMs);
  let width: number;
  if (ss === undefined) {
    width = 60_000;
  } else if (frac === undefined) {
    width = 1000;
  } else {
    width = Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  }
  return { start, end: start + width };
}

/** Splits an optional two-letter prefix from a date search value (`ge2024-01-01` → `ge`, `2024-01-01`). */
export function splitPrefix(value: string): { prefix: DatePrefix; rest: string } {
  const head = value.slice(0, 2) as DatePrefix;
  if (PREFIXES.includes(head) && value.length > 2 && /[0-9]/.test(value.charAt(2))) {
    return { prefix: head, rest: value.slice(2) };
  }
  return { prefix: "eq", rest: value };
}

/**
 * Whether a target range satisfies `prefix search`, following R4 search.html#prefix:
 * eq = the search range contains the target; gt/lt = the target extends beyond/before the search range;
 * ge/le = gt/lt or eq; sa/eb = the target starts after / ends before the search range;
 * ap = overlap with the search range widened by 10 % of its distance from now.
 */
export function matchesDate(prefix: DatePrefix, search: TimeRange, target: TimeRange, now: number): boolean {
  const contains = search.start <= target.start && target.end <= search.end;
  switch (prefix) {
    case "eq":
      return contains;
    case "ne":
      return !contains;
    case "gt":
      return target.end > search.end;
    case "lt":
      return target.start < search.start;
    case "ge":
      return target.end > search.end || contains;
    case "le":
      return target.start < search.start || contains;
    case "sa":
      return target.start >= search.end;
    case "eb":
      return target.end <= search.start;
    case "ap": {
      const gap = Math.abs(now - (search.start + search.end) / 2) * 0.1;
      return target.start < search.end + gap && target.end > search.start - gap;
    }
  }
}
