import { describe, expect, test } from "vitest";

import { FhirError } from "../fhir/errors.js";
import { isR4Version, negotiate, parseMediaRanges } from "./negotiate.js";

describe("negotiate", () => {
  test("q-values order the ranges", () => {
    expect(negotiate("application/fhir+json;q=0.5, application/fhir+xml", undefined).format).toBe("xml");
    expect(negotiate("application/fhir+xml;q=0, */*", undefined).format).toBe("json");
  });
  test("_format wins over Accept", () => {
    expect(negotiate("application/fhir+json", "xml").format).toBe("xml");
  });
  test("406 as a typed error", () => {
    expect(() => negotiate("image/png", undefined)).toThrow(FhirError);
    expect(() => negotiate(undefined, "html")).toThrow(FhirError);
  });
  test("media range parsing tolerates junk", () => {
    expect(parseMediaRanges("garbage, ;;;, application/json;q=abc")).toEqual([
      { type: "application/json", q: 0, params: new Map() },
    ]);
    expect(parseMediaRanges(",".repeat(10_000))).toEqual([]);
  });
  test("fhirVersion", () => {
    expect(isR4Version("4.0")).toBe(true);
    expect(isR4Version("4.0.1")).toBe(true);
    expect(isR4Version("4.3")).toBe(false);
    expect(isR4Version(undefined)).toBe(true);
  });
});
