import { describe, expect, test } from "vitest";

import { CodeSpace } from "./code-space.js";

describe("CodeSpace", () => {
  test("is a bijection onto its pattern and skips reserved codes", () => {
    const space = new CodeSpace({
      heads: ["R"],
      alphabet: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      width: 2,
      reserved: ["RA9", "R1G", "G81086"],
    });
    expect(space.capacity).toBe(36 * 36 - 2);
    const codes = Array.from({ length: space.capacity }, (_, k) => space.code(k));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain("RA9");
    expect(codes).not.toContain("R1G");
    expect(codes.every((c) => /^R[0-9A-Z]{2}$/.test(c))).toBe(true);
    expect(() => space.code(space.capacity)).toThrow(RangeError);
    expect(() => space.code(-1)).toThrow(RangeError);
  });

  test("several heads", () => {
    const space = new CodeSpace({
      heads: ["A", "G"],
      alphabet: "0123456789",
      width: 5,
      reserved: ["G81086"],
    });
    const codes = new Set(Array.from({ length: space.capacity }, (_, k) => space.code(k)));
    expect(codes.size).toBe(2 * 100_000 - 1);
    expect(codes.has("G81086")).toBe(false);
    expect(codes.has("A81086")).toBe(true);
  });
});
