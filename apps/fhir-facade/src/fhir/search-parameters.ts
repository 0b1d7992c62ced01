/**
 * The search parameters the facade implements, per resource type, with their canonical definitions. The parser,
 * the matcher and the CapabilityStatement all read this one table, so `/metadata` states exactly what works.
 *
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 * @see ../shared/reference/fhir-ods/simplifier-backup/.../searchparameters/ (roleCode, activeRoleCode, lastChangeDate)
 */
export type SearchParamType = "string" | "token" | "reference" | "date" | "uri";

/** One supported search parameter. */
export interface SearchParamDef {
  readonly name: string;
  readonly type: SearchParamType;
  /** Canonical URL of the SearchParameter resource that defines it. */
  readonly definition: string;
  readonly documentation: string;
  /** The FHIRPath the value is taken from (documentation; the matcher implements it in code). */
  readonly expression: string;
  /** Modifiers accepted (besides a resource-type modifier on references). */
  readonly modifiers: readonly string[];
  /** Resource types a reference may point at. */
  readonly target?: readonly string[];
  /** Whether `_sort` accepts it. */
  readonly sortable?: boolean;
}

/** The resource types this facade serves itself (CodeSystem only for the ODS code systems). */
export const SERVED_TYPES = ["Organization", "OrganizationAffiliation", "CodeSystem"] as const;
export type ServedType = (typeof SERVED_TYPES)[number];

/** Whether a string names a resource type the facade serves. */
export function isServedType(value: string): value is ServedType {
  return (SERVED_TYPES as readonly string[]).includes(value);
}

const R4 = "http://hl7.org/fhir/SearchParameter/";
const ENGLAND = "https://fhir.nhs.uk/England/SearchParameter/";
const STRING_MODS = ["missing", "exact", "contains"] as const;
const TOKEN_MODS = ["missing", "not", "text"] as const;
const REF_MODS = ["missing", "identifier"] as const;
const DATE_MODS = ["missing"] as const;

const common: readonly SearchParamDef[] = [
  {
    name: "_id",
    type: "token",
    definition: `${R4}Resource-id`,
    documentation: "Logical id (the ODS code for Organization). Exact, case-sensitive.",
    expression: "Resource.id",
    modifiers: ["missing", "not"],
    sortable: true,
  },
  {
    name: "_lastUpdated",
    type: "date",
    definition: `${R4}Resource-lastUpdated`,
    documentation:
      "When the resource last changed (ODS LastChangeDate). Prefixes eq ne gt lt ge le sa eb ap.",
    expression: "Resource.meta.lastUpdated",
    modifiers: DATE_MODS,
    sortable: true,
  },
];

