import { describe, expect, test } from "vitest";

import { backoffDelay, parseRetryAfter } from "./backoff.js";
import { parseExpiresIn } from "./token-response.js";

describe("backoffDelay", () => {
  test("doubles per attempt with equal jitter, capped", () => {
    expect(backoffDelay(1, 100, 5000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 5000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 5000, () => 0.5)).toBe(300);
    expect(backoffDelay(20, 100, 5000, () => 1)).toBe(5000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);
  test.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Sat, 21 Nov 2026 12:00:30 GMT", 30_000],
    ["Sat, 21 Nov 2026 11:00:00 GMT", 0],
    [null, undefined],
    ["soon", undefined],
    ["-5", undefined],
    ["1.5", undefined],
    ["9".repeat(40), undefined],
    ["x".repeat(10_000), undefined],
  ])("%j -> %j", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("parseExpiresIn", () => {
  test.each([
    [300, 300],
    ["599", 599],
    [" 60 ", 60],
    ["1.5", 1.5],
    [undefined, undefined],
    [null, undefined],
    [1e15, 365 * 24 * 3600],
  ])("%j -> %j", (value, expected) => {
    expect(parseExpiresIn(value)).toBe(expected);
  });

  test.each([
    0,
    -1,
    "0",
    "-5",
    "abc",
    "",
    "1e3",
    true,
    {},
    [],
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "9".repeat(20),
  ])("%j is invalid", (value) => {
    expect(parseExpiresIn(value)).toBeNaN();
  });
});
