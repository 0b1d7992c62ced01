import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { matchesDate, parseDateRange, splitPrefix } from "./date-range.js";

const day = (d: string): { start: number; end: number } => parseDateRange(d) ?? { start: NaN, end: NaN };

describe("parseDateRange", () => {
  test("implicit ranges by precision", () => {
    expect(parseDateRange("2024")).toEqual({ start: Date.UTC(2024, 0, 1), end: Date.UTC(2025, 0, 1) });
    expect(parseDateRange("2024-02")).toEqual({ start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
    expect(parseDateRange("2024-02-29")).toEqual({ start: Date.UTC(2024, 1, 29), end: Date.UTC(2024, 2, 1) });
    expect(parseDateRange("2024-02-06T10:30")).toEqual({
      start: Date.UTC(2024, 1, 6, 10, 30),
      end: Date.UTC(2024, 1, 6, 10, 31),
    });
    expect(parseDateRange("2024-02-06T10:30:05.1Z")?.end).toBe(Date.UTC(2024, 1, 6, 10, 30, 5, 200));
  });
  test("time zones shift the range", () => {
    expect(parseDateRange("2024-02-06T10:00:00+01:00")?.start).toBe(Date.UTC(2024, 1, 6, 9));
    expect(parseDateRange("2024-02-06T10:00:00-05:30")?.start).toBe(Date.UTC(2024, 1, 6, 15, 30));
  });
  test("rejects malformed values", () => {
    for (const bad of [
      "",
      "24",
      "2024-2-1",
      "2023-02-29",
      "2024-00-10",
      "2024-01-01T24:00",
      "2024-01-01T10",
      "2024-01-01 10:00",
      "2024-01-01T10:00+15:00",
    ]) {
      expect(parseDateRange(bad), bad).toBeUndefined();
    }
  });
  test("property: never throws on any string", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseDateRange(s);
        expect(r === undefined || r.start < r.end).toBe(true);
      }),
    );
  });
});

describe("splitPrefix", () => {
  test("two-letter prefixes only before a digit", () => {
    expect(splitPrefix("ge2024")).toEqual({ prefix: "ge", rest: "2024" });
    expect(splitPrefix("2024")).toEqual({ prefix: "eq", rest: "2024" });
    expect(splitPrefix("gex")).toEqual({ prefix: "eq", rest: "gex" });
  });
});

describe("matchesDate (R4 prefix semantics, day precision targets)", () => {
  const now = Date.UTC(2026, 10, 21);
  const s = day("2024-02-06");
  const cases: [string, string, boolean][] = [
    ["eq", "2024-02-06", true],
    ["eq", "2024-02-05", false],
    ["ge", "2024-02-06", true], // not "gt" (a common bug)
    ["gt", "2024-02-06", false],
    ["le", "2024-02-06", true],
    ["lt", "2024-02-06", false], // lt never includes the day itself
    ["lt", "2024-02-05", true],
    ["le", "2024-02-07", false], // le does not include the next midnight
    ["sa", "2024-02-07", true],
    ["eb", "2024-02-05", true],
    ["ne", "2024-02-07", true],
    ["ap", "2024-02-07", true],
    ["ap", "2023-01-01", false],
  ];
  for (const [prefix, target, expected] of cases) {
    test(`${prefix}2024-02-06 vs ${target} → ${expected}`, () => {
      expect(matchesDate(prefix as never, s, day(target), now)).toBe(expected);
    });
  }
  test("eq is containment, not overlap (a month does not eq a day)", () => {
    expect(matchesDate("eq", s, day("2024-02"), now)).toBe(false);
    expect(matchesDate("eq", day("2024-02"), s, now)).toBe(true);
  });
});