const organization: readonly SearchParamDef[] = [
  ...common,
  {
    name: "identifier",
    type: "token",
    definition: `${R4}Organization-identifier`,
    documentation: "Any identifier, [system|]value, e.g. https://fhir.nhs.uk/Id/ods-organization-code|RR8.",
    expression: "Organization.identifier",
    modifiers: TOKEN_MODS,
  },
  {
    name: "name",
    type: "string",
    definition: `${R4}Organization-name`,
    documentation: "Name or alias; starts-with, case- and accent-insensitive (:exact, :contains).",
    expression: "Organization.name | Organization.alias",
    modifiers: STRING_MODS,
    sortable: true,
  },
  {
    name: "phonetic",
    type: "string",
    definition: `${R4}Organization-phonetic`,
    documentation: "Name or alias sounding like the value (Soundex of every word).",
    expression: "Organization.name | Organization.alias",
    modifiers: ["missing"],
  },
  {
    name: "address",
    type: "string",
    definition: `${R4}Organization-address`,
    documentation: "Any part of any address (lines, city, district, state, postal code, country, text).",
    expression: "Organization.address",
    modifiers: STRING_MODS,
  },
  {
    name: "address-city",
    type: "string",
    definition: `${R4}Organization-address-city`,
    documentation: "Address city (ODS Town).",
    expression: "Organization.address.city",
    modifiers: STRING_MODS,
  },
  {
    name: "address-country",
    type: "string",
    definition: `${R4}Organization-address-country`,
    documentation: "Address country.",
    expression: "Organization.address.country",
    modifiers: STRING_MODS,
  },
  {
    name: "address-postalcode",
    type: "string",
    definition: `${R4}Organization-address-postalcode`,
    documentation: "Postal code; spaces are ignored on both sides (LS1 3EX = LS13EX).",
    expression: "Organization.address.postalCode",
    modifiers: STRING_MODS,
  },
  {
    name: "address-state",
    type: "string",
    definition: `${R4}Organization-address-state`,
    documentation: "Address state (ODS County is carried as district; state is usually absent).",
    expression: "Organization.address.state",
    modifiers: STRING_MODS,
  },
  {
    name: "address-use",
    type: "token",
    definition: `${R4}Organization-address-use`,
    documentation: "Address use code.",
    expression: "Organization.address.use",
    modifiers: TOKEN_MODS,
  },
  {
    name: "active",
    type: "token",
    definition: `${R4}Organization-active`,
    documentation: "true or false only.",
    expression: "Organization.active",
    modifiers: ["missing", "not"],
  },
  {
    name: "type",
    type: "token",
    definition: `${R4}Organization-type`,
    documentation: "Organization.type codings (ODS record class and record use type).",
    expression: "Organization.type",
    modifiers: TOKEN_MODS,
  },
  {
    name: "partof",
    type: "reference",
    definition: `${R4}Organization-partof`,
    documentation: "The parent organisation: id, Organization/id, absolute URL, :identifier, or chained.",
    expression: "Organization.partOf",
    modifiers: REF_MODS,
    target: ["Organization"],
  },
  {
    name: "endpoint",
    type: "reference",
    definition: `${R4}Organization-endpoint`,
    documentation: "Technical endpoints (ODS records have none).",
    expression: "Organization.endpoint",
    modifiers: REF_MODS,
    target: ["Endpoint"],
  },
  {
    name: "roleCode",
    type: "token",
    definition: `${ENGLAND}England-Extension-OrganisationRole-RoleCode`,
    documentation: "Any ODS role (ODSOrganisationRole), active or not; comma = OR, repeat = AND, :not.",
    expression:
      "Organization.extension('https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole').extension('roleCode').value",
    modifiers: TOKEN_MODS,
  },
  {
    name: "activeRoleCode",
    type: "token",
    definition: `${ENGLAND}England-Extension-OrganisationRole-ActiveRoleCode`,
    documentation: "Only roles whose active flag is true.",
    expression:
      "Organization.extension('https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole').where(extension('active').value=true).extension('roleCode').value",
    modifiers: TOKEN_MODS,
  },
  {
    name: "lastChangeDate",
    type: "date",
    definition: `${ENGLAND}England-Extension-TypedDateTime-LastChangeDate`,
    documentation: "ODS LastChangeDate (a date), with prefixes; repeat for a range.",
    expression:
      "Organization.extension('https://fhir.nhs.uk/England/StructureDefinition/Extension-England-TypedDateTime').extension('dateTime').value",
    modifiers: DATE_MODS,
    sortable: true,
  },
];

const affiliation: readonly SearchParamDef[] = [
  ...common,
  {
    name: "identifier",
    type: "token",
    definition: `${R4}OrganizationAffiliation-identifier`,
    documentation: "Any identifier.",
    expression: "OrganizationAffiliation.identifier",
    modifiers: TOKEN_MODS,
  },
  {
    name: "active",
    type: "token",
    definition: `${R4}OrganizationAffiliation-active`,
    documentation: "true or false only.",
    expression: "OrganizationAffiliation.active",
    modifiers: ["missing", "not"],
  },
  {
    name: "primary-organization",
    type: "reference",
    definition: `${R4}OrganizationAffiliation-primary-organization`,
    documentation: "The source organisation of the ODS relationship.",
    expression: "OrganizationAffiliation.organization",
    modifiers: REF_MODS,
    target: ["Organization"],
  },
  {
    name: "participating-organization",
    type: "reference",
    definition: `${R4}OrganizationAffiliation-participating-organization`,
    documentation: "The target organisation of the ODS relationship.",
    expression: "OrganizationAffiliation.participatingOrganization",
    modifiers: REF_MODS,
    target: ["Organization"],
  },
  {
    name: "role",
    type: "token",
    definition: `${R4}OrganizationAffiliation-role`,
    documentation: "The relationship code (ODSRelationship, e.g. RE4).",
    expression: "OrganizationAffiliation.code",
    modifiers: TOKEN_MODS,
  },
  {
    name: "date",
    type: "date",
    definition: `${R4}OrganizationAffiliation-date`,
    documentation: "The period of the relationship; open ends are unbounded.",
    expression: "OrganizationAffiliation.period",
    modifiers: DATE_MODS,
  },
];

