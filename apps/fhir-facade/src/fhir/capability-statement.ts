import { terminologyCapabilityResources, withTerminologyCodeSystem } from "../terminology/capability.js";
import { INCLUDES, REVINCLUDES, SEARCH_PARAMS } from "./search-parameters.js";
import type { SearchParamTable, ServedType } from "./search-parameters.js";

export interface CapabilityOptions {
  /** The absolute FHIR base URL, e.g. `http://127.0.0.1:8080/fhir`. */
  readonly baseUrl: string;
  /** Software version reported in `software.version`. */
  readonly version: string;
  /** When the statement was built (`date`). */
  readonly date: Date;
  /** Largest `_count`. */
  readonly countMax: number;
  /** Default `_count`. */
  readonly countDefault: number;
  /** Whether a terminology gateway serves other code systems and value sets (stated in the documentation). */
  readonly terminologyGateway?: boolean;
  /** The search parameters the store answers (default: all the core implements). */
  readonly searchParams?: SearchParamTable;
}

const PROFILES: Partial<Record<ServedType, string>> = {
  Organization: "https://fhir.nhs.uk/England/StructureDefinition/England-Organization-ODS",
  OrganizationAffiliation:
    "https://fhir.nhs.uk/England/StructureDefinition/England-OrganizationAffiliation-ODS",
};

function searchParams(
  table: SearchParamTable,
  type: ServedType,
): fhir4.CapabilityStatementRestResourceSearchParam[] {
  return [...table[type].values()].map((p) => ({
    name: p.name,
    definition: p.definition,
    type: p.type,
    documentation: `${p.documentation} Modifiers: ${p.modifiers.map((m) => `:${m}`).join(" ") || "none"}${
      p.type === "reference" ? "; chaining one level (e.g. partof.name=...)" : ""
    }${p.sortable === true ? "; sortable" : ""}.`,
  }));
}

function resource(table: SearchParamTable, type: ServedType): fhir4.CapabilityStatementRestResource {
  const includes = INCLUDES[type];
  const revincludes = REVINCLUDES[type];
  const out: fhir4.CapabilityStatementRestResource = {
    type,
    interaction: [{ code: "read" }, { code: "vread" }, { code: "search-type" }],
    versioning: "versioned",
    readHistory: false,
    updateCreate: false,
    conditionalCreate: false,
    conditionalRead: "full-support",
    conditionalUpdate: false,
    conditionalDelete: "not-supported",
    searchParam: searchParams(table, type),
  };
  const profile = PROFILES[type];
  if (profile !== undefined) {
    out.profile = profile;
  }
  if (includes.length > 0) {
    out.searchInclude = [...includes, ...includes.map((i) => `${i}:iterate`)];
  }
  if (revincludes.length > 0) {
    out.searchRevInclude = [...revincludes, ...revincludes.map((i) => `${i}:iterate`)];
  }
  if (type === "CodeSystem") {
    out.documentation = "The ODS code systems only; $lookup and $validate-code are answered locally.";
    out.operation = [
      { name: "lookup", definition: "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup" },
      {
        name: "validate-code",
        definition: "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code",
      },
    ];
  }
  return out;
}

/**
 * The facade's CapabilityStatement (FHIR R4 §3.1.0, https://hl7.org/fhir/R4/capabilitystatement.html).
 * It states only what the server really supports: every search parameter with its definition, includes,
 * formats, conditional read.
 */
export function buildCapabilityStatement(options: CapabilityOptions): fhir4.CapabilityStatement {
  const table = options.searchParams ?? SEARCH_PARAMS;
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: options.date.toISOString(),
    publisher: "fhir-facade",
    kind: "instance",
    software: { name: "fhir-facade", version: options.version },
    implementation: {
      description: "FHIR R4 facade for NHS England reference data (ODS)",
      url: options.baseUrl,
    },
    fhirVersion: "4.0.1",
    format: ["application/fhir+json", "application/fhir+xml", "json", "xml"],
    rest: [
      {
        mode: "server",
        documentation: [
          "Read-only. Search by GET or POST [type]/_search (application/x-www-form-urlencoded).",
          `Paging: _count (default ${options.countDefault}, at most ${options.countMax}; 0 = total only) and _offset; links self/first/previous/next/last.`,
          "Result parameters: _sort, _total (none|estimate|accurate; estimate = accurate), _summary (true|text|data|count|false), _elements, _include, _revinclude (:iterate bounded to 5 levels and 1000 resources), _contained (ignored: ODS resources contain nothing).",
          "Unknown search parameters are ignored and reported in an OperationOutcome entry (search.mode = outcome); Prefer: handling=strict rejects them with 400.",
          "Dates without a time zone are read in UTC.",
          "Conditional read: If-None-Match (any ETag spelling, lists, *) and If-Modified-Since answer 304.",
          options.terminologyGateway === true
            ? "Other CodeSystem, ValueSet and ConceptMap requests are passed to the NHS England Terminology Server."
            : "",
        ]
          .filter((s) => s !== "")
          .join(" "),
        resource:
          options.terminologyGateway === true
            ? [
                resource(table, "Organization"),
                resource(table, "OrganizationAffiliation"),
                withTerminologyCodeSystem(resource(table, "CodeSystem")),
                ...terminologyCapabilityResources(),
              ]
            : [
                resource(table, "Organization"),
                resource(table, "OrganizationAffiliation"),
                resource(table, "CodeSystem"),
              ],
      },
    ],
  };
}
