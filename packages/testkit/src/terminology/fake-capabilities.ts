import type { TerminologyContent } from "./terminology-content.js";

const SOFTWARE = { name: "Ontoserver® (testkit fake)", version: "6.26.0" };
const DATE = "2024-04-11T00:00:00+10:00";

const OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  CodeSystem: ["lookup", "validate-code", "subsumes"],
  ValueSet: ["expand", "validate-code"],
  ConceptMap: ["translate"],
};

/**
 * The fake's CapabilityStatement, shaped like Ontoserver 6.26's (upstream-terminology.md §3): its own absolute
 * base in `url` and `implementation.url`, the token endpoint in the SMART `oauth-uris` extension, terminology
 * resources with read/vread/search and their operations.
 */
export function fakeCapabilityStatement(fhirBase: string, tokenUrl: string): Record<string, unknown> {
  return {
    resourceType: "CapabilityStatement",
    url: `${fhirBase}/metadata`,
    version: SOFTWARE.version,
    name: "OntoserverCapabilityStatement",
    status: "active",
    date: DATE,
    publisher: "testkit",
    kind: "instance",
    instantiates: ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
    software: SOFTWARE,
    implementation: { description: "Fake NHS England Terminology Server", url: fhirBase },
    fhirVersion: "4.0.1",
    format: ["application/fhir+xml", "application/fhir+json"],
    rest: [
      {
        mode: "server",
        security: {
          extension: [
            {
              url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
              extension: [{ url: "token", valueUri: tokenUrl }],
            },
          ],
          service: [
            {
              coding: [
                {
                  system: "http://terminology.hl7.org/CodeSystem/restful-security-service",
                  code: "SMART-on-FHIR",
                },
              ],
            },
          ],
        },
        resource: Object.entries(OPERATIONS).map(([type, ops]) => ({
          type,
          interaction: [{ code: "read" }, { code: "vread" }, { code: "search-type" }],
          searchParam: ["url", "version", "name", "title", "status"].map((name) => ({
            name,
            type: name === "url" ? "uri" : name === "status" || name === "version" ? "token" : "string",
          })),
          operation: ops.map((op) => ({
            name: op,
            definition: `http://hl7.org/fhir/OperationDefinition/${type}-${op}`,
          })),
        })),
      },
    ],
  };
}

/** The fake's TerminologyCapabilities (`/metadata?mode=terminology`), listing its code systems. */
export function fakeTerminologyCapabilities(
  fhirBase: string,
  content: TerminologyContent,
): Record<string, unknown> {
  const codeSystems = content.codeSystems.map((cs) => ({
    uri: cs.url,
    version: [{ code: cs.version, isDefault: true }],
  }));
  codeSystems.push({
    uri: "http://snomed.info/sct",
    version: [{ code: "http://snomed.info/sct/32506021000036107/version/20221031", isDefault: true }],
  });
  return {
    resourceType: "TerminologyCapabilities",
    url: `${fhirBase}/metadata?mode=terminology`,
    version: SOFTWARE.version,
    name: "OntoserverTerminologyCapabilities",
    title: "Fake Ontoserver terminology capabilities",
    status: "active",
    date: DATE,
    kind: "instance",
    software: SOFTWARE,
    implementation: { description: "Fake NHS England Terminology Server", url: fhirBase },
    codeSystem: codeSystems,
    expansion: {
      hierarchical: false,
      paging: true,
      parameter: [
        "activeOnly",
        "check-system-version",
        "count",
        "displayLanguage",
        "excludeNested",
        "force-system-version",
        "includeDefinition",
        "includeDesignations",
        "offset",
        "property",
        "system-version",
        "tx-resource",
      ].map((name) => ({ name })),
    },
    codeSearch: "all",
    validateCode: { translations: false },
    translation: { needsMap: true },
  };
}
