/**
 * The query model of the ODS mirror: what the FHIR layer asks the store, independent of the backend.
 *
 * The shapes follow FHIR R4 search semantics (https://hl7.org/fhir/R4/search.html): a search is an AND of
 * conditions; each condition holds an OR list of values (a comma-separated FHIR parameter value); `not` and
 * `missing` express the `:not` and `:missing` modifiers. The store applies ODS-specific normalisation itself
 * (case and accent folding, postcode spacing and outward codes, implicit date ranges), so the facade passes
 * values as the client sent them (after FHIR unescaping).
 *
 * @see https://hl7.org/fhir/R4/search.html
 * @see https://hl7.org/fhir/R4/organization.html#search
 */

/**
 * How a string value matches (FHIR string search, R4 search.html#string).
 * - `starts-with`: the FHIR default; case- and accent-insensitive prefix match.
 * - `contains`: `:contains`; case- and accent-insensitive substring match.
 * - `exact`: `:exact`; the whole value, case- and accent-sensitive.
 */
export type StringMatch = "starts-with" | "contains" | "exact";

/** One string value with its match mode. */
export interface StringValue {
  readonly match: StringMatch;
  readonly value: string;
}

/**
 * A FHIR date search prefix (R4 search.html#prefix). `ap` is "approximately": the store widens the value's
 * implicit range by 10% of its distance to the store's clock (at least one day).
 */
export type DatePrefix = "eq" | "ne" | "gt" | "lt" | "ge" | "le" | "sa" | "eb" | "ap";

/**
 * One date value with its prefix. `value` is a FHIR date or dateTime as the client sent it: `YYYY`, `YYYY-MM`,
 * `YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.sss]][Z|±hh:mm]`; its precision defines an implicit range (`2024` is the
 * whole year). Values without a zone are read in UTC. The target (an ODS LastChangeDate) is a whole day.
 */
export interface DateValue {
  readonly prefix: DatePrefix;
  readonly value: string;
}

/** The address part a condition applies to. `any` = FHIR `address` (any part). */
export type AddressPart = "any" | "line" | "city" | "district" | "state" | "country" | "postalcode";

/** Which roles a role condition looks at (ODT search parameters `roleCode`, `activeRoleCode`, ORD `PrimaryRoleId`). */
export type RoleScope = "any" | "primary" | "active" | "active-primary";

/** A field that can be tested with `:missing`. */
export type MissingField =
  "postalcode" | "city" | "district" | "country" | "line" | "address" | "partOf" | "alias" | "lastChangeDate";

/**
 * One AND-ed condition of an Organization search. Arrays inside a condition are OR-ed (a FHIR comma list).
 * `not: true` negates the whole condition (the token `:not` modifier: "none of these").
 */
export type OrgCondition =
  /** `_id` / `identifier`: ODS codes (case-insensitive; stored upper-case). */
  | { readonly kind: "code"; readonly codes: readonly string[]; readonly not?: boolean }
  /** `name` (name and aliases, R4 Organization `name` covers `alias`). */
  | { readonly kind: "name"; readonly values: readonly StringValue[] }
  /**
   * `address`, `address-city`, `address-postalcode`, ... Postcodes ignore spaces and case; a `starts-with` value
   * that is a whole outward code (`LS1`) matches only that outward code (`LS1 4BT`, not `LS10 1AA`).
   */
  | { readonly kind: "address"; readonly part: AddressPart; readonly values: readonly StringValue[] }
  /** `roleCode` / `activeRoleCode` / primary role: ODS role ids such as `RO197` (case-insensitive). */
  | {
      readonly kind: "role";
      readonly scope: RoleScope;
      readonly codes: readonly string[];
      readonly not?: boolean;
    }
  /** `active`: ODS operational status. */
  | { readonly kind: "active"; readonly value: boolean }
  /** ODS record class `RC1` (HSCOrg) / `RC2` (HSCSite). */
  | { readonly kind: "recordClass"; readonly codes: readonly string[]; readonly not?: boolean }
  /** ODS record use type: `refOnly: true` selects skeleton (RefOnly) records. */
  | { readonly kind: "refOnly"; readonly value: boolean }
  /** `lastChangeDate` / `_lastUpdated`: OR of date values (repeat the condition to AND them into a range). */
  | { readonly kind: "lastChangeDate"; readonly values: readonly DateValue[] }
  /** `partof=X`: organisations whose parent is one of `codes` (children of X). */
  | { readonly kind: "partOf"; readonly codes: readonly string[]; readonly not?: boolean }
  /** The parents of the given organisations (for `_include=Organization:partof`). */
  | { readonly kind: "parentOf"; readonly codes: readonly string[] }
  /**
   * ORD membership query (`RelTypeId` + `TargetOrgId`): organisations having a relationship of one of `types`
   * (any type when absent) to one of `targets` (any target when absent); `direction: "incoming"` selects the
   * targets of such relationships instead. `active` restricts to active relationships.
   */
  | {
      readonly kind: "relationship";
      readonly types?: readonly string[];
      readonly targets?: readonly string[];
      readonly active?: boolean;
      readonly direction?: "outgoing" | "incoming";
    }
  /** `:missing=true|false`. */
  | { readonly kind: "missing"; readonly field: MissingField; readonly missing: boolean };

/** A sort key (`_sort=name,-lastChangeDate`). The store always adds `code` as the final tie-breaker. */
export interface SortKey {
  readonly field: "name" | "code" | "lastChangeDate";
  readonly direction: "asc" | "desc";
}

