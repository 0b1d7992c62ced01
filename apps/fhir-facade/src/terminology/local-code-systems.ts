/**
 * Code systems the facade answers itself (the ODS code systems and ODS organisation codes, served by the
 * Organization work from the local mirror). Requests about them never go upstream, so they keep working while
 * the Terminology Server is down. URLs from upstream-ods.md §2 (UK Core / England ODS IG, ODT API).
 */
export const ODS_CODE_SYSTEM_URLS: readonly string[] = [
  "https://fhir.nhs.uk/Id/ods-organization-code",
  "https://fhir.nhs.uk/Id/ods-site-code",
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole",
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRelationship",
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRecordClass",
  "https://fhir.nhs.uk/England/CodeSystem/England-ODSRecordUseType",
];

/** What the gateway needs to know about locally answered code systems. */
export interface LocalCodeSystems {
  /** Whether a code system (or implicit value set) URL is answered locally. */
  isLocalSystem(url: string): boolean;
  /** Whether a CodeSystem id is a local one (read, vread, instance operations). */
  isLocalId(id: string): boolean;
  /** The local CodeSystem resources, for merged `CodeSystem` searches and `TerminologyCapabilities`. */
  codeSystems(): readonly fhir4.CodeSystem[];
}

/**
 * The default: the ODS URLs above, with the given resources (ids from them). The FHIR-API code can pass its own
 * implementation instead.
 */
export function odsLocalCodeSystems(resources: readonly fhir4.CodeSystem[] = []): LocalCodeSystems {
  const urls = new Set([
    ...ODS_CODE_SYSTEM_URLS,
    ...resources.flatMap((r) => (r.url === undefined ? [] : [r.url])),
  ]);
  const ids = new Set(resources.flatMap((r) => (r.id === undefined ? [] : [r.id])));
  return {
    isLocalSystem: (url) => urls.has(url.split("|")[0] ?? url),
    isLocalId: (id) => ids.has(id),
    codeSystems: () => resources,
  };
}
