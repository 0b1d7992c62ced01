import { describe, expect, test } from "vitest";

import { etagOf, httpDate, ifNoneMatchMatches, isNotModified, notModifiedSince } from "./conditional.js";

describe("conditional read helpers", () => {
  test("every ETag spelling and lists", () => {
    for (const h of ['W/"3"', '"3"', "W/3", "3", 'w/"3"', '"1", W/"3"', "*"]) {
      expect(ifNoneMatchMatches(h, "3"), h).toBe(true);
    }
    expect(ifNoneMatchMatches('W/"31"', "3")).toBe(false);
  });
  test("If-Modified-Since at second precision", () => {
    expect(notModifiedSince("Tue, 06 Feb 2024 00:00:00 GMT", "2024-02-06T00:00:00.900Z")).toBe(true);
    expect(notModifiedSince("Tue, 06 Feb 2024 00:00:00 GMT", "2024-02-06T00:00:01Z")).toBe(false);
    expect(notModifiedSince("not a date", "2024-02-06T00:00:00Z")).toBe(false);
  });
  test("If-None-Match takes precedence", () => {
    expect(
      isNotModified(
        { ifNoneMatch: '"2"', ifModifiedSince: "Tue, 06 Feb 2099 00:00:00 GMT" },
        { versionId: "1", lastUpdated: "2024-01-01T00:00:00Z" },
      ),
    ).toBe(false);
  });
  test("ETag and HTTP-date formats", () => {
    expect(etagOf({ versionId: 'a"b', lastUpdated: "" })).toBe('W/"ab"');
    expect(httpDate("2024-02-06T10:00:00+01:00")).toBe("Tue, 06 Feb 2024 09:00:00 GMT");
    expect(httpDate("nope")).toBeUndefined();
  });
});
