/**
 * @fhir-facade/ods-mirror: a local mirror of every ODS organisation in SQLite (default) or PostgreSQL, loaded
 * from the ODS XML full file (TRUD item 341) and kept current from the ORD `/sync` endpoint.
 *
 * @example
 * const store = await openMirror({ backend: { kind: "sqlite", path: "data/ods-mirror.sqlite" } });
 * await loadOdsXmlFile(store, { path: "HSCOrgRefData_Full_20260101.xml" });
 * await syncMirror(store, { ord: new OrdClient() });
 * const hit = await store.read("RR8"); // { kind: "found", json: <FHIR JSON text>, versionId, lastChangeDate }
 */
export { MirrorError } from "./errors.js";
export { MIRROR_SCHEMA_VERSION } from "./db/schema.js";
export type { MirrorErrorCode } from "./errors.js";
export type {
  AddressPart,
  AffiliationCondition,
  AffiliationSearch,
  DatePrefix,
  DateValue,
  MirrorReader,
  MirrorStatus,
  MissingField,
  OrgCondition,
  OrgLookup,
  OrgSearch,
  PageRequest,
  ReadResult,
  RoleScope,
  SearchPage,
  SortKey,
  StoredResource,
  StringMatch,
  StringValue,
  SuccessionLink,
} from "./query.js";
export { GenerationWriter, MirrorStore, openMirror } from "./store.js";
export type {
  ChangeSet,
  IntegrityReport,
  MetaKey,
  MirrorBackendOptions,
  OpenMirrorOptions,
} from "./store.js";
export type { SqliteOptions } from "./db/sqlite.js";
export type { PostgresOptions } from "./db/postgres.js";
export type {
  MirrorAddress,
  MirrorRecord,
  MirrorRelationship,
  MirrorRole,
  MirrorSuccession,
} from "./record.js";
export { recordFromOds } from "./from-ods.js";
export { fold, isOutwardCode, normalisePostcode, outwardCode } from "./fold.js";
export { ODS_TRUD_ITEM, loadFromTrud, loadOdsItems, loadOdsXml, loadOdsXmlFile, loadOdsZip } from "./load.js";
export type { LoadItemsOptions, LoadOptions, LoadResult, LoadXmlOptions, TrudSource } from "./load.js";
export { syncMirror } from "./sync.js";
export type { OrdSource, SyncOptions, SyncResult } from "./sync.js";
export { loadSampleIfEmpty } from "./startup.js";
export type { StartupOptions } from "./startup.js";
export type { MirrorEvent, MirrorEventListener } from "./events.js";
