import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { escapeValue, splitUnescaped, unescapeValue } from "./escaping.js";

describe("search value escaping", () => {
  test("splits on unescaped separators only", () => {
    expect(splitUnescaped("a,b\\,c,d", ",")).toEqual(["a", "b\\,c", "d"]);
    expect(splitUnescaped("sys\\|x|code", "|")).toEqual(["sys\\|x", "code"]);
    expect(splitUnescaped("a\\\\,b", ",")).toEqual(["a\\\\", "b"]);
  });
  test("unescapes the four escapes and leaves other backslashes", () => {
    expect(unescapeValue("a\\,b\\|c\\$d\\\\e\\x")).toBe("a,b|c$d\\e\\x");
  });
  test("property: escape then split then unescape round-trips any list", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (values) => {
        const joined = values.map(escapeValue).join(",");
        expect(splitUnescaped(joined, ",").map(unescapeValue)).toEqual(values);
      }),
    );
  });
});
