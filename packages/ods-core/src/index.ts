/**
 * @fhir-facade/ods-core: the ORD API client, the streaming ODS XML reader, one ODS model, and the mapping of
 * ODS records to FHIR R4 exactly as NHS England's Organisation Data Terminology API publishes them.
 */
export const version = "0.1.0";

export { ODS_ORG_ID_ROOT } from "./model.js";
export type {
  OdsAddress,
  OdsCodeSystem,
  OdsCodeSystemName,
  OdsConcept,
  OdsContact,
  OdsDateType,
  OdsManifest,
  OdsOrganisation,
  OdsOrgId,
  OdsPeriod,
  OdsRecordClass,
  OdsRelationship,
  OdsRole,
  OdsStatus,
  OdsSuccession,
  OdsSuccessionType,
  OdsTarget,
} from "./model.js";
export { OdsError, isOdsError } from "./errors.js";
export type { OdsErrorCode, OdsErrorDetails } from "./errors.js";
export type { OdsWarning, OdsWarningCode, OdsWarningListener } from "./warnings.js";
export { OdsCodeCatalogue, SUPPLEMENTARY_CODE_SYSTEMS, defaultCodeCatalogue } from "./code-catalogue.js";
export { REFERENCE_CODE_SYSTEMS } from "./reference-code-systems.js";
export { parseOrdOrganisation } from "./ord-json.js";
export type { ParseOrdOptions } from "./ord-json.js";
export { ODS_FHIR } from "./fhir-urls.js";
export {
  DEFAULT_PART_OF_RELATIONSHIPS,
  identifierSystem,
  parentRelationship,
  toFhirOrganization,
  typedPeriodExtension,
  typedPeriodExtensions,
} from "./fhir-organization.js";
export type { OdsFhirOptions } from "./fhir-organization.js";
export { toFhirAffiliation, toFhirAffiliations } from "./fhir-affiliation.js";
export { ODS_XML_NAMESPACE } from "./xml-handler.js";
export type { OdsXmlItem } from "./xml-handler.js";
export { readOdsXml, readOdsXmlFile } from "./xml-reader.js";
export type { OdsXmlSource, ReadOdsXmlOptions } from "./xml-reader.js";
export { lookupProperties, successionLinks, toLookupParameters } from "./fhir-lookup.js";
export type {
  OdsLookupOptions,
  OdsLookupProperty,
  OdsLookupValue,
  OdsSuccessionLink,
} from "./fhir-lookup.js";
export { englandCodeSystems, odsFhirCodeSystems, toFhirCodeSystem } from "./fhir-codesystem.js";
export type { OdsCodeSystemOptions } from "./fhir-codesystem.js";
export { serialiseOrganisation, toFhirOrganizationJson } from "./serialise.js";
export type { SerialisedOrganisation } from "./serialise.js";
export { ORD_LIVE_BASE_URL, OrdClient } from "./ord-client.js";
export type { OrdClientOptions, OrdSearchPage, OrdSearchParams, OrdSyncResult } from "./ord-client.js";
export type { OrdClientEvent, OrdFetch, OrdFetchResponse, OrdRetryOptions } from "./ord-http.js";
export type { OrdSummary } from "./ord-rows.js";
export { TokenBucket, systemClock } from "./token-bucket.js";
export type { OdsClock, TokenBucketOptions } from "./token-bucket.js";
export { listOdsZip, odsFileKind, readOdsZip } from "./zip-reader.js";
export type { OdsFileKind, OdsZipFile, ReadOdsZipOptions } from "./zip-reader.js";
