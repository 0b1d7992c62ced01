import type { SearchParamDef } from "./search-parameters.js";
import type { RepositoryQuery } from "./search-query.js";

/** The resource types a repository stores. */
export type StoredType = "Organization" | "OrganizationAffiliation";

/**
 * One stored resource with its pre-serialised FHIR JSON. `json` must be the UTF-8 bytes of the resource with
 * `meta.versionId` = `versionId` and `meta.lastUpdated` = `lastUpdated`: the read path writes them as they are.
 */
export interface StoredResource {
  readonly resourceType: StoredType;
  readonly id: string;
  readonly versionId: string;
  /** ISO 8601 instant (`meta.lastUpdated`). */
  readonly lastUpdated: string;
  readonly json: Buffer;
}

/** The result of a read by id: found, removed from ODS (a tombstone), or never known. */
export type ReadResult =
  | { readonly status: "found"; readonly resource: StoredResource }
  | { readonly status: "deleted"; readonly id: string; readonly deletedAt: string | undefined }
  | { readonly status: "missing" };

/** One page of search results. */
export interface SearchPage {
  /** Number of matches, when the query asked for it. */
  readonly total: number | undefined;
  readonly resources: readonly StoredResource[];
  /** Whether more matches follow this page (needed when no total is computed). */
  readonly hasMore: boolean;
}

/** An ODS succession link of an organisation (ORD `Succs`). */
export interface SuccessionLink {
  readonly type: "Predecessor" | "Successor";
  /** The other organisation's ODS code. */
  readonly code: string;
  /** Legal date of the succession (YYYY-MM-DD), when known. */
  readonly date: string | undefined;
}

/**
 * The narrow store port the FHIR core needs. Queries never contain chained conditions (the engine resolves
 * chains to id lists first), so an adapter only implements plain conditions.
 *
 * `read` may answer synchronously: the Organization read hot path then completes without a microtask.
 */
export interface OdsRepository {
  read(type: StoredType, id: string): ReadResult | Promise<ReadResult>;
  search(query: RepositoryQuery): Promise<SearchPage>;
  /** Successors and predecessors of an organisation (for CodeSystem `$lookup`). */
  succession(code: string): Promise<readonly SuccessionLink[]>;
  /**
   * What this store can search, parameter by parameter: `undefined` = the parameter cannot be searched, else
   * the definition narrowed to the modifiers (and sortability) the store answers. Absent = everything the FHIR
   * core implements. The engine narrows its parser and its CapabilityStatement with it, so `/metadata` states
   * exactly what works (a known but unanswerable parameter is 400 not-supported, never silently ignored).
   */
  restrictSearchParam?(type: StoredType, def: SearchParamDef): SearchParamDef | undefined;
}
