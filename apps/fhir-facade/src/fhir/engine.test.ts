import { describe, expect, test } from "vitest";

import { FhirEngine } from "./engine.js";
import { MemoryOdsRepository } from "./memory-repository.js";
import type { FhirRequest } from "./request.js";

/** The engine without HTTP and without a database: typed request in, result out (medplum fhir-router style). */
function engine(): FhirEngine {
  const repo = new MemoryOdsRepository();
  repo.put({ resourceType: "Organization", id: "A1", name: "ALPHA", active: true });
  repo.put({
    resourceType: "Organization",
    id: "B1",
    name: "BETA",
    active: false,
    partOf: { reference: "Organization/A1" },
  });
  repo.delete("Organization", "GONE");
  return new FhirEngine({ repository: repo, now: () => new Date("2026-01-01T00:00:00Z") });
}

const req = (segments: string[], params: [string, string][] = [], method = "GET"): FhirRequest => ({
  method,
  segments,
  params,
  baseUrl: "http://h/fhir",
  strict: false,
});

describe("FhirEngine", () => {
  test("read answers the pre-serialised bytes with the version", async () => {
    const result = await engine().handle(req(["Organization", "A1"]));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.body.kind).toBe("raw");
      expect(result.body.version?.versionId).toBe("1");
    }
  });
  test("errors come back as values with stable codes, never thrown", async () => {
    const e = engine();
    const codes = await Promise.all(
      [
        req(["Organization", "NOPE"]),
        req(["Organization", "GONE"]),
        req(["Patient", "1"]),
        req(["Organization", "A1"], [], "DELETE"),
        req(["Organization"], [["name:zzz", "x"]]),
      ].map(async (r) => {
        const res = await e.handle(r);
        return res.ok ? "ok" : res.error.code;
      }),
    );
    expect(codes).toEqual(["not-found", "gone", "unknown-type", "method-not-allowed", "unknown-modifier"]);
  });
  test("search builds a Bundle with self link, total and match entries", async () => {
    const result = await engine().handle(req(["Organization"], [["partof.name", "alp"]]));
    expect(result.ok).toBe(true);
    if (result.ok && result.body.kind === "raw") {
      const bundle = JSON.parse(result.body.json.toString()) as fhir4.Bundle;
      expect(bundle.total).toBe(1);
      expect(bundle.entry?.[0]?.resource?.id).toBe("B1");
      expect(bundle.link?.[0]).toEqual({
        relation: "self",
        url: "http://h/fhir/Organization?partof.name=alp&_count=20",
      });
    }
  });
  test("rejects inconsistent limits at construction", () => {
    expect(
      () =>
        new FhirEngine({
          repository: new MemoryOdsRepository(),
          searchLimits: { countDefault: 50, countMax: 10, maxValues: 1, maxParams: 1, maxValueLength: 1 },
        }),
    ).toThrow(RangeError);
  });
});
