/**
 * The ODS code systems as complete FHIR R4 `CodeSystem` resources. NHS England publishes ODSOrganisationRole,
 * ODSRelationship and ODSRecordClass with `content=not-present` (England IG assets) and serves the concepts
 * from the ODT API; here they are built from the code systems of the XML file (or ORD `/roles`, `/rels`,
 * `/recordclasses`, or the reference data) with `content=complete`. Ids, urls, names and titles are NHS
 * England's (CodeSystem-England-*.xml).
 */
import { defaultCodeCatalogue, type OdsCodeCatalogue } from "./code-catalogue.js";
import { ODS_FHIR } from "./fhir-urls.js";
import type { OdsCodeSystem } from "./model.js";

/** Options of {@link toFhirCodeSystem}. */
export interface OdsCodeSystemOptions {
  /** `CodeSystem.version` (e.g. the release date of the file the concepts were read from). */
  readonly version?: string;
  /** `CodeSystem.date`. */
  readonly date?: string;
}

const META = {
  OrganisationRole: {
    id: "England-ODSOrganisationRole",
    url: ODS_FHIR.csRole,
    name: "EnglandODSOrganisationRole",
    title: "England ODS Organisation Role",
    description:
      "A set of codes that define the high level roles that may be related to individual Organisations or ODS Sites.",
  },
  OrganisationRelationship: {
    id: "England-ODSRelationship",
    url: ODS_FHIR.csRelationship,
    name: "EnglandODSRelationship",
    title: "England ODS Relationship",
    description:
      "A set of codes that define the type of relationships which are allowed between Organisation or Site entities/records using the Organisation Data Service (ODS).",
  },
  OrganisationRecordClass: {
    id: "England-ODSRecordClass",
    url: ODS_FHIR.csRecordClass,
    name: "EnglandODSRecordClass",
    title: "England ODS Record Class",
    description:
      "A set of codes that define the high level type / class of record published by Organisation Data Service (ODS).",
  },
} as const;

/**
 * One ODS code system as a complete FHIR CodeSystem (concept code = the full ODS id, e.g. `RO197`; roles
 * carry the `primaryRole` property the ODT API exposes).
 *
 * @returns undefined for a code system name that is not one of the three ODS ones.
 */
export function toFhirCodeSystem(
  system: OdsCodeSystem,
  options: OdsCodeSystemOptions = {},
): fhir4.CodeSystem | undefined {
  if (!(system.name in META)) return undefined;
  const meta = META[system.name as keyof typeof META];
  const isRole = system.name === "OrganisationRole";
  const concepts = [...system.concepts].sort((a, b) => compareCodes(a.id, b.id));
  // Built in the key order NHS England's CodeSystem assets use; status/content are set below.
  const resource = {
    resourceType: "CodeSystem",
    id: meta.id,
    url: meta.url,
    identifier: [{ system: "urn:ietf:rfc:3986", value: `urn:oid:${system.oid}` }],
  } as fhir4.CodeSystem;
  if (options.version !== undefined) resource.version = options.version;
  resource.name = meta.name;
  resource.title = meta.title;
  resource.status = "active";
  if (options.date !== undefined) resource.date = options.date;
  resource.publisher = "NHS England";
  resource.description = meta.description;
  resource.caseSensitive = true;
  resource.content = "complete";
  resource.count = concepts.length;
  if (isRole) {
    resource.property = [
      {
        code: "primaryRole",
        description: "Whether the role can be an organisation's primary role",
        type: "boolean",
      },
    ];
  }
  resource.concept = concepts.map((c) => {
    const concept: fhir4.CodeSystemConcept = { code: c.id };
    if (c.displayName !== "") concept.display = c.displayName;
    if (isRole && c.primaryRole !== undefined)
      concept.property = [{ code: "primaryRole", valueBoolean: c.primaryRole }];
    return concept;
  });
  return resource;
}

function compareCodes(a: string, b: string): number {
  const na = Number(a.replace(/^\D+/, ""));
  const nb = Number(b.replace(/^\D+/, ""));
  return Number.isNaN(na) || Number.isNaN(nb) || na === nb ? a.localeCompare(b) : na - nb;
}

function small(
  id: string,
  url: string,
  names: readonly [string, string],
  concepts: readonly (readonly [string, string, string?])[],
): fhir4.CodeSystem {
  const [name, title] = names;
  return {
    resourceType: "CodeSystem",
    id,
    url,
    version: "1.0.0",
    name,
    title,
    status: "active",
    date: "2023-12-07",
    publisher: "NHS England",
    caseSensitive: true,
    content: "complete",
    count: concepts.length,
    concept: concepts.map(([code, display, definition]) =>
      definition === undefined ? { code, display } : { code, display, definition },
    ),
  };
}

/** The three small England code systems the mapping uses (England IG CodeSystem assets, 2023-12-07). */
export function englandCodeSystems(): fhir4.CodeSystem[] {
  return [
    small(
      "England-ODSRecordUseType",
      ODS_FHIR.csRecordUseType,
      ["EnglandODSRecordUseType", "England ODS Record Use Type"],
      [
        ["Full", "Full", "A complete record of an ODS entity"],
        ["RefOnly", "RefOnly", "Skeletal record, maintained for referential integrity purpose only"],
      ],
    ),
    small(
      "England-PeriodType",
      ODS_FHIR.csPeriodType,
      ["EnglandPeriodType", "England Period Type"],
      [
        ["Legal", "Legal"],
        ["Operational", "Operational"],
      ],
    ),
    small(
      "England-ODSDateTime",
      ODS_FHIR.csOdsDateTime,
      ["EnglandODSDateTime", "England ODS Date Time"],
      [["LastChangeDate", "Last Change Date", "The date and time that the ODS data was last changed"]],
    ),
  ];
}

/** Every ODS CodeSystem (roles, relationships, record classes from `catalogue`, plus the England ones). */
export function odsFhirCodeSystems(
  catalogue: OdsCodeCatalogue = defaultCodeCatalogue(),
  options: OdsCodeSystemOptions = {},
): fhir4.CodeSystem[] {
  const out: fhir4.CodeSystem[] = [];
  for (const system of catalogue.codeSystems()) {
    const resource = toFhirCodeSystem(system, options);
    if (resource !== undefined) out.push(resource);
  }
  return [...out, ...englandCodeSystems()];
}
