/**
 * {@link OdsOrganisation} → FHIR R4 `Organization` in NHS England's `England-Organization-ODS` shape, element
 * for element as the Organisation Data Terminology (ODT) API serves it (the RR8 example in the ODT OpenAPI
 * spec and the England IG examples G81086, FCE71, 4VE03, Q72, FDC49). Every decision is listed, with its
 * source, in this package's README ("FHIR mapping").
 */
import { defaultCodeCatalogue, type OdsCodeCatalogue } from "./code-catalogue.js";
import { ODS_FHIR } from "./fhir-urls.js";
import type {
  OdsAddress,
  OdsContact,
  OdsOrganisation,
  OdsPeriod,
  OdsRelationship,
  OdsRole,
} from "./model.js";
import type { OdsWarningListener } from "./warnings.js";

/**
 * Relationships that make the target the organisation's parent (`partOf`), highest priority first:
 * RE6 IS OPERATED BY (a site and the organisation running it), RE2 IS A SUB-DIVISION OF, RE3 IS DIRECTED BY.
 * RE4 (commissioning), RE5 (geography), RE8 (partnership) and RE10 (payee) are not parenthood.
 */
export const DEFAULT_PART_OF_RELATIONSHIPS: readonly string[] = ["RE6", "RE2", "RE3"];

/** Options of the FHIR mapping. */
export interface OdsFhirOptions {
  /** Display names of role/relationship/record-class codes (default: {@link defaultCodeCatalogue}). */
  readonly catalogue?: OdsCodeCatalogue;
  /**
   * Relationship ids that define `partOf` (first active match by priority), or `false` for no `partOf`
   * (the ODT API itself never sets it). Default {@link DEFAULT_PART_OF_RELATIONSHIPS}.
   */
  readonly partOf?: readonly string[] | false;
  /**
   * Also emit the organisation-level `Date` entries as top-level `Extension-England-TypedPeriod`s (the profile
   * allows 0..*). Default false: the ODT API and every NHS example carry dates only inside the roles.
   */
  readonly organisationPeriods?: boolean;
  /** Receives warnings for codes the catalogue does not know. */
  readonly onWarning?: OdsWarningListener;
}

/** `tel`→phone, `http`→url, `fax`, `email`; anything else `other` (a switch: contact types are parsed strings). */
function telecomSystem(type: string): fhir4.ContactPoint["system"] {
  switch (type) {
    case "tel":
      return "phone";
    case "http":
      return "url";
    case "fax":
      return "fax";
    case "email":
      return "email";
    default:
      return "other";
  }
}

