/**
 * @fhir-facade/testkit: fake NHS upstreams (ORD, TRUD, Terminology Server) with fault injection, an ODS
 * full-file generator, and benchmark reporting. Everything listens on 127.0.0.1 only.
 */
export { FakeServer } from "./http/fake-server.js";
export type { FakeHandler, FakeRequest, FakeResponse, RecordedRequest } from "./http/fake-server.js";
export { FaultInjector } from "./http/faults.js";
export type { Fault, FaultRule } from "./http/faults.js";
export { meetsTarget, reportBench } from "./bench-report.js";
export { fixturePath } from "./ord/fixture-path.js";
export { feedSecretGuard, registerTestSecret, registeredTestSecrets, TEST_SECRETS_KEY } from "./secrets.js";
export type { BenchRatio, BenchReport } from "./bench-report.js";
export { FAKE_TRUD_API_KEY, FAKE_TRUD_DISABLED_KEY, FakeTrud } from "./trud/fake-trud.js";
export type { FakeTrudItemInit, FakeTrudOptions, FakeTrudReleaseInit } from "./trud/fake-trud.js";
export type { FakeTrudContent } from "./trud/content.js";
export type { FakeTrudSigner } from "./trud/release-files.js";
export { recordedItem341 } from "./trud/recorded.js";
export type { RecordedItem341Options } from "./trud/recorded.js";
export {
  addKeycloakTokenEndpoint,
  addNhsApiPlatformTokenEndpoint,
  KEYCLOAK_TOKEN_PATH,
  NHS_API_PLATFORM_TOKEN_PATH,
} from "./terminology/token-endpoints.js";
export type {
  IssuedToken,
  KeycloakClient,
  KeycloakTokenEndpointOptions,
  NhsApiPlatformClient,
  NhsApiPlatformTokenEndpointOptions,
  TokenEndpoint,
  TokenRejection,
} from "./terminology/token-endpoints.js";
export { startFakeTerminologyServer, TERMINOLOGY_FHIR_PATH } from "./terminology/fake-terminology-server.js";
export type {
  FakeTerminologyCredentials,
  FakeTerminologyServer,
  FakeTerminologyServerOptions,
} from "./terminology/fake-terminology-server.js";
export { loadDefaultTerminologyContent } from "./terminology/terminology-content.js";
export type { JsonResource, RecordedAnswer, TerminologyContent } from "./terminology/terminology-content.js";
export { loadTxEcosystemCases, TX_OPERATION_PATHS } from "./terminology/tx-ecosystem-replay.js";
export type { TxReplayCase } from "./terminology/tx-ecosystem-replay.js";
export { startFakeOrd } from "./ord/fake-ord.js";
export type { FakeOrd, FakeOrdOptions } from "./ord/fake-ord.js";
export { OrdStore } from "./ord/ord-store.js";
export { referenceOrganisations } from "./ord/reference-records.js";
export { CODE_SYSTEM_OIDS, odsCodeSystems } from "./ord/code-systems.js";
export type { OdsCodeSystems, OdsConcept } from "./ord/code-systems.js";
export { LAST_CHANGE_WINDOW_DAYS, MAX_LIMIT } from "./ord/ord-search.js";
export type { OrdOffsetMode, OrdPostCodeMatch } from "./ord/ord-search.js";
export { ODS_ORG_ID_ROOT } from "./ord/ord-types.js";
export type {
  OrdContact,
  OrdDate,
  OrdLocation,
  OrdOrganisation,
  OrdOrgId,
  OrdRel,
  OrdRole,
  OrdSucc,
  OrdSummary,
  OrdTarget,
} from "./ord/ord-types.js";
export { createOdsModel, DEFAULT_ORGANISATIONS, MAX_ORGANISATIONS } from "./generator/ods-model.js";
export type { OdsModel, OdsModelOptions } from "./generator/ods-model.js";
export { generateOdsFullFile, odsFullFileChunks, odsFullFileStream } from "./generator/full-file.js";
export type { OdsFullFileOptions, OdsFullFileResult } from "./generator/full-file.js";
export { OdsGeneratorError } from "./generator/generator-error.js";
export type { OdsGeneratorErrorCode } from "./generator/generator-error.js";
export { ODS_XML_NAMESPACE, organisationXml } from "./generator/xml-writer.js";
export type { KindKey } from "./generator/kinds.js";
export { SAMPLE_ODS_XML, SAMPLE_ODS_ZIP, startFakes } from "./fakes.js";
export type { Fakes } from "./fakes.js";
export { fullFileEntryName, writeOdsFullFileZip } from "./generator/full-file-zip.js";
export type { OdsFullFileZipOptions } from "./generator/full-file-zip.js";
export { ODS_SAMPLE_OPTIONS, odsSamplePaths, writeOdsSampleFiles } from "./generator/sample.js";
