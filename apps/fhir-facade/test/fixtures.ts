import { readFileSync } from "node:fs";

import { fixturePath } from "@fhir-facade/testkit";
import { Fhir } from "fhir";

import { MemoryOdsRepository } from "../src/fhir/memory-repository.js";

const ROLE = "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole";
const EXT_ROLE = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole";
const EXT_DATE = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-TypedDateTime";

/** The NHS England IG example G81086 (a GP practice), converted from its published XML with FHIR.js. */
export function g81086(): fhir4.Organization {
  const xml = readFileSync(fixturePath("fhir-ods/ig-examples/ODS-Organization-G81086-Example.xml"), "utf8");
  const org = new Fhir().xmlToObj(xml) as fhir4.Organization;
  return { ...org, id: "G81086" };
}

/** Options of {@link org}. */
export interface OrgSpec {
  readonly id: string;
  readonly name: string;
  readonly active?: boolean;
  readonly roles?: readonly (readonly [string, boolean])[];
  readonly city?: string;
  readonly postcode?: string;
  readonly lastChange?: string;
  readonly partOf?: string;
  readonly alias?: string[];
  readonly recordClass?: "RC1" | "RC2";
}

/** An England-Organization-ODS shaped Organization. */
export function org(spec: OrgSpec): fhir4.Organization {
  const extension: fhir4.Extension[] = (spec.roles ?? []).map(([code, active]) => ({
    url: EXT_ROLE,
    extension: [
      {
        url: "roleCode",
        valueCodeableConcept: { coding: [{ system: ROLE, code, display: `ROLE ${code}` }] },
      },
      { url: "active", valueBoolean: active },
    ],
  }));
  if (spec.lastChange !== undefined) {
    extension.push({
      url: EXT_DATE,
      extension: [
        {
          url: "type",
          valueCoding: {
            system: "https://fhir.nhs.uk/England/CodeSystem/England-ODSDateTime",
            code: "LastChangeDate",
          },
        },
        { url: "dateTime", valueDateTime: spec.lastChange },
      ],
    });
  }
  const out: fhir4.Organization = {
    resourceType: "Organization",
    id: spec.id,
    meta: { versionId: "1", lastUpdated: `${spec.lastChange ?? "2020-01-01"}T00:00:00Z` },
    identifier: [{ use: "official", system: "https://fhir.nhs.uk/Id/ods-organization-code", value: spec.id }],
    active: spec.active ?? true,
    type: [
      {
        coding: [
          {
            system: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRecordClass",
            code: spec.recordClass ?? "RC1",
          },
        ],
      },
    ],
    name: spec.name,
    telecom: [{ system: "phone", value: "0113 243 3144" }],
    address: [
      {
        line: ["1 GREAT GEORGE STREET"],
        city: spec.city ?? "LEEDS",
        postalCode: spec.postcode ?? "LS1 3EX",
        country: "ENGLAND",
      },
    ],
  };
  if (extension.length > 0) {
    out.extension = extension;
  }
  if (spec.partOf !== undefined) {
    out.partOf = { reference: `Organization/${spec.partOf}` };
  }
  if (spec.alias !== undefined) {
    out.alias = spec.alias;
  }
  return out;
}

/** A small ODS world: a trust with sites, GP practices, a closed one, a removed one, affiliations, succession. */
export function fixtureRepository(): MemoryOdsRepository {
  const repo = new MemoryOdsRepository({ now: () => Date.parse("2026-11-21T12:00:00Z") });
  repo.put(g81086());
  repo.put(
    org({
      id: "RR8",
      name: "LEEDS TEACHING HOSPITALS NHS TRUST",
      roles: [
        ["RO197", true],
        ["RO57", false],
      ],
      postcode: "LS9 7TF",
      lastChange: "2024-02-06",
      alias: ["LTHT"],
    }),
  );
  repo.put(
    org({
      id: "RR801",
      name: "ST JAMES'S UNIVERSITY HOSPITAL",
      roles: [["RO198", true]],
      postcode: "LS9 7TF",
      lastChange: "2024-02-05",
      partOf: "RR8",
      recordClass: "RC2",
    }),
  );
  repo.put(
    org({
      id: "RR813",
      name: "LEEDS GENERAL INFIRMARY",
      roles: [["RO198", true]],
      postcode: "LS1 3EX",
      lastChange: "2024-02-07",
      partOf: "RR8",
      recordClass: "RC2",
    }),
  );
  repo.put(
    org({
      id: "RR8130",
      name: "LGI WARD BLOCK",
      roles: [["RO198", true]],
      postcode: "LS1 3EX",
      lastChange: "2023-12-31",
      partOf: "RR813",
      recordClass: "RC2",
    }),
  );
  repo.put(
    org({
      id: "B86001",
      name: "Café Médical Leeds",
      roles: [
        ["RO76", true],
        ["RO80", true],
      ],
      postcode: "LS10 1AA",
      lastChange: "2022-06-01",
    }),
  );
  repo.put(
    org({
      id: "R1G",
      name: "ROBERTS HEALTH TRUST",
      active: false,
      roles: [["RO197", false]],
      city: "BRADFORD",
      postcode: "BD9 6RJ",
      lastChange: "2019-03-31",
    }),
  );
  for (let i = 0; i < 45; i++) {
    const n = String(i).padStart(2, "0");
    repo.put(
      org({
        id: `Y900${n}`,
        name: `PHARMACY ${n} WAKEFIELD`,
        roles: [["RO182", i % 3 !== 0]],
        city: "WAKEFIELD",
        postcode: `WF1 ${n}A`,
        lastChange: `2021-01-${String((i % 28) + 1).padStart(2, "0")}`,
      }),
    );
  }
  repo.delete("Organization", "X26", "2024-01-01");
  repo.put({
    resourceType: "OrganizationAffiliation",
    id: "256248",
    meta: { versionId: "1", lastUpdated: "2024-02-06T00:00:00Z" },
    active: true,
    period: { start: "2013-04-01" },
    organization: {
      reference: "Organization/G81086",
      identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "G81086" },
    },
    participatingOrganization: {
      reference: "Organization/RR8",
      identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "RR8" },
    },
    code: [
      {
        coding: [
          {
            system: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRelationship",
            code: "RE4",
          },
        ],
      },
    ],
  });
  repo.put({
    resourceType: "OrganizationAffiliation",
    id: "383689",
    meta: { versionId: "2", lastUpdated: "2020-01-01T00:00:00Z" },
    active: false,
    period: { start: "2010-01-01", end: "2019-12-31" },
    organization: { reference: "Organization/B86001" },
    participatingOrganization: { reference: "Organization/RR8" },
    code: [
      {
        coding: [
          {
            system: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRelationship",
            code: "RE5",
          },
        ],
      },
    ],
  });
  repo.setSuccession("RR8", [{ type: "Predecessor", code: "R1G", date: "2019-04-01" }]);
  repo.setSuccession("R1G", [{ type: "Successor", code: "RR8", date: "2019-04-01" }]);
  return repo;
}
