import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fold, normalisePostcode, outwardCode } from "./fold.js";

/** The definition of folding, without the ASCII shortcut the store takes. */
function foldByDefinition(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

describe("fold", () => {
  test("is case- and accent-insensitive, with single spaces", () => {
    expect(fold("  ST. MARY'S   Hospital ")).toBe("st. mary's hospital");
    expect(fold("Café Ångström")).toBe("cafe angstrom");
    expect(fold("ﬁne\u00a0day")).toBe("fine day");
    expect(fold("TAB\tAND\nLINE")).toBe("tab and line");
  });

  test("the ASCII shortcut answers what the full folding answers, for any text", () => {
    // Any Unicode text (the normalising path) and any ASCII text, control characters included (the shortcut).
    for (const texts of [fc.string({ unit: "grapheme" }), fc.string({ unit: "binary-ascii" })]) {
      fc.assert(
        fc.property(texts, (text) => {
          expect(fold(text)).toBe(foldByDefinition(text));
        }),
        { numRuns: 2000 },
      );
    }
  });
});

describe("postcodes", () => {
  test("are compared without spaces or case, and an outward code is its own", () => {
    expect(normalisePostcode(" ls1 4bt ")).toBe("LS14BT");
    expect(outwardCode("LS1 4BT")).toBe("LS1");
    expect(outwardCode("ls14bt")).toBe("LS1");
    expect(outwardCode("LS10 1AA")).toBe("LS10");
  });
});