/**
 * Paging. `offset` is FHIR `_offset`-style; `keyset` continues after an opaque cursor returned as `next` by the
 * previous page of the same query and sort (stable under concurrent changes, O(page) cost).
 */
export type PageRequest =
  { readonly kind: "offset"; readonly offset: number } | { readonly kind: "keyset"; readonly after: string };

/** An Organization search: conditions are AND-ed. */
export interface OrgSearch {
  readonly where: readonly OrgCondition[];
  /** Default: code ascending. */
  readonly sort?: readonly SortKey[];
  /** Page size, 0..1000. 0 returns no entries (`_summary=count`). */
  readonly count: number;
  readonly page?: PageRequest;
  /** `accurate` (default) counts every match; `none` skips the count (FHIR `_total`). */
  readonly total?: "none" | "accurate";
}

/**
 * One stored resource: its id and its FHIR JSON, serialised once when it was loaded or synced and served as it
 * is (a read does no JSON work).
 */
export interface StoredResource {
  readonly id: string;
  /**
   * The resource's FHIR JSON text; never parse it on the hot path. A string, not bytes: better-sqlite3 hands
   * over a 2.2 KB text value about 1.5 times as fast as the same value as a Buffer (mirror-read benchmark), and
   * node:http writes a string as UTF-8 without a further copy in JavaScript.
   */
  readonly json: string;
  /** A short content hash, usable as a weak ETag version id. */
  readonly versionId: string;
  /** ODS LastChangeDate (`YYYY-MM-DD`), usable for `Last-Modified`. */
  readonly lastChangeDate: string | undefined;
}

/** A page of search results. */
export interface SearchPage {
  readonly entries: readonly StoredResource[];
  /** Exact number of matches when `total` was not `none`. */
  readonly total?: number;
  /** Keyset cursor for the next page, when there may be one. */
  readonly next?: string;
}

/**
 * The result of a read by code: `found` with bytes; `gone` for a tombstone (HTTP 410; the organisation was in ODS
 * and disappeared); `not-found` when the code was never known (HTTP 404).
 */
export type ReadResult =
  | ({ readonly kind: "found" } & StoredResource)
  | { readonly kind: "gone"; readonly id: string; readonly removedAt: string }
  | { readonly kind: "not-found"; readonly id: string };

/** One AND-ed condition of an OrganizationAffiliation search (one affiliation per ODS relationship). */
export type AffiliationCondition =
  /** `_id`: the ODS `uniqueRelId`. */
  | { readonly kind: "id"; readonly ids: readonly string[] }
  /** `primary-organization`: the source organisation (the one holding the relationship). */
  | { readonly kind: "primaryOrganization"; readonly codes: readonly string[] }
  /** `participating-organization`: the relationship's target. */
  | { readonly kind: "participatingOrganization"; readonly codes: readonly string[] }
  /** `role` / `code`: ODS relationship type such as `RE4`. */
  | { readonly kind: "type"; readonly codes: readonly string[]; readonly not?: boolean }
  /** `active`. */
  | { readonly kind: "active"; readonly value: boolean }
  /** `date`: against the relationship's period (start..end, open end = ongoing). */
  | { readonly kind: "date"; readonly values: readonly DateValue[] };

/** An OrganizationAffiliation search. Sort is by id. */
export interface AffiliationSearch {
  readonly where: readonly AffiliationCondition[];
  readonly count: number;
  readonly page?: PageRequest;
  readonly total?: "none" | "accurate";
}

/** A succession link (ODS `Succs`), for CodeSystem `$lookup` of an organisation code. */
export interface SuccessionLink {
  readonly code: string;
  /** Legal start date of the succession, when known. */
  readonly date?: string;
}

/** What `CodeSystem/$lookup` of an ODS organisation code needs, without parsing the stored FHIR. */
export interface OrgLookup {
  readonly code: string;
  readonly name: string;
  readonly active: boolean;
  readonly recordClass: string;
  readonly primaryRole: string | undefined;
  readonly lastChangeDate: string | undefined;
  readonly successors: readonly SuccessionLink[];
  readonly predecessors: readonly SuccessionLink[];
}

/** What a mirror reports about itself (`mirror status`, health checks, CapabilityStatement). */
export interface MirrorStatus {
  readonly backend: "sqlite" | "postgres";
  /** The release the active generation was loaded from (`HSCOrgRefData_Full_20260101`, a TRUD release id...). */
  readonly release: string | undefined;
  readonly generation: number | undefined;
  readonly loadedAt: string | undefined;
  readonly organisations: number;
  readonly relationships: number;
  readonly tombstones: number;
  /** ORD sync watermark (`YYYY-MM-DD`): changes on or after it are still to be fetched. */
  readonly watermark: string | undefined;
  readonly lastSyncAt: string | undefined;
  /** Whole days between the watermark and the store's clock. */
  readonly ageDays: number | undefined;
}

/**
 * The read side of the mirror: everything the FHIR facade asks. Both backends implement it; every method is
 * safe to call while a load or a sync runs (readers see one complete generation).
 */
export interface MirrorReader {
  readonly backend: "sqlite" | "postgres";
  /** Read by ODS code (case-insensitive). The hot path: one prepared statement, no JSON work. */
  read(code: string): Promise<ReadResult>;
  search(query: OrgSearch): Promise<SearchPage>;
  readAffiliation(id: string): Promise<ReadResult>;
  searchAffiliations(query: AffiliationSearch): Promise<SearchPage>;
  /** `undefined` when the code is unknown (gone codes too: see `read`). */
  lookup(code: string): Promise<OrgLookup | undefined>;
  status(): Promise<MirrorStatus>;
}
