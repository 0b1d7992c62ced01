/**
 * Successions and the ODT API's `CodeSystem/$lookup` view of an organisation. NHS England does not put
 * successors/predecessors in the Organization resource; the ODT API serves them (with the related entities,
 * the org-level dates, the UPRN…) as properties of the `https://fhir.nhs.uk/Id/ods-organization-code`
 * CodeSystem (`/CodeSystem/$lookup?system=…&code=G81086&property=*`, ODT OpenAPI spec).
 */
import { defaultCodeCatalogue, type OdsCodeCatalogue } from "./code-catalogue.js";
import { ODS_FHIR } from "./fhir-urls.js";
import type { OdsOrganisation, OdsSuccessionType } from "./model.js";

/** One succession edge, deduplicated. */
export interface OdsSuccessionLink {
  readonly type: OdsSuccessionType;
  /** The other organisation's ODS code. */
  readonly code: string;
  /** The succession (legal) date, when published. */
  readonly date?: string;
  readonly primaryRoleId?: string;
  readonly uniqueSuccId?: number;
}

/**
 * The organisation's predecessors and successors, one per (type, code, date): ODS records a succession from
 * both ends with different `uniqueSuccId`s and occasionally twice on one end (upstream-ods.md §1.4).
 */
export function successionLinks(org: OdsOrganisation): OdsSuccessionLink[] {
  const seen = new Set<string>();
  const out: OdsSuccessionLink[] = [];
  for (const s of org.successions) {
    const date = (s.periods.find((p) => p.type === "Legal") ?? s.periods[0])?.start;
    const key = `${s.type}|${s.target.orgId.code}|${date ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      type: s.type,
      code: s.target.orgId.code,
      ...(date === undefined ? {} : { date }),
      ...(s.target.primaryRoleId === undefined ? {} : { primaryRoleId: s.target.primaryRoleId }),
      ...(s.uniqueSuccId === undefined ? {} : { uniqueSuccId: s.uniqueSuccId }),
    });
  }
  return out;
}

/** A `$lookup` output property (R4 `Parameters.parameter` named `property`). */
export type OdsLookupValue =
  | { readonly valueCode: string }
  | { readonly valueString: string }
  | { readonly valueBoolean: boolean }
  | { readonly valueDateTime: string }
  | { readonly valueCoding: fhir4.Coding };

export interface OdsLookupProperty {
  readonly code: string;
  readonly value: OdsLookupValue;
  readonly subproperty?: readonly { readonly code: string; readonly value: OdsLookupValue }[];
}

/** Options of {@link lookupProperties}. */
export interface OdsLookupOptions {
  readonly catalogue?: OdsCodeCatalogue;
  /** Whether an organisation has a successor itself (drives `onwardSuccession`); omitted when not given. */
  readonly hasSuccessor?: (code: string) => boolean;
  /** `version` of the CodeSystem (the ODT API uses the data date, e.g. `2024-03-07`). */
  readonly version?: string;
}

/**
 * The properties the ODT API returns for an ODS code, with the same property codes where the ODT example
 * shows them (status, inactive, name, address1-3, town, postcode, country, uprn, telephone, opStartDate,
 * opEndDate, legStartDate, legEndDate, lastChangeDate, orgRecordClass, refOnly, assigningAuth, role,
 * primaryRole, and one property per current related entity named after the relationship, e.g. RE4).
 * Successions use `predecessor` / `successor` (valueCode = the other ODS code, subproperty `date`) and
 * `onwardSuccession`: the ODT spec names these data but shows no example, so these codes are ours.
 */
export function lookupProperties(org: OdsOrganisation, options: OdsLookupOptions = {}): OdsLookupProperty[] {
  const catalogue = options.catalogue ?? defaultCodeCatalogue();
  const out: OdsLookupProperty[] = [];
  const str = (code: string, value: string | undefined): void => {
    if (value !== undefined) out.push({ code, value: { valueString: value } });
  };
  const dt = (code: string, value: string | undefined): void => {
    if (value !== undefined) out.push({ code, value: { valueDateTime: value } });
  };
  out.push({ code: "status", value: { valueCode: org.status === "Active" ? "active" : "inactive" } });
  out.push({ code: "inactive", value: { valueBoolean: org.status !== "Active" } });
  str("name", org.name);
  str("address1", org.address?.addrLn1);
  str("address2", org.address?.addrLn2);
  str("address3", org.address?.addrLn3);
  str("town", org.address?.town);
  str("postcode", org.address?.postCode);
  str("country", org.address?.country);
  str("uprn", org.address?.uprn);
  str("telephone", org.contacts.find((c) => c.type === "tel")?.value);
  const operational = org.periods.find((p) => p.type === "Operational");
  const legal = org.periods.find((p) => p.type === "Legal");
  dt("opStartDate", operational?.start);
  dt("opEndDate", operational?.end);
  dt("legStartDate", legal?.start);
  dt("legEndDate", legal?.end);
  dt("lastChangeDate", org.lastChangeDate);
  out.push({
    code: "orgRecordClass",
    value: { valueCoding: { system: ODS_FHIR.csRecordClass, code: org.recordClass } },
  });
  out.push({ code: "refOnly", value: { valueBoolean: org.refOnly } });
  str("assigningAuth", org.orgId.assigningAuthorityName);
  for (const role of org.roles) {
    if (role.status !== "Active") continue;
    const display = catalogue.roles.get(role.id)?.displayName;
    const valueCoding: fhir4.Coding =
      display === undefined
        ? { system: ODS_FHIR.csRole, code: role.id }
        : { system: ODS_FHIR.csRole, code: role.id, display };
    out.push({ code: "role", value: { valueCoding } });
    if (role.primary) out.push({ code: "primaryRole", value: { valueCoding } });
  }
  for (const rel of org.relationships) {
    if (rel.status === "Active") out.push({ code: rel.id, value: { valueCode: rel.target.orgId.code } });
  }
  let onward = false;
  for (const link of successionLinks(org)) {
    out.push({
      code: link.type === "Successor" ? "successor" : "predecessor",
      value: { valueCode: link.code },
      ...(link.date === undefined
        ? {}
        : { subproperty: [{ code: "date", value: { valueDateTime: link.date } }] }),
    });
    if (link.type === "Successor" && options.hasSuccessor?.(link.code) === true) onward = true;
  }
  if (options.hasSuccessor !== undefined && org.successions.some((s) => s.type === "Successor")) {
    out.push({ code: "onwardSuccession", value: { valueBoolean: onward } });
  }
  return out;
}

/**
 * The `$lookup` response (R4 `Parameters`) for an organisation's code in the `ods-organization-code`
 * CodeSystem, shaped like the ODT API's (code, display, name, system, version, designation, property*).
 */
export function toLookupParameters(org: OdsOrganisation, options: OdsLookupOptions = {}): fhir4.Parameters {
  const parameter: fhir4.ParametersParameter[] = [
    { name: "code", valueCode: org.code },
    { name: "display", valueString: org.name },
    { name: "name", valueString: "ODS Organisation" },
    { name: "system", valueUri: ODS_FHIR.organisationCode },
  ];
  if (options.version !== undefined) parameter.push({ name: "version", valueString: options.version });
  parameter.push({
    name: "designation",
    part: [
      {
        name: "use",
        valueCoding: { system: "http://terminology.hl7.org/CodeSystem/designation-usage", code: "display" },
      },
      { name: "value", valueString: org.name },
    ],
  });
  for (const p of lookupProperties(org, options)) {
    const part: fhir4.ParametersParameter[] = [
      { name: "code", valueCode: p.code },
      { name: "value", ...p.value },
    ];
    for (const sub of p.subproperty ?? []) {
      part.push({
        name: "subproperty",
        part: [
          { name: "code", valueCode: sub.code },
          { name: "value", ...sub.value },
        ],
      });
    }
    parameter.push({ name: "property", part });
  }
  return { resourceType: "Parameters", parameter };
}