const codeSystem: readonly SearchParamDef[] = [
  {
    name: "_id",
    type: "token",
    definition: `${R4}Resource-id`,
    documentation: "Logical id.",
    expression: "Resource.id",
    modifiers: ["missing", "not"],
    sortable: true,
  },
  {
    name: "url",
    type: "uri",
    definition: `${R4}conformance-url`,
    documentation: "Canonical URL of the code system.",
    expression: "CodeSystem.url",
    modifiers: ["missing"],
  },
  {
    name: "system",
    type: "uri",
    definition: `${R4}CodeSystem-system`,
    documentation: "Same as url (the ODT API's spelling).",
    expression: "CodeSystem.url",
    modifiers: ["missing"],
  },
  {
    name: "name",
    type: "string",
    definition: `${R4}conformance-name`,
    documentation: "Computer-friendly name.",
    expression: "CodeSystem.name",
    modifiers: STRING_MODS,
    sortable: true,
  },
  {
    name: "status",
    type: "token",
    definition: `${R4}conformance-status`,
    documentation: "Publication status.",
    expression: "CodeSystem.status",
    modifiers: TOKEN_MODS,
  },
];

/** Search parameters by resource type: what the parser accepts and `/metadata` states. */
export type SearchParamTable = Readonly<Record<ServedType, ReadonlyMap<string, SearchParamDef>>>;

/**
 * Narrows a parameter definition to what a store can answer: `undefined` = the parameter is not searchable,
 * else the definition with fewer modifiers (or not sortable). Must never widen it.
 */
export type SearchParamRestriction = (
  type: "Organization" | "OrganizationAffiliation",
  def: SearchParamDef,
) => SearchParamDef | undefined;

/** Every search parameter the FHIR core implements (the in-memory repository answers all of them). */
export const SEARCH_PARAMS: SearchParamTable = {
  Organization: new Map(organization.map((p) => [p.name, p])),
  OrganizationAffiliation: new Map(affiliation.map((p) => [p.name, p])),
  CodeSystem: new Map(codeSystem.map((p) => [p.name, p])),
};

/**
 * The table a store can answer: {@link SEARCH_PARAMS} narrowed by the store's restriction (the CodeSystem
 * parameters are answered by the engine itself). The parser and `/metadata` read the result, so the
 * CapabilityStatement states exactly what works over that store.
 */
export function restrictSearchParams(restrict: SearchParamRestriction | undefined): SearchParamTable {
  if (restrict === undefined) {
    return SEARCH_PARAMS;
  }
  const narrow = (type: "Organization" | "OrganizationAffiliation"): Map<string, SearchParamDef> => {
    const out = new Map<string, SearchParamDef>();
    for (const def of SEARCH_PARAMS[type].values()) {
      const kept = restrict(type, def);
      if (kept !== undefined) {
        out.set(def.name, {
          ...def,
          modifiers: def.modifiers.filter((m) => kept.modifiers.includes(m)),
          sortable: def.sortable === true && kept.sortable === true,
          documentation: kept.documentation,
        });
      }
    }
    return out;
  };
  return {
    Organization: narrow("Organization"),
    OrganizationAffiliation: narrow("OrganizationAffiliation"),
    CodeSystem: SEARCH_PARAMS.CodeSystem,
  };
}

/** `_include` values per type (R4 search.html#include); `:iterate` is accepted on all of them. */
export const INCLUDES: Readonly<Record<ServedType, readonly string[]>> = {
  Organization: ["Organization:partof"],
  OrganizationAffiliation: [
    "OrganizationAffiliation:primary-organization",
    "OrganizationAffiliation:participating-organization",
  ],
  CodeSystem: [],
};

/** `_revinclude` values per type. */
export const REVINCLUDES: Readonly<Record<ServedType, readonly string[]>> = {
  Organization: [
    "Organization:partof",
    "OrganizationAffiliation:primary-organization",
    "OrganizationAffiliation:participating-organization",
  ],
  OrganizationAffiliation: [],
  CodeSystem: [],
};
