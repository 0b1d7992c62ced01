import { describe, expect, test } from "vitest";

import { FhirError } from "./errors.js";
import { parseSearch } from "./search-parse.js";

const parse = (params: [string, string][], strict = false) =>
  parseSearch({ resourceType: "Organization", params, strict });

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FhirError ? err.code : "other";
  }
  return undefined;
}

describe("parseSearch", () => {
  test("AND across repetitions, OR across commas", () => {
    const { query } = parse([
      ["roleCode", "RO197,RO198"],
      ["roleCode", "RO7"],
    ]);
    expect(query.conditions).toHaveLength(2);
    expect(query.conditions[0]).toMatchObject({
      kind: "values",
      values: [{ code: "RO197" }, { code: "RO198" }],
    });
  });
  test("token forms: code, system|code, |code, system|", () => {
    const { query } = parse([["identifier", "s|c,|c,s|,c"]]);
    expect(query.conditions[0]).toMatchObject({
      values: [
        { system: "s", code: "c" },
        { system: "", code: "c" },
        { system: "s", code: undefined },
        { system: undefined, code: "c" },
      ],
    });
  });
  test("modifiers map to modes; :not negates", () => {
    expect(parse([["name:contains", "x"]]).query.conditions[0]).toMatchObject({
      values: [{ mode: "contains" }],
    });
    expect(parse([["name:exact", "x"]]).query.conditions[0]).toMatchObject({ values: [{ mode: "exact" }] });
    expect(parse([["roleCode:not", "RO1"]]).query.conditions[0]).toMatchObject({ negate: true });
    expect(parse([["partof:missing", "true"]]).query.conditions[0]).toMatchObject({
      kind: "missing",
      missing: true,
    });
  });
  test("chains", () => {
    expect(parse([["partof.name", "x"]]).query.conditions[0]).toMatchObject({
      kind: "chain",
      param: "partof",
      targetType: "Organization",
      condition: { param: "name" },
    });
  });
  test("errors have stable codes", () => {
    expect(code(() => parse([["name:sounds", "x"]]))).toBe("unknown-modifier");
    expect(code(() => parse([["name:not", "x"]]))).toBe("not-supported");
    expect(code(() => parse([["active", "1"]]))).toBe("invalid-value");
    expect(code(() => parse([["lastChangeDate", "2024-99"]]))).toBe("invalid-value");
    expect(code(() => parse([["colour", "x"]], true))).toBe("unknown-parameter");
    expect(
      code(() =>
        parse([
          ["_count", "1"],
          ["_count", "2"],
        ]),
      ),
    ).toBe("invalid-value");
    expect(code(() => parse([["identifier", "a|b|c"]]))).toBe("invalid-value");
  });
  test("unknown parameters are reported, not applied, when lenient", () => {
    const parsed = parse([
      ["colour", "x"],
      ["name", "a"],
    ]);
    expect(parsed.ignored).toEqual([{ name: "colour", reason: "unknown search parameter for Organization" }]);
    expect(parsed.used).toEqual([["name", "a"]]);
  });
  test("_count is clamped, defaults to 20, _summary=count forces 0", () => {
    expect(parse([]).query.count).toBe(20);
    expect(parse([["_count", "100000"]]).query.count).toBe(1000);
    expect(parse([["_summary", "count"]]).query.count).toBe(0);
  });
  test("_sort appends _id as a tie-breaker", () => {
    expect(parse([["_sort", "-name"]]).query.sort).toEqual([
      { param: "name", descending: true },
      { param: "_id", descending: false },
    ]);
  });
  test("includes", () => {
    const parsed = parse([
      ["_include:iterate", "Organization:partof"],
      ["_revinclude", "OrganizationAffiliation:primary-organization"],
    ]);
    expect(parsed.includes).toEqual([
      { sourceType: "Organization", param: "partof", targetType: undefined, iterate: true },
    ]);
    expect(parsed.revincludes[0]).toMatchObject({ sourceType: "OrganizationAffiliation", iterate: false });
  });
});
