import { isRecord } from "./params.js";

/**
 * "CodeSystem?url= searches and /metadata show both" (issue 8): the upstream's answers are extended with the
 * locally answered ODS code systems. Only these two answers are re-serialised; every other body passes unchanged.
 */

/** Appends the local code systems to an upstream TerminologyCapabilities (JSON); other documents are returned as is. */
export function mergeTerminologyCapabilities(text: string, local: readonly fhir4.CodeSystem[]): string {
  if (local.length === 0) {
    return text;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isRecord(doc) || doc.resourceType !== "TerminologyCapabilities") {
    return text;
  }
  const list = Array.isArray(doc.codeSystem) ? (doc.codeSystem as unknown[]) : [];
  const known = new Set(list.filter(isRecord).map((c) => c.uri));
  for (const cs of local) {
    if (cs.url !== undefined && !known.has(cs.url)) {
      list.push({
        uri: cs.url,
        ...(cs.version === undefined ? {} : { version: [{ code: cs.version, isDefault: true }] }),
      });
    }
  }
  return JSON.stringify({ ...doc, codeSystem: list });
}

function matchesSearch(cs: fhir4.CodeSystem, query: URLSearchParams): boolean {
  for (const [name, value] of query) {
    const v = value.toLowerCase();
    switch (name) {
      case "url":
        if (cs.url !== value) return false;
        break;
      case "url:below":
        if (cs.url?.startsWith(value) !== true) return false;
        break;
      case "name":
        if (cs.name?.toLowerCase().startsWith(v) !== true) return false;
        break;
      case "name:contains":
        if (cs.name?.toLowerCase().includes(v) !== true) return false;
        break;
      case "title:contains":
        if (cs.title?.toLowerCase().includes(v) !== true) return false;
        break;
      case "status":
        if (cs.status !== value) return false;
        break;
      case "system":
      case "version":
      case "content-mode":
        return false; // parameters the local list cannot answer: leave the search to the upstream
      default:
        break; // result parameters (_count, _elements, _summary...) do not filter
    }
  }
  return true;
}

/**
 * Adds the matching local code systems to the first page of an upstream `CodeSystem` search-set (JSON). Entries
 * get the facade's base in `fullUrl`; `total` is increased accordingly.
 */
export function mergeCodeSystemSearch(
  text: string,
  local: readonly fhir4.CodeSystem[],
  query: URLSearchParams,
  facadeBase: string,
): string {
  const matching = local.filter((cs) => matchesSearch(cs, query));
  if (matching.length === 0 || query.get("_summary") === "count") {
    return text;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isRecord(doc) || doc.resourceType !== "Bundle" || doc.type !== "searchset") {
    return text;
  }
  const links = Array.isArray(doc.link) ? (doc.link as unknown[]).filter(isRecord) : [];
  if (links.some((l) => l.relation === "previous" || l.relation === "prev")) {
    return text;
  }
  const entries = Array.isArray(doc.entry) ? (doc.entry as unknown[]) : [];
  for (const cs of matching) {
    entries.push({
      fullUrl: `${facadeBase}/CodeSystem/${cs.id ?? ""}`,
      resource: cs,
      search: { mode: "match" },
    });
  }
  const total = typeof doc.total === "number" ? doc.total + matching.length : undefined;
  return JSON.stringify({ ...doc, ...(total === undefined ? {} : { total }), entry: entries });
}
