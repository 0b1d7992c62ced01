/* eslint-disable @typescript-eslint/no-explicit-any -- these tests mutate arbitrary ORD JSON / FHIR example objects */
/**
 * Golden tests: the ODS data behind NHS England's own FHIR examples, mapped by this package, compared field
 * by field with the published examples (England IG examples in XML, parsed with FHIR.js; the ODT API spec's
 * RR8 read and 617400 affiliation; the IG's JSON affiliation 364347).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, test } from "vitest";

import { FHIR_ODS, IG_EXAMPLES } from "../test/fixtures.js";
import { E8J091, FCE71, FDC49, G81086, Q72, RR8, V4VE03 } from "../test/golden-inputs.js";
import { fhirXmlToJson, validationErrors } from "../test/validate.js";
import { toFhirAffiliation } from "./fhir-affiliation.js";
import { toFhirOrganization } from "./fhir-organization.js";
import { ODS_FHIR } from "./fhir-urls.js";
import { parseOrdOrganisation } from "./ord-json.js";

const ODT_SPEC = readFileSync(join(FHIR_ODS, "odt-api/organisation-data-terminology-api.yaml"), "utf8");

/** An XML example embedded in the ODT OpenAPI YAML (a `|` block), by its first line. */
function odtXmlExample(firstLine: RegExp, closing: string): Record<string, unknown> {
  const start = ODT_SPEC.search(firstLine);
  const end = ODT_SPEC.indexOf(closing, start) + closing.length;
  return fhirXmlToJson(ODT_SPEC.slice(start, end));
}

function igExample(name: string): Record<string, unknown> {
  return fhirXmlToJson(readFileSync(join(IG_EXAMPLES, name), "utf8"));
}

/** The example with the example-only id replaced by the real one (IG examples carry no meta). */
function asServed(example: Record<string, unknown>, id: string): Record<string, unknown> {
  return { ...example, id };
}

function withoutMeta<T extends { meta?: unknown }>(resource: T): Omit<T, "meta"> {
  const { meta: _meta, ...rest } = resource;
  return rest;
}

function compareFieldByField(actual: Record<string, unknown>, expected: Record<string, unknown>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const key of Object.keys(expected)) {
    expect({ [key]: actual[key] }).toEqual({ [key]: expected[key] });
  }
}

describe("Organization golden tests against NHS England's examples", () => {
  const cases = [
    ["G81086 GP practice, two roles, UPRN, phone", G81086, "ODS-Organization-G81086-Example.xml"],
    [
      "FCE71 closed pharmacy (single items as objects, ids as strings)",
      FCE71,
      "ODS-Organization-FCE71-Example.xml",
    ],
    ["4VE03 refOnly skeleton", V4VE03, "ODS-Organization-4VE03-Example.xml"],
    [
      "Q72 region: legal end differs from open operational dates, active",
      Q72,
      "ODS-Organization-Q72-Example.xml",
    ],
    ["FDC49 non-NHS organisation", FDC49, "ODS-Organization-FDC49-Example.xml"],
  ] as const;

  for (const [name, input, file] of cases) {
    test(name, () => {
      const org = parseOrdOrganisation(input);
      const resource = toFhirOrganization(org);
      expect(resource.meta).toEqual({
        profile: [ODS_FHIR.profileOrganization, ODS_FHIR.profileUkCoreOrganization],
      });
      compareFieldByField(withoutMeta(resource), asServed(igExample(file), org.code));
      expect(validationErrors(resource)).toEqual([]);
    });
  }

  test("RR8 NHS trust equals the ODT API read example (incl. meta.profile, url telecom)", () => {
    const expected = odtXmlExample(
      /<Organization xmlns="http:\/\/hl7.org\/fhir">\s*<id value="RR8"\/>/,
      "</Organization>",
    );
    const resource = toFhirOrganization(parseOrdOrganisation(RR8));
    const { meta, ...rest } = expected as { meta: { profile: string[] } };
    expect(resource.meta).toEqual({ profile: meta.profile });
    compareFieldByField(withoutMeta(resource), rest);
    expect(validationErrors(resource)).toEqual([]);
  });

  test("key order follows the ODT API (resourceType, id, meta, extension, identifier, active, type, name, telecom, address)", () => {
    const resource = toFhirOrganization(parseOrdOrganisation(RR8));
    expect(Object.keys(resource)).toEqual([
      "resourceType",
      "id",
      "meta",
      "extension",
      "identifier",
      "active",
      "type",
      "name",
      "telecom",
      "address",
    ]);
  });
});

describe("OrganizationAffiliation golden tests", () => {
  test("256248: G81086 IS COMMISSIONED BY 4VE03 (inactive)", () => {
    const org = parseOrdOrganisation(G81086);
    const resource = toFhirAffiliation(org, org.relationships[0]!);
    const expected = igExample("ODS-OrganizationAffiliation-256248-Example.xml") as any;
    expected.id = "256248";
    expected.organization.reference = "Organization/G81086";
    expected.participatingOrganization.reference = "Organization/4VE03";
    compareFieldByField(withoutMeta(resource), expected);
    expect(validationErrors(resource)).toEqual([]);
  });

  test("383689: FDC49 IS LOCATED IN THE GEOGRAPHY OF Q72", () => {
    const org = parseOrdOrganisation(FDC49);
    const resource = toFhirAffiliation(org, org.relationships[0]!);
    const expected = igExample("ODS-OrganizationAffiliation-383689-Example.xml") as any;
    expected.id = "383689";
    expected.organization.reference = "Organization/FDC49";
    expected.participatingOrganization.reference = "Organization/Q72";
    compareFieldByField(withoutMeta(resource), expected);
  });

  test("617400: G81086 IS PARTNER TO U36842 equals the ODT API read example, meta.profile included", () => {
    const org = parseOrdOrganisation(G81086);
    const resource = toFhirAffiliation(org, org.relationships[1]!);
    const expected = odtXmlExample(
      /<OrganizationAffiliation xmlns="http:\/\/hl7.org\/fhir">\s*<id value="617400"\/>/,
      "</OrganizationAffiliation>",
    );
    const { meta, ...rest } = expected as { meta: { profile: string[] } };
    expect(resource.meta).toEqual({ profile: meta.profile });
    compareFieldByField(withoutMeta(resource), rest);
    expect(validationErrors(resource)).toEqual([]);
  });

  test("364347 (IG JSON example): equal except the identifier, which the IG's JSON omits and the ODT API serves", () => {
    const org = parseOrdOrganisation(E8J091);
    const resource = toFhirAffiliation(org, org.relationships[0]!);
    const expected = JSON.parse(
      readFileSync(join(IG_EXAMPLES, "ODS-OrganizationAffiliation-364347-Example.json"), "utf8"),
    );
    const { identifier, ...rest } = resource;
    expect(identifier).toEqual([{ system: ODS_FHIR.csRelationshipInstance, value: "364347" }]);
    compareFieldByField(rest, expected);
    expect(JSON.stringify(rest)).toBe(JSON.stringify(expected)); // same key order too
  });
});
