/* eslint-disable @typescript-eslint/no-explicit-any -- these tests mutate arbitrary ORD JSON / FHIR example objects */
import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { ordRecords } from "../test/fixtures.js";
import { defaultCodeCatalogue } from "./code-catalogue.js";
import { OdsError } from "./errors.js";
import { parseOrdOrganisation } from "./ord-json.js";
import type { OdsWarning } from "./warnings.js";

const records = ordRecords();

function clone<T>(value: T): T {
  return structuredClone(value);
}

function errorOf(body: unknown): OdsError {
  try {
    parseOrdOrganisation(body);
  } catch (error) {
    if (error instanceof OdsError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("parseOrdOrganisation on the real ORD records", () => {
  test("RA9: every field of the richest record", () => {
    const org = parseOrdOrganisation(records.get("RA9"));
    expect(org).toMatchObject({
      code: "RA9",
      orgId: { code: "RA9", root: "2.16.840.1.113883.2.1.3.2.4.18.48", assigningAuthorityName: "HSCIC" },
      name: "TORBAY AND SOUTH DEVON NHS FOUNDATION TRUST",
      status: "Active",
      recordClass: "RC1",
      refOnly: false,
      lastChangeDate: "2023-11-14",
      periods: [{ type: "Operational", start: "1991-04-01" }],
      address: {
        addrLn1: "TORBAY HOSPITAL",
        addrLn2: "NEWTON ROAD",
        town: "TORQUAY",
        postCode: "TQ2 7AA",
        country: "ENGLAND",
        uprn: "10000009565",
      },
      contacts: [
        { type: "tel", value: "01803 614567" },
        { type: "http", value: "HTTP://WWW.TORBAYANDSOUTHDEVON.NHS.UK" },
      ],
    });
    expect(org.roles).toEqual([
      {
        id: "RO197",
        uniqueRoleId: 103935,
        primary: true,
        status: "Active",
        periods: [{ type: "Operational", start: "1991-04-01" }],
      },
      {
        id: "RO57",
        uniqueRoleId: 154694,
        primary: false,
        status: "Active",
        periods: [{ type: "Operational", start: "2007-03-01" }],
      },
      {
        id: "RO7",
        uniqueRoleId: 154695,
        primary: false,
        status: "Inactive",
        periods: [{ type: "Operational", start: "1991-04-01", end: "2003-03-31" }],
      },
    ]);
    expect(org.relationships).toHaveLength(10);
    expect(org.relationships[4]).toEqual({
      id: "RE5",
      uniqueRelId: 74252,
      status: "Inactive",
      periods: [
        { type: "Operational", start: "2006-07-01", end: "2014-08-31" },
        { type: "Legal", start: "2006-07-01", end: "2013-03-31" },
      ],
      target: {
        orgId: { code: "Q39", root: "2.16.840.1.113883.2.1.3.2.4.18.48", assigningAuthorityName: "HSCIC" },
        primaryRoleId: "RO132",
        primaryRoleUniqueId: 107231,
      },
    });
    expect(org.successions).toEqual([
      {
        uniqueSuccId: 37320,
        type: "Predecessor",
        periods: [{ type: "Legal", start: "2015-10-01" }],
        target: {
          orgId: { code: "R1G", root: "2.16.840.1.113883.2.1.3.2.4.18.48", assigningAuthorityName: "HSCIC" },
          primaryRoleId: "RO197",
          primaryRoleUniqueId: 79066,
        },
      },
    ]);
  });

  test("refOnly skeletons omit Contacts/Rels/Succs and parse to empty lists", () => {
    for (const code of ["RJY", "RCZ", "RHC", "RP2", "RRQ", "FBL"]) {
      const org = parseOrdOrganisation(records.get(code));
      expect(org.refOnly).toBe(true);
      expect(org.status).toBe("Inactive");
      expect([org.contacts, org.relationships, org.successions]).toEqual([[], [], []]);
    }
  });

  test("Status follows operational dates: RRP is Active although legally ended", () => {
    const org = parseOrdOrganisation(records.get("RRP"));
    expect(org.status).toBe("Active");
    expect(org.periods.find((p) => p.type === "Legal")?.end).toBe("2024-10-31");
  });

  test("every real record parses, with no warnings against the default catalogue", () => {
    const warnings: OdsWarning[] = [];
    for (const body of records.values()) {
      parseOrdOrganisation(body, { catalogue: defaultCodeCatalogue(), onWarning: (w) => warnings.push(w) });
    }
    expect(records.size).toBe(12);
    expect(warnings).toEqual([]);
  });

  test("accepts the inner object as well as {Organisation: …}", () => {
    const body = records.get("RJY") as { Organisation: unknown };
    expect(parseOrdOrganisation(body.Organisation)).toEqual(parseOrdOrganisation(body));
  });
});

describe("parseOrdOrganisation tolerates the documented quirks", () => {
  test('single items as objects, ids as strings, primaryRole as "true", UPRN as a string', () => {
    const body = clone(records.get("RA9")) as any;
    const o = body.Organisation;
    o.Roles.Role = { ...o.Roles.Role[0], uniqueRoleId: "103935", primaryRole: "true" };
    o.Contacts.Contact = o.Contacts.Contact[0];
    o.Rels.Rel = { ...o.Rels.Rel[0], uniqueRelId: "46413" };
    o.Rels.Rel.Target.PrimaryRoleId.uniqueRoleId = "17633";
    o.Succs.Succ = o.Succs.Succ[0];
    o.Date = o.Date[0];
    o.GeoLoc.Location.UPRN = "10000009565";
    const org = parseOrdOrganisation(body);
    expect(org.roles).toEqual([
      expect.objectContaining({ id: "RO197", uniqueRoleId: 103935, primary: true }),
    ]);
    expect(org.contacts).toHaveLength(1);
    expect(org.relationships[0]).toMatchObject({
      uniqueRelId: 46413,
      target: { primaryRoleUniqueId: 17633 },
    });
    expect(org.successions).toHaveLength(1);
    expect(org.periods).toEqual([{ type: "Operational", start: "1991-04-01" }]);
    expect(org.address?.uprn).toBe("10000009565");
  });

  test("a summary-style OrgId (plain string) and OrgRecordClass casing are accepted", () => {
    const body = clone(records.get("RJY")) as any;
    body.Organisation.OrgId = "RJY";
    body.Organisation.OrgRecordClass = body.Organisation.orgRecordClass;
    delete body.Organisation.orgRecordClass;
    expect(parseOrdOrganisation(body)).toMatchObject({
      code: "RJY",
      recordClass: "RC1",
      orgId: { code: "RJY" },
    });
  });

  test("unknown role and relationship codes are warnings, not errors", () => {
    const body = clone(records.get("RA9")) as any;
    body.Organisation.Roles.Role[1].id = "RO99999";
    body.Organisation.Rels.Rel[0].id = "RE99";
    body.Organisation.Contacts.Contact[0].type = "pigeon";
    const warnings: OdsWarning[] = [];
    const org = parseOrdOrganisation(body, {
      catalogue: defaultCodeCatalogue(),
      onWarning: (w) => warnings.push(w),
    });
    expect(org.roles[1]?.id).toBe("RO99999");
    expect(warnings.map((w) => [w.code, w.organisation, w.field, w.value])).toEqual([
      ["UNKNOWN_CONTACT_TYPE", "RA9", "Contacts.Contact[0].type", "pigeon"],
      ["UNKNOWN_ROLE", "RA9", "Roles.Role[1].id", "RO99999"],
      ["UNKNOWN_RELATIONSHIP", "RA9", "Rels.Rel[0].id", "RE99"],
    ]);
  });

  test("an unknown Date Type is dropped with a warning", () => {
    const body = clone(records.get("RJY")) as any;
    body.Organisation.Date.push({ Type: "Contractual", Start: "2000-01-01" });
    const warnings: OdsWarning[] = [];
    const org = parseOrdOrganisation(body, { onWarning: (w) => warnings.push(w) });
    expect(org.periods).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      code: "UNKNOWN_DATE_TYPE",
      field: "Date[1].Type",
      value: "Contractual",
    });
  });
});

describe("parseOrdOrganisation rejects structural faults with the organisation and the field", () => {
  const cases: [string, (o: any) => void, string, string | undefined][] = [
    ["a missing OrgId", (o) => delete o.OrgId, "OrgId", undefined],
    ["an OrgId without extension", (o) => delete o.OrgId.extension, "OrgId.extension", undefined],
    [
      "an OrgId that is not an ODS code",
      (o) => (o.OrgId.extension = "R A9/.."),
      "OrgId.extension",
      undefined,
    ],
    [
      "a LastChangeDate that is not a date",
      (o) => (o.LastChangeDate = "14/11/2023"),
      "LastChangeDate",
      "RA9",
    ],
    ["31 February", (o) => (o.Date[0].Start = "2023-02-31"), "Date[0].Start", "RA9"],
    ["a missing Name", (o) => delete o.Name, "Name", "RA9"],
    ["an unknown record class", (o) => (o.orgRecordClass = "RC7"), "orgRecordClass", "RA9"],
    ["a Status that is neither", (o) => (o.Status = "Closed"), "Status", "RA9"],
    [
      "a uniqueRoleId that is not a number",
      (o) => (o.Roles.Role[2].uniqueRoleId = "12a"),
      "Roles.Role[2].uniqueRoleId",
      "RA9",
    ],
    ["a role without id", (o) => delete o.Roles.Role[0].id, "Roles.Role[0].id", "RA9"],
    ["a rel without Target", (o) => delete o.Rels.Rel[3].Target, "Rels.Rel[3].Target", "RA9"],
    ["a Succ with a bad Type", (o) => (o.Succs.Succ[0].Type = "Sibling"), "Succs.Succ[0].Type", "RA9"],
    ["a Roles section that is a string", (o) => (o.Roles = "none"), "Roles", "RA9"],
    ["a Name that is an object", (o) => (o.Name = { text: "x" }), "Name", "RA9"],
    ["a UPRN with letters", (o) => (o.GeoLoc.Location.UPRN = "12AB"), "GeoLoc.Location.UPRN", "RA9"],
    ["a refOnly that is not a flag", (o) => (o.refOnly = "maybe"), "refOnly", "RA9"],
  ];
  for (const [name, mutate, field, organisation] of cases) {
    test(name, () => {
      const body = clone(records.get("RA9")) as any;
      mutate(body.Organisation);
      const error = errorOf(body);
      expect(error).toMatchObject({ name: "OdsError", code: "ODS_INVALID_RECORD" });
      expect(error.details.field).toBe(field);
      expect(error.details.organisation).toBe(organisation);
      expect(error.message).toContain(field);
      expect(error.message).toContain(organisation ?? "TORBAY AND SOUTH DEVON");
    });
  }

  test("bodies that are not objects", () => {
    for (const body of [null, 42, "RA9", [], { Organisation: [] }]) {
      expect(errorOf(body).code).toBe("ODS_INVALID_RECORD");
    }
  });
});

describe(
  "fuzzing (fast-check): the JSON mapper only returns a result or throws OdsError",
  { timeout: 120_000 },
  () => {
    const jsonValue = fc.jsonValue({ maxDepth: 4 });

    test("arbitrary JSON", () => {
      fc.assert(
        fc.property(jsonValue, (body) => {
          try {
            parseOrdOrganisation(body);
          } catch (error) {
            expect(error).toBeInstanceOf(OdsError);
          }
        }),
        { numRuns: 2000 },
      );
    });

    test("real records with one field replaced by an arbitrary value", () => {
      const bodies = [...records.values()];
      const paths: string[][] = [];
      const walk = (value: unknown, path: string[]): void => {
        paths.push(path);
        if (value !== null && typeof value === "object") {
          for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
        }
      };
      walk(bodies[0], []);
      walk(bodies[4], []);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1 }), fc.nat(), jsonValue, (which, index, replacement) => {
          const body = clone(bodies[which === 0 ? 0 : 4]) as any;
          const path = paths[index % paths.length]!;
          if (path.length === 0) return;
          let parent = body;
          for (const key of path.slice(0, -1)) parent = parent?.[key];
          if (parent === null || typeof parent !== "object") return;
          parent[path.at(-1)!] = replacement;
          try {
            const org = parseOrdOrganisation(body);
            expect(typeof org.code).toBe("string");
          } catch (error) {
            expect(error).toBeInstanceOf(OdsError);
          }
        }),
        { numRuns: 3000 },
      );
    });
  },
);
