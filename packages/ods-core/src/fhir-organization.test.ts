import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { ordRecords } from "../test/fixtures.js";
import { G81086 } from "../test/golden-inputs.js";
import { validationErrors } from "../test/validate.js";
import { defaultCodeCatalogue } from "./code-catalogue.js";
import { toFhirAffiliations } from "./fhir-affiliation.js";
import {
  DEFAULT_PART_OF_RELATIONSHIPS,
  parentRelationship,
  toFhirOrganization,
} from "./fhir-organization.js";
import { ODS_FHIR } from "./fhir-urls.js";
import type { OdsOrganisation } from "./model.js";
import { parseOrdOrganisation } from "./ord-json.js";
import { serialiseOrganisation } from "./serialise.js";
import type { OdsWarning } from "./warnings.js";

const records = ordRecords();
const orgs = [...records.values()].map((r) => parseOrdOrganisation(r));
const ra9 = orgs.find((o) => o.code === "RA9")!;

describe("every real ORD record maps to valid FHIR", { timeout: 120_000 }, () => {
  test.each(orgs.map((o) => [o.code, o] as const))(
    "%s: Organization and affiliations validate (JSON schema + FHIR.js)",
    (_code, org) => {
      const resource = toFhirOrganization(org);
      expect(validationErrors(resource)).toEqual([]);
      expect(resource.id).toBe(org.code);
      expect(resource.active).toBe(org.status === "Active");
      const affiliations = toFhirAffiliations(org);
      expect(affiliations.map((a) => a.id)).toEqual(org.relationships.map((r) => String(r.uniqueRelId)));
      for (const a of affiliations) expect(validationErrors(a)).toEqual([]);
    },
  );

  test("RA9: one OrganisationRole per role with instanceID, Legal/Operational periods and active", () => {
    const resource = toFhirOrganization(ra9);
    const roles = resource.extension!.filter((e) => e.url === ODS_FHIR.extOrganisationRole);
    expect(roles).toHaveLength(3);
    expect(roles[2]).toEqual({
      url: ODS_FHIR.extOrganisationRole,
      extension: [
        { url: "instanceID", valueInteger: 154695 },
        {
          url: "roleCode",
          valueCodeableConcept: { coding: [{ system: ODS_FHIR.csRole, code: "RO7", display: "HOSPICE" }] },
        },
        {
          url: ODS_FHIR.extTypedPeriod,
          extension: [
            {
              url: "dateType",
              valueCoding: { system: ODS_FHIR.csPeriodType, code: "Operational", display: "Operational" },
            },
            { url: "period", valuePeriod: { start: "1991-04-01", end: "2003-03-31" } },
          ],
        },
        { url: "active", valueBoolean: false },
      ],
    });
    expect(resource.telecom).toEqual([
      { system: "phone", value: "01803 614567" },
      { system: "url", value: "HTTP://WWW.TORBAYANDSOUTHDEVON.NHS.UK" },
    ]);
    expect(resource.partOf).toBeUndefined(); // RE5 geography and RE8 partnership are not parenthood
  });

  test("RA9 affiliation 74252: Legal before Operational; period repeats the operational dates", () => {
    const a = toFhirAffiliations(ra9).find((x) => x.id === "74252")!;
    expect(a.extension?.map((e) => e.extension?.[0]?.valueCoding?.code)).toEqual(["Legal", "Operational"]);
    expect(a.period).toEqual({ start: "2006-07-01", end: "2014-08-31" });
    expect(a.participatingOrganization?.identifier?.value).toBe("Q39");
    expect(a.code?.[0]?.coding?.[0]).toEqual({
      system: ODS_FHIR.csRelationship,
      code: "RE5",
      display: "IS LOCATED IN THE GEOGRAPHY OF",
    });
  });
});

