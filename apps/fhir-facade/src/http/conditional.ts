import type { VersionInfo } from "../fhir/request.js";

/**
 * Conditional read (R4 http.html#cread; RFC 9110 §13.1.2, §13.1.3): `If-None-Match` with any ETag spelling seen
 * in the wild (`1`, `"1"`, `W/1`, `W/"1"`), lists, and `*`; it takes precedence over `If-Modified-Since`.
 */

/** Normalises one entity tag to the bare version id. */
function bareTag(tag: string): string {
  let t = tag.trim();
  if (t.startsWith("W/") || t.startsWith("w/")) {
    t = t.slice(2);
  }
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    t = t.slice(1, -1);
  }
  return t;
}

/** Whether `If-None-Match` matches the current version (weak comparison). */
export function ifNoneMatchMatches(header: string, versionId: string): boolean {
  if (header.trim() === "*") {
    return true;
  }
  return header
    .split(",")
    .slice(0, 64)
    .some((tag) => bareTag(tag) === versionId);
}

/** Whether the resource is unmodified since an `If-Modified-Since` HTTP-date (second precision). */
export function notModifiedSince(header: string, lastUpdated: string): boolean {
  const since = Date.parse(header);
  const modified = Date.parse(lastUpdated);
  if (Number.isNaN(since) || Number.isNaN(modified)) {
    return false;
  }
  return Math.floor(modified / 1000) * 1000 <= since;
}

/** Whether a conditional GET/HEAD should be answered 304. */
export function isNotModified(
  headers: { readonly ifNoneMatch: string | undefined; readonly ifModifiedSince: string | undefined },
  version: VersionInfo,
): boolean {
  if (headers.ifNoneMatch !== undefined) {
    return ifNoneMatchMatches(headers.ifNoneMatch, version.versionId);
  }
  if (headers.ifModifiedSince !== undefined) {
    return notModifiedSince(headers.ifModifiedSince, version.lastUpdated);
  }
  return false;
}

/** The weak ETag of a version: `W/"<versionId>"`. */
export function etagOf(version: VersionInfo): string {
  return `W/"${version.versionId.replace(/["\\]/g, "")}"`;
}

const HTTP_DATES = new Map<string, string | undefined>();

/**
 * The HTTP-date (IMF-fixdate) of an ISO instant, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. Memoised (bounded):
 * ODS resources change by the day, so the read hot path sees few distinct instants.
 */
export function httpDate(iso: string): string | undefined {
  if (HTTP_DATES.has(iso)) {
    return HTTP_DATES.get(iso);
  }
  const t = Date.parse(iso);
  const date = Number.isNaN(t) ? undefined : new Date(t).toUTCString();
  if (HTTP_DATES.size >= 4096) {
    HTTP_DATES.clear();
  }
  HTTP_DATES.set(iso, date);
  return date;
}
