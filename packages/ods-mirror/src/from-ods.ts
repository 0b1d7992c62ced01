import {
  type OdsFhirOptions,
  type OdsOrganisation,
  type OdsPeriod,
  parentRelationship,
  toFhirAffiliation,
  toFhirOrganization,
} from "@fhir-facade/ods-core";
import type { MirrorRecord } from "./record.js";

const encoder = new TextEncoder();

function mainPeriod(periods: readonly OdsPeriod[]): OdsPeriod | undefined {
  return periods.find((p) => p.type === "Operational") ?? periods[0];
}

/**
 * Builds the store's input from ods-core's model: the FHIR Organization and one OrganizationAffiliation per
 * relationship are mapped and serialised here, once, so that reads never touch JSON again.
 *
 * `parent` follows the same rule as the mapping's `partOf` (ods-core `parentRelationship`), so that a `partof`
 * search and the served resource agree.
 */
export function recordFromOds(org: OdsOrganisation, options: OdsFhirOptions = {}): MirrorRecord {
  const a = org.address;
  const parent = options.partOf === false ? undefined : parentRelationship(org, options.partOf);
  const lines = a === undefined ? [] : [a.addrLn1, a.addrLn2, a.addrLn3].filter((l) => l !== undefined);
  return {
    code: org.code,
    json: encoder.encode(JSON.stringify(toFhirOrganization(org, options))),
    name: org.name,
    ...(a === undefined
      ? {}
      : {
          address: {
            lines,
            ...(a.town === undefined ? {} : { city: a.town }),
            ...(a.county === undefined ? {} : { district: a.county }),
            ...(a.country === undefined ? {} : { country: a.country }),
            ...(a.postCode === undefined ? {} : { postalCode: a.postCode }),
          },
        }),
    roles: org.roles.map((r) => ({ id: r.id, primary: r.primary, active: r.status === "Active" })),
    active: org.status === "Active",
    recordClass: org.recordClass,
    refOnly: org.refOnly,
    lastChangeDate: org.lastChangeDate,
    ...(parent === undefined ? {} : { parent: parent.target.orgId.code }),
    relationships: org.relationships.map((rel) => {
      const period = mainPeriod(rel.periods);
      return {
        id: String(rel.uniqueRelId),
        type: rel.id,
        target: rel.target.orgId.code,
        active: rel.status === "Active",
        ...(period === undefined ? {} : { start: period.start }),
        ...(period?.end === undefined ? {} : { end: period.end }),
        json: encoder.encode(JSON.stringify(toFhirAffiliation(org, rel, options))),
      };
    }),
    successions: org.successions.map((s) => {
      const date = s.periods[0]?.start;
      return { type: s.type, target: s.target.orgId.code, ...(date === undefined ? {} : { date }) };
    }),
  };
}