/** Deep-freezes a constant part of the output (shared by every resource; see README "Performance"). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function coding(system: string, code: string, display: string | undefined): fhir4.Coding {
  return display === undefined ? { system, code } : { system, code, display };
}

// Constant parts of the output, built once and frozen: most of an ODS resource is fixed codings, and sharing
// them halves the allocations of the mapping (the mirror serialises the result at once).
const DATE_TYPE = deepFreeze({
  Legal: { url: "dateType", valueCoding: coding(ODS_FHIR.csPeriodType, "Legal", "Legal") },
  Operational: { url: "dateType", valueCoding: coding(ODS_FHIR.csPeriodType, "Operational", "Operational") },
}) as Readonly<Record<"Legal" | "Operational", fhir4.Extension>>;
const ACTIVE = deepFreeze({ url: "active", valueBoolean: true }) as fhir4.Extension;
const INACTIVE = deepFreeze({ url: "active", valueBoolean: false }) as fhir4.Extension;
const LAST_CHANGE_TYPE = deepFreeze({
  url: "type",
  valueCoding: coding(ODS_FHIR.csOdsDateTime, "LastChangeDate", "Last Change Date"),
}) as fhir4.Extension;
const UPRN_TYPE = deepFreeze({
  url: "type",
  valueCodeableConcept: {
    coding: [coding(ODS_FHIR.csAddressKeyType, "UPRN", "Unique Property Reference Number")],
  },
}) as fhir4.Extension;
const USE_TYPE = deepFreeze({
  Full: { coding: [coding(ODS_FHIR.csRecordUseType, "Full", "Full")] },
  RefOnly: { coding: [coding(ODS_FHIR.csRecordUseType, "RefOnly", "RefOnly")] },
}) as Readonly<Record<"Full" | "RefOnly", fhir4.CodeableConcept>>;
const RECORD_CLASS = deepFreeze({
  RC1: { coding: [coding(ODS_FHIR.csRecordClass, "RC1", "HSCOrg")] },
  RC2: { coding: [coding(ODS_FHIR.csRecordClass, "RC2", "HSCSite")] },
}) as Readonly<Record<"RC1" | "RC2", fhir4.CodeableConcept>>;

const roleCodeCache = new WeakMap<OdsCodeCatalogue, Map<string, fhir4.Extension>>();
let lastRoleCatalogue: OdsCodeCatalogue | undefined;
let lastRoleCache = new Map<string, fhir4.Extension>();

/** The frozen `roleCode` sub-extension of a role id (cached per catalogue). */
function roleCodeExtension(id: string, catalogue: OdsCodeCatalogue): fhir4.Extension {
  let cache = lastRoleCache;
  if (catalogue !== lastRoleCatalogue) {
    cache = roleCodeCache.get(catalogue) ?? new Map<string, fhir4.Extension>();
    roleCodeCache.set(catalogue, cache);
    lastRoleCatalogue = catalogue;
    lastRoleCache = cache;
  }
  let ext = cache.get(id);
  if (ext === undefined) {
    ext = deepFreeze({
      url: "roleCode",
      valueCodeableConcept: { coding: [coding(ODS_FHIR.csRole, id, catalogue.roles.get(id)?.displayName)] },
    });
    if (cache.size < 10_000) cache.set(id, ext);
  }
  return ext;
}

/** `Extension-England-TypedPeriod` for one ODS `Date` entry. */
export function typedPeriodExtension(period: OdsPeriod): fhir4.Extension {
  const valuePeriod: fhir4.Period =
    period.end === undefined ? { start: period.start } : { start: period.start, end: period.end };
  return {
    url: ODS_FHIR.extTypedPeriod,
    extension: [
      period.type === "Legal" ? DATE_TYPE.Legal : DATE_TYPE.Operational,
      { url: "period", valuePeriod },
    ],
  };
}

/** Legal before Operational, as in every NHS example (ORD lists Operational first). */
export function typedPeriodExtensions(
  periods: readonly OdsPeriod[],
  into: fhir4.Extension[] = [],
): fhir4.Extension[] {
  for (const p of periods) {
    if (p.type === "Legal") into.push(typedPeriodExtension(p));
  }
  for (const p of periods) {
    if (p.type === "Operational") into.push(typedPeriodExtension(p));
  }
  return into;
}

function roleExtension(role: OdsRole, catalogue: OdsCodeCatalogue): fhir4.Extension {
  const extension: fhir4.Extension[] = [
    { url: "instanceID", valueInteger: role.uniqueRoleId },
    roleCodeExtension(role.id, catalogue),
  ];
  typedPeriodExtensions(role.periods, extension);
  extension.push(role.status === "Active" ? ACTIVE : INACTIVE);
  return { url: ODS_FHIR.extOrganisationRole, extension };
}

function lastChangeDateExtension(date: string): fhir4.Extension {
  return {
    url: ODS_FHIR.extTypedDateTime,
    extension: [LAST_CHANGE_TYPE, { url: "dateTime", valueDateTime: date }],
  };
}

