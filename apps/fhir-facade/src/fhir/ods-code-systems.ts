/**
 * The ODS code systems the facade answers locally (NHS England IG, upstream-ods.md §4.1). Roles, relationships
 * and record classes come from the ODS data (ods-core reads them from the full file's header); the small
 * England code systems are fixed by the IG and defined here.
 */

/** The ODS organisation code system: a "virtual" CodeSystem whose concepts are the organisations. */
export const ODS_ORGANIZATION_CODE_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code";

const PUBLISHER = "NHS England";

function small(
  id: string,
  url: string,
  name: string,
  concepts: readonly (readonly [string, string])[],
): fhir4.CodeSystem {
  return {
    resourceType: "CodeSystem",
    id,
    url,
    name,
    title: name,
    status: "active",
    publisher: PUBLISHER,
    caseSensitive: true,
    content: "complete",
    count: concepts.length,
    concept: concepts.map(([code, display]) => ({ code, display })),
  };
}

/** The fixed England ODS code systems (record use type, record class, period type, ODS date-time type). */
export const FIXED_ODS_CODE_SYSTEMS: readonly fhir4.CodeSystem[] = [
  small(
    "England-ODSRecordUseType",
    "https://fhir.nhs.uk/England/CodeSystem/England-ODSRecordUseType",
    "EnglandODSRecordUseType",
    [
      ["Full", "Full"],
      ["RefOnly", "Reference Only"],
    ],
  ),
  small(
    "England-PeriodType",
    "https://fhir.nhs.uk/England/CodeSystem/England-PeriodType",
    "EnglandPeriodType",
    [
      ["Legal", "Legal"],
      ["Operational", "Operational"],
    ],
  ),
  small(
    "England-ODSDateTime",
    "https://fhir.nhs.uk/England/CodeSystem/England-ODSDateTime",
    "EnglandODSDateTime",
    [["LastChangeDate", "Last Change Date"]],
  ),
];

/** The record class code system as the ODS data defines it (RC1 HSCOrg, RC2 HSCSite). */
export const ODS_RECORD_CLASS: fhir4.CodeSystem = small(
  "ODSRecordClass",
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRecordClass",
  "ODSRecordClass",
  [
    ["RC1", "HSCOrg"],
    ["RC2", "HSCSite"],
  ],
);

/** The ODS organisation code system's description (content not-present: concepts are looked up). */
export const ODS_ORGANIZATION_CODE: fhir4.CodeSystem = {
  resourceType: "CodeSystem",
  id: "ods-organization-code",
  url: ODS_ORGANIZATION_CODE_SYSTEM,
  name: "ODSOrganisationCode",
  title: "ODS Organisation",
  status: "active",
  publisher: PUBLISHER,
  caseSensitive: true,
  content: "not-present",
  description: "Organisation codes of the Organisation Data Service; use $lookup for a code's properties.",
  property: [
    { code: "status", type: "code", description: "active | inactive" },
    { code: "name", type: "string", description: "Organisation name" },
    { code: "role", type: "Coding", description: "An ODS role (ODSOrganisationRole)" },
    { code: "postcode", type: "string", description: "Postcode" },
    { code: "town", type: "string", description: "Town" },
    { code: "lastChangeDate", type: "dateTime", description: "ODS LastChangeDate" },
    { code: "successor", type: "code", description: "A successor organisation's ODS code" },
    { code: "predecessor", type: "code", description: "A predecessor organisation's ODS code" },
  ],
};

/** Whether a URL names one of the ODS code systems answered locally. */
export function isOdsCodeSystemUrl(url: string, local: readonly fhir4.CodeSystem[]): boolean {
  return url === ODS_ORGANIZATION_CODE_SYSTEM || local.some((cs) => cs.url === url);
}
