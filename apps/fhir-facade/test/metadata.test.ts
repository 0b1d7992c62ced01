import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { SEARCH_PARAMS } from "../src/fhir/search-parameters.js";
import { getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

let app: Running;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

describe("GET /metadata", () => {
  test("a valid R4 CapabilityStatement with formats and conditional read", async () => {
    const { status, body, headers } = await getJson(`${app.base}/metadata`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("application/fhir+json; fhirVersion=4.0; charset=utf-8");
    expect(body.fhirVersion).toBe("4.0.1");
    expect(body.format).toEqual(expect.arrayContaining(["application/fhir+json", "application/fhir+xml"]));
    const org = body.rest[0].resource.find((r: { type: string }) => r.type === "Organization");
    expect(org.conditionalRead).toBe("full-support");
    expect(org.interaction.map((i: { code: string }) => i.code)).toEqual(["read", "vread", "search-type"]);
    expect(org.searchInclude).toContain("Organization:partof");
    expect(org.searchRevInclude).toContain("Organization:partof");
  });

  test("every implemented search parameter is stated with its definition and type", async () => {
    const { body } = await getJson(`${app.base}/metadata`);
    for (const type of ["Organization", "OrganizationAffiliation"] as const) {
      const res = body.rest[0].resource.find((r: { type: string }) => r.type === type);
      const stated = new Map(res.searchParam.map((p: { name: string }) => [p.name, p]));
      for (const def of SEARCH_PARAMS[type].values()) {
        expect(stated.get(def.name)).toMatchObject({
          name: def.name,
          definition: def.definition,
          type: def.type,
        });
      }
      expect(stated.size).toBe(SEARCH_PARAMS[type].size);
    }
    const org = body.rest[0].resource.find((r: { type: string }) => r.type === "Organization");
    const names = org.searchParam.map((p: { name: string }) => p.name);
    for (const n of [
      "_id",
      "_lastUpdated",
      "identifier",
      "name",
      "address",
      "address-city",
      "address-country",
      "address-postalcode",
      "address-state",
      "address-use",
      "active",
      "type",
      "partof",
      "endpoint",
      "phonetic",
      "roleCode",
      "activeRoleCode",
      "lastChangeDate",
    ]) {
      expect(names).toContain(n);
    }
  });

  test("XML metadata", async () => {
    const res = await fetch(`${app.base}/metadata?_format=xml`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<CapabilityStatement");
  });

  test("POST /metadata is 405", async () => {
    const { status } = await getJson(`${app.base}/metadata`, { method: "POST" });
    expect(status).toBe(405);
  });
});