describe("mapping decisions", () => {
  function site(rels: OdsOrganisation["relationships"]): OdsOrganisation {
    return { ...ra9, code: "RA901", orgId: { code: "RA901" }, recordClass: "RC2", relationships: rels };
  }
  const rel = (
    id: string,
    status: "Active" | "Inactive",
    code: string,
  ): OdsOrganisation["relationships"][number] => ({
    id,
    uniqueRelId: 1,
    status,
    periods: [],
    target: { orgId: { code } },
  });

  test("an RC2 site uses the ods-site-code identifier and HSCSite record class", () => {
    const resource = toFhirOrganization(site([]));
    expect(resource.identifier).toEqual([{ use: "official", system: ODS_FHIR.siteCode, value: "RA901" }]);
    expect(resource.type?.[1]?.coding?.[0]).toEqual({
      system: ODS_FHIR.csRecordClass,
      code: "RC2",
      display: "HSCSite",
    });
    expect(validationErrors(resource)).toEqual([]);
  });

  test("partOf: first active parent relationship by priority RE6 > RE2 > RE3", () => {
    expect(DEFAULT_PART_OF_RELATIONSHIPS).toEqual(["RE6", "RE2", "RE3"]);
    const org = site([
      rel("RE3", "Active", "X3"),
      rel("RE6", "Inactive", "OLD"),
      rel("RE6", "Active", "RA9"),
      rel("RE4", "Active", "QJK"),
    ]);
    expect(toFhirOrganization(org).partOf).toEqual({
      reference: "Organization/RA9",
      identifier: { system: ODS_FHIR.organisationCode, value: "RA9" },
    });
    expect(parentRelationship(site([rel("RE3", "Active", "X3")]))?.target.orgId.code).toBe("X3");
    expect(toFhirOrganization(org, { partOf: false }).partOf).toBeUndefined();
    expect(toFhirOrganization(org, { partOf: ["RE4"] }).partOf?.identifier?.value).toBe("QJK");
    expect(toFhirOrganization(site([rel("RE6", "Inactive", "OLD")])).partOf).toBeUndefined();
  });

  test("organisationPeriods: org-level Date entries as top-level TypedPeriods (off by default, as ODT)", () => {
    const q = parseOrdOrganisation(records.get("R1G"));
    const urls = (r: fhir4.Organization) => r.extension!.map((e) => e.url);
    expect(urls(toFhirOrganization(q))).not.toContain(ODS_FHIR.extTypedPeriod);
    const withPeriods = toFhirOrganization(q, { organisationPeriods: true });
    const periods = withPeriods.extension!.filter((e) => e.url === ODS_FHIR.extTypedPeriod);
    expect(periods.map((p) => p.extension?.[1]?.valuePeriod)).toEqual([
      { start: "2012-04-01", end: "2015-09-30" }, // Legal first
      { start: "2012-03-20", end: "2020-09-30" }, // then Operational
    ]);
    expect(validationErrors(withPeriods)).toEqual([]);
  });

  test("unknown roles map without a display and warn; fax/email/unknown contacts map to fax/email/other", () => {
    const warnings: OdsWarning[] = [];
    const org: OdsOrganisation = {
      ...ra9,
      roles: [{ id: "RO9999", uniqueRoleId: 5, primary: true, status: "Active", periods: [] }],
      contacts: [
        { type: "fax", value: "01" },
        { type: "email", value: "a@b.nhs.uk" },
        { type: "pager", value: "9" },
      ],
    };
    const resource = toFhirOrganization(org, { onWarning: (w) => warnings.push(w) });
    expect(resource.extension?.[0]?.extension?.[1]?.valueCodeableConcept?.coding).toEqual([
      { system: ODS_FHIR.csRole, code: "RO9999" },
    ]);
    expect(resource.telecom?.map((t) => t.system)).toEqual(["fax", "email", "other"]);
    expect(warnings).toEqual([
      expect.objectContaining({ code: "UNKNOWN_ROLE", organisation: "RA9", value: "RO9999" }),
    ]);
    expect(validationErrors(resource)).toEqual([]);
  });

  test("no address element when GeoLoc is empty; no assigner without assigningAuthorityName", () => {
    const { address: _a, ...rest } = ra9;
    const resource = toFhirOrganization({ ...rest, orgId: { code: "RA9" }, contacts: [] });
    expect(resource.address).toBeUndefined();
    expect(resource.telecom).toBeUndefined();
    expect(resource.identifier?.[0]?.assigner).toBeUndefined();
  });

  test("serialiseOrganisation gives the resources as compact JSON", () => {
    const org = parseOrdOrganisation(G81086);
    const s = serialiseOrganisation(org);
    expect(JSON.parse(s.organization)).toEqual(toFhirOrganization(org));
    expect(s.affiliations.map((a) => a.id)).toEqual(["256248", "617400"]);
    expect(JSON.parse(s.affiliations[1]!.json)).toEqual(toFhirAffiliations(org)[1]);
    expect(s.organization).not.toContain("\n");
  });
});

describe("fuzzing (fast-check): mapping any model the parser accepts gives schema-valid FHIR", () => {
  const date = fc
    .date({ min: new Date("1900-01-01"), max: new Date("2100-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
  const text = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== "");
  const period = fc.record(
    { Type: fc.constantFrom("Operational", "Legal"), Start: date, End: date },
    { requiredKeys: ["Type", "Start"] },
  );
  const target = fc.record({
    OrgId: fc.record({ extension: fc.stringMatching(/^[A-Z0-9]{3,6}$/) }),
    PrimaryRoleId: fc.record({ id: fc.constantFrom("RO197", "RO98"), uniqueRoleId: fc.nat() }),
  });
  const body = fc.record({
    Name: text,
    Date: fc.array(period, { maxLength: 2 }),
    OrgId: fc.record({
      extension: fc.stringMatching(/^[A-Z0-9]{3,8}$/),
      assigningAuthorityName: fc.option(text, { nil: undefined }),
    }),
    Status: fc.constantFrom("Active", "Inactive"),
    LastChangeDate: date,
    orgRecordClass: fc.constantFrom("RC1", "RC2"),
    refOnly: fc.boolean(),
    GeoLoc: fc.record({
      Location: fc.record(
        { AddrLn1: text, Town: text, PostCode: text, UPRN: fc.nat() },
        { requiredKeys: [] },
      ),
    }),
    Contacts: fc.record({
      Contact: fc.array(
        fc.record({ type: fc.constantFrom("tel", "http", "fax", "email", "x"), value: text }),
      ),
    }),
    Roles: fc.record({
      Role: fc.array(
        fc.record({
          id: fc.constantFrom("RO197", "RO57", "RO76", "RO1234"),
          uniqueRoleId: fc.nat(),
          Date: fc.array(period, { maxLength: 2 }),
          Status: fc.constantFrom("Active", "Inactive"),
        }),
        { maxLength: 3 },
      ),
    }),
    Rels: fc.record({
      Rel: fc.array(
        fc.record({
          id: fc.constantFrom("RE2", "RE4", "RE6", "RE99"),
          uniqueRelId: fc.nat(),
          Date: fc.array(period, { maxLength: 2 }),
          Status: fc.constantFrom("Active", "Inactive"),
          Target: target,
        }),
        { maxLength: 3 },
      ),
    }),
  });

  test("Organization and affiliations validate against the FHIR R4 JSON schema", () => {
    fc.assert(
      fc.property(body, (b) => {
        const org = parseOrdOrganisation(b, {
          catalogue: defaultCodeCatalogue(),
          onWarning: () => undefined,
        });
        expect(validationErrors(toFhirOrganization(org))).toEqual([]);
        for (const a of toFhirAffiliations(org)) expect(validationErrors(a)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
