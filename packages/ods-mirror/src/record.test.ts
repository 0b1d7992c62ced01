import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { codeKey } from "./record.js";

const CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("");
const code = (min: number, max: number) =>
  fc.array(fc.constantFrom(...CHARS), { minLength: min, maxLength: max }).map((c) => c.join(""));

describe("codeKey", () => {
  test("reads a code as base-37 digits padded to 10 positions", () => {
    expect(codeKey("0")).toBe(37 ** 9);
    expect(codeKey("A")).toBe(11 * 37 ** 9);
    expect(codeKey("ZZZZZZZZZZ")).toBe(37 ** 10 - 1);
    expect(Number.isSafeInteger(codeKey("ZZZZZZZZZZ"))).toBe(true);
  });

  test("codes of 11 and 12 characters are bigints above every shorter code's key, below 2^63", () => {
    // Eleven "0" digits (1 each) in the 12 positions 37^11 .. 37^1, the last position empty.
    const elevenZeros = Array.from({ length: 11 }, (_, i) => 37n ** BigInt(11 - i)).reduce((a, b) => a + b);
    expect(codeKey("00000000000")).toBe(elevenZeros);
    expect(codeKey("ZZZZZZZZZZZZ")).toBe(37n ** 12n - 1n);
    expect((codeKey("ZZZZZZZZZZZZ") as bigint) < 2n ** 63n).toBe(true);
    expect((codeKey("00000000000") as bigint) > BigInt(codeKey("ZZZZZZZZZZ") as number)).toBe(true);
  });

  test("is not defined for what is not an ODS code", () => {
    for (const bad of ["", "rr8", "RR 8", " RR8", "RR8-1", "ABCDEFGHIJKLM", "RÉ1", "RR8\n"]) {
      expect(codeKey(bad)).toBeUndefined();
    }
  });

  test("orders codes of up to 10 characters as their text sorts, and never gives two codes one key", () => {
    fc.assert(
      fc.property(code(1, 10), code(1, 10), (a, b) => {
        const [ka, kb] = [codeKey(a) as number, codeKey(b) as number];
        expect(Math.sign(ka - kb)).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(code(1, 12), code(1, 12), (a, b) => {
        fc.pre(a !== b);
        expect(BigInt(codeKey(a) ?? -1)).not.toBe(BigInt(codeKey(b) ?? -2));
      }),
      { numRuns: 3000 },
    );
  });
});
