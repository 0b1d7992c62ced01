import { daysBefore, parseIsoDate } from "./ord-dates.js";
import { OrdHttpError } from "./ord-error.js";
import type { OrdOrganisation } from "./ord-types.js";

/** How `Offset` is read; upstream-ods.md §1.2 (UEC ODS-07: "Offset is 1-based; the first page must omit it"). */
export type OrdOffsetMode = "start" | "skip";

/** How `PostCode` matches; the two NHS pages disagree (upstream-ods.md §1.2). */
export type OrdPostCodeMatch = "outcode" | "contains";

/** The search settings of a fake ORD. */
export interface OrdSearchSettings {
  readonly now: Date;
  readonly defaultLimit: number;
  readonly offsetMode: OrdOffsetMode;
  readonly postCodeMatch: OrdPostCodeMatch;
}

/** The documented search parameters (upstream-ods.md §1.2), plus `_format`. */
export const SEARCH_PARAMETERS = [
  "Name",
  "PostCode",
  "Status",
  "PrimaryRoleId",
  "NonPrimaryRoleId",
  "Roles",
  "OrgRecordClass",
  "LastChangeDate",
  "RelTypeId",
  "TargetOrgId",
  "Limit",
  "Offset",
  "_format",
] as const;

/** The 185-day window of `LastChangeDate` on search and sync (upstream-ods.md §1.2, §1.6). */
export const LAST_CHANGE_WINDOW_DAYS = 185;
/** The maximum `Limit` (upstream-ods.md §1.2). */
export const MAX_LIMIT = 1000;
const MAX_VALUE_LENGTH = 200;

type Filter = (org: OrdOrganisation) => boolean;

/** One page of search results with the paging numbers. */
export interface OrdSearchPage {
  readonly total: number;
  readonly rows: readonly OrdOrganisation[];
  /** 0-based index of the first row of the next page, or undefined on the last page. */
  readonly nextFirst: number | undefined;
  readonly previousFirst: number | undefined;
}

/** Checks a `LastChangeDate` value against the 185-day window; returns its UTC ms. */
export function checkLastChangeDate(value: string, now: Date): string {
  const ms = parseIsoDate(value);
  if (ms === undefined) {
    throw new OrdHttpError(406, "Supplied LastChangeDate must be a date in the format YYYY-MM-DD");
  }
  if (daysBefore(ms, now) > LAST_CHANGE_WINDOW_DAYS) {
    throw new OrdHttpError(
      406,
      `Supplied LastChangeDate must be within the last ${LAST_CHANGE_WINDOW_DAYS} days`,
    );
  }
  return value;
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length === 0) {
    return undefined;
  }
  if (values.length > 1) {
    throw new OrdHttpError(406, `Supplied ${name} must not be repeated`);
  }
  const value = (values[0] ?? "").trim();
  if (value === "" || value.length > MAX_VALUE_LENGTH) {
    throw new OrdHttpError(406, `Supplied ${name} is not valid`);
  }
  return value;
}

function primaryRole(org: OrdOrganisation): string | undefined {
  return org.Roles.Role.find((r) => r.primaryRole === true)?.id;
}

function normalisePostCode(value: string): string {
  return value.replace(/\s+/g, "").toUpperCase();
}

function postCodeFilter(value: string, mode: OrdPostCodeMatch): Filter {
  const wanted = normalisePostCode(value);
  const outcode = value.trim().toUpperCase();
  return (org) => {
    const postCode = org.GeoLoc?.Location.PostCode;
    if (postCode === undefined) {
      return false;
    }
    if (mode === "contains") {
      return normalisePostCode(postCode).includes(wanted);
    }
    return normalisePostCode(postCode) === wanted || postCode.toUpperCase().split(" ")[0] === outcode;
  };
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((v) => v.trim().toUpperCase())
    .filter(Boolean);
}

function parseCount(value: string, name: string): number {
  if (!/^\d{1,9}$/.test(value)) {
    throw new OrdHttpError(406, `Supplied ${name} must be a whole number`);
  }
  return Number(value);
}

function roleFilters(params: URLSearchParams): Filter[] {
  const filters: Filter[] = [];
  const primary = single(params, "PrimaryRoleId")?.toUpperCase();
  if (primary !== undefined) {
    filters.push((org) => primaryRole(org) === primary);
  }
  const nonPrimary = single(params, "NonPrimaryRoleId")?.toUpperCase();
  if (nonPrimary !== undefined) {
    filters.push((org) => org.Roles.Role.some((r) => r.primaryRole !== true && r.id === nonPrimary));
  }
  const roles = single(params, "Roles");
  if (roles !== undefined) {
    const wanted = new Set(list(roles));
    filters.push((org) => org.Roles.Role.some((r) => wanted.has(r.id)));
  }
  return filters;
}