function address(a: OdsAddress): fhir4.Address | undefined {
  const out: fhir4.Address = {};
  if (a.uprn !== undefined) {
    out.extension = [
      { url: ODS_FHIR.extAddressKey, extension: [UPRN_TYPE, { url: "value", valueString: a.uprn }] },
    ];
  }
  const line: string[] = [];
  if (a.addrLn1 !== undefined) line.push(a.addrLn1);
  if (a.addrLn2 !== undefined) line.push(a.addrLn2);
  if (a.addrLn3 !== undefined) line.push(a.addrLn3);
  if (line.length > 0) out.line = line;
  if (a.town !== undefined) out.city = a.town;
  if (a.county !== undefined) out.district = a.county;
  if (a.postCode !== undefined) out.postalCode = a.postCode;
  if (a.country !== undefined) out.country = a.country;
  return out.extension === undefined &&
    out.line === undefined &&
    out.city === undefined &&
    out.district === undefined &&
    out.postalCode === undefined &&
    out.country === undefined
    ? undefined
    : out;
}

function telecom(contacts: readonly OdsContact[]): fhir4.ContactPoint[] {
  const out: fhir4.ContactPoint[] = [];
  for (const c of contacts) {
    out.push({ system: telecomSystem(c.type), value: c.value });
  }
  return out;
}

/** The active relationship that makes the target this organisation's parent, if any. */
export function parentRelationship(
  org: OdsOrganisation,
  ids: readonly string[] = DEFAULT_PART_OF_RELATIONSHIPS,
): OdsRelationship | undefined {
  const rels = org.relationships;
  if (rels.length === 0) return undefined;
  for (const id of ids) {
    for (const rel of rels) {
      if (rel.id === id && rel.status === "Active") return rel;
    }
  }
  return undefined;
}

/** The identifier system of an organisation: organisation code (RC1) or site code (RC2). */
export function identifierSystem(org: Pick<OdsOrganisation, "recordClass">): string {
  return org.recordClass === "RC2" ? ODS_FHIR.siteCode : ODS_FHIR.organisationCode;
}

/**
 * Maps one organisation to an `England-Organization-ODS` Organization (id = ODS code).
 *
 * @see https://simplifier.net/guide/organisation-data-services (England IG, Data-mapping page)
 * @example
 * const resource = toFhirOrganization(parseOrdOrganisation(json));
 */
export function toFhirOrganization(org: OdsOrganisation, options: OdsFhirOptions = {}): fhir4.Organization {
  const catalogue = options.catalogue ?? defaultCodeCatalogue();
  if (options.onWarning !== undefined) {
    for (const role of org.roles) {
      if (!catalogue.roles.has(role.id)) {
        options.onWarning({
          code: "UNKNOWN_ROLE",
          message: `${org.code}: unknown role ${role.id} mapped without a display`,
          organisation: org.code,
          field: "Roles.Role.id",
          value: role.id,
        });
      }
    }
  }
  const extension: fhir4.Extension[] = [];
  for (const role of org.roles) extension.push(roleExtension(role, catalogue));
  if (options.organisationPeriods === true) typedPeriodExtensions(org.periods, extension);
  extension.push(lastChangeDateExtension(org.lastChangeDate));

  const identifier: fhir4.Identifier = { use: "official", system: identifierSystem(org), value: org.code };
  if (org.orgId.assigningAuthorityName !== undefined) {
    identifier.assigner = { display: org.orgId.assigningAuthorityName };
  }
  const resource: fhir4.Organization = {
    resourceType: "Organization",
    id: org.code,
    meta: { profile: [ODS_FHIR.profileOrganization, ODS_FHIR.profileUkCoreOrganization] },
    extension,
    identifier: [identifier],
    active: org.status === "Active",
    type: [
      org.refOnly ? USE_TYPE.RefOnly : USE_TYPE.Full,
      org.recordClass === "RC2" ? RECORD_CLASS.RC2 : RECORD_CLASS.RC1,
    ],
    name: org.name,
  };
  if (org.contacts.length > 0) resource.telecom = telecom(org.contacts);
  const addr = org.address === undefined ? undefined : address(org.address);
  if (addr !== undefined) resource.address = [addr];
  if (options.partOf !== false) {
    const parent = parentRelationship(org, options.partOf);
    if (parent !== undefined) {
      const code = parent.target.orgId.code;
      resource.partOf = {
        reference: `Organization/${code}`,
        identifier: { system: ODS_FHIR.organisationCode, value: code },
      };
    }
  }
  return resource;
}