function relFilter(params: URLSearchParams): Filter | undefined {
  const relTypes = single(params, "RelTypeId");
  const target = single(params, "TargetOrgId")?.toUpperCase();
  if (relTypes === undefined && target === undefined) {
    return undefined;
  }
  const types = relTypes === undefined ? undefined : new Set(list(relTypes));
  return (org) =>
    (org.Rels?.Rel ?? []).some(
      (rel) =>
        (types === undefined || types.has(rel.id)) &&
        (target === undefined || rel.Target.OrgId.extension.toUpperCase() === target),
    );
}

function filters(params: URLSearchParams, settings: OrdSearchSettings): Filter[] {
  const out: Filter[] = [];
  const name = single(params, "Name")?.toUpperCase();
  if (name !== undefined) {
    out.push((org) => org.Name.toUpperCase().includes(name));
  }
  const postCode = single(params, "PostCode");
  if (postCode !== undefined) {
    out.push(postCodeFilter(postCode, settings.postCodeMatch));
  }
  const status = single(params, "Status")?.toLowerCase();
  if (status !== undefined) {
    if (status !== "active" && status !== "inactive") {
      throw new OrdHttpError(406, "Supplied Status must be Active or Inactive");
    }
    out.push((org) => org.Status.toLowerCase() === status);
  }
  const recordClass = single(params, "OrgRecordClass")?.toUpperCase();
  if (recordClass !== undefined) {
    if (recordClass !== "RC1" && recordClass !== "RC2") {
      throw new OrdHttpError(406, "Supplied OrgRecordClass must be RC1 or RC2");
    }
    out.push((org) => org.orgRecordClass === recordClass);
  }
  const lastChange = single(params, "LastChangeDate");
  if (lastChange !== undefined) {
    const since = checkLastChangeDate(lastChange, settings.now);
    out.push((org) => org.LastChangeDate >= since);
  }
  out.push(...roleFilters(params));
  const rel = relFilter(params);
  if (rel !== undefined) {
    out.push(rel);
  }
  return out;
}

/** The 0-based index of the first row and the page size, from `Offset` and `Limit`. */
export function pageWindow(
  params: URLSearchParams,
  settings: OrdSearchSettings,
): { first: number; limit: number } {
  const limitText = single(params, "Limit");
  const limit = limitText === undefined ? settings.defaultLimit : parseCount(limitText, "Limit");
  if (limit < 1 || limit > MAX_LIMIT) {
    throw new OrdHttpError(406, `Supplied Limit must be between 1 and ${MAX_LIMIT}`);
  }
  const offsetText = single(params, "Offset");
  if (offsetText === undefined) {
    return { first: 0, limit };
  }
  const offset = parseCount(offsetText, "Offset");
  if (offset <= 1) {
    // Sic: the live API's own spelling (upstream-ods.md §1.2).
    throw new OrdHttpError(406, "Suppied Offset must be greater than 1");
  }
  return { first: settings.offsetMode === "start" ? offset - 1 : offset, limit };
}

/** Validates every parameter, filters the organisations, and cuts the page. */
export function searchOrganisations(
  orgs: readonly OrdOrganisation[],
  params: URLSearchParams,
  settings: OrdSearchSettings,
): OrdSearchPage {
  for (const key of params.keys()) {
    if (!(SEARCH_PARAMETERS as readonly string[]).includes(key)) {
      throw new OrdHttpError(400, `Unknown query parameter ${key.slice(0, 50)}`);
    }
  }
  const active = filters(params, settings);
  const { first, limit } = pageWindow(params, settings);
  const matches = orgs.filter((org) => active.every((f) => f(org)));
  const end = first + limit;
  return {
    total: matches.length,
    rows: matches.slice(first, end),
    nextFirst: end < matches.length ? end : undefined,
    previousFirst: first > 0 ? Math.max(0, first - limit) : undefined,
  };
}

/** The `Offset` value that makes a page start at a 0-based index (undefined: omit `Offset`). */
export function offsetFor(first: number, mode: OrdOffsetMode): number | undefined {
  if (first === 0) {
    return undefined;
  }
  if (mode === "start") {
    return first + 1;
  }
  // Skip mode cannot express "skip 1" (Offset must be > 1), so a page at index 1 is not reachable; the
  // fake's own Next-Page links never need it unless Limit is 1.
  return first === 1 ? 2 : first;
}
