import { randomUUID } from "node:crypto";

import { isRecord } from "./fhir-params.js";
import type { JsonResource, TerminologyContent } from "./terminology-content.js";

/** The three resource types the fake (and the gateway) serve. */
export type TerminologyResourceType = "CodeSystem" | "ValueSet" | "ConceptMap";

export function resourcesOf(
  content: TerminologyContent,
  type: TerminologyResourceType,
): readonly JsonResource[] {
  switch (type) {
    case "CodeSystem":
      return content.codeSystems;
    case "ValueSet":
      return content.valueSets;
    case "ConceptMap":
      return content.conceptMaps;
  }
}

/** A resource as the server stores it: version 1, with `meta.versionId` and `meta.lastUpdated`. */
export function withMeta(resource: JsonResource): Record<string, unknown> {
  const meta = isRecord(resource.meta) ? resource.meta : {};
  return { ...resource, meta: { versionId: "1", lastUpdated: "2024-04-11T00:00:00.000+10:00", ...meta } };
}

function matches(resource: JsonResource, name: string, value: string): boolean {
  const field = (key: string): string => {
    const v = resource[key];
    return typeof v === "string" ? v : "";
  };
  switch (name) {
    case "url":
      return field("url") === value;
    case "url:below":
      return field("url").startsWith(value);
    case "version":
    case "status":
    case "_id":
      return field(name === "_id" ? "id" : name) === value;
    case "name":
      return field("name").toLowerCase().startsWith(value.toLowerCase());
    case "name:contains":
    case "title:contains":
      return field(name.split(":")[0] ?? "")
        .toLowerCase()
        .includes(value.toLowerCase());
    case "title":
      return field("title").toLowerCase().startsWith(value.toLowerCase());
    default:
      return true; // other parameters are accepted and ignored, as Ontoserver's lenient handling does
  }
}

/**
 * A search-set Bundle with the server's absolute base in `link[].url` and `entry[].fullUrl`, as Ontoserver
 * answers (upstream-terminology.md §3). `CodeSystem?url=http://snomed.info/sct` answers the real recorded Bundle.
 */
export function search(input: {
  readonly content: TerminologyContent;
  readonly type: TerminologyResourceType;
  readonly query: URLSearchParams;
  readonly fhirBase: string;
}): Record<string, unknown> {
  const { content, type, query, fhirBase } = input;
  const self = `${fhirBase}/${type}${query.size > 0 ? `?${query.toString()}` : ""}`;
  if (type === "CodeSystem" && query.get("url") === "http://snomed.info/sct") {
    const recorded = content.snomedCodeSystemSearch;
    const entries = Array.isArray(recorded.entry) ? (recorded.entry as unknown[]).filter(isRecord) : [];
    return {
      ...recorded,
      link: [{ relation: "self", url: self }],
      entry: entries.map((e) => ({
        ...e,
        fullUrl:
          typeof e.fullUrl === "string"
            ? e.fullUrl.replace("https://tx.ontoserver.csiro.au/fhir", fhirBase)
            : e.fullUrl,
      })),
    };
  }
  const found = resourcesOf(content, type).filter((r) =>
    [...query].every(([name, value]) =>
      name.startsWith("_") && name !== "_id" ? true : matches(r, name, value),
    ),
  );
  const count = Math.max(0, Math.min(Number(query.get("_count") ?? 100) || 0, 1000));
  const offset = Math.max(0, Number(query.get("_offset") ?? 0) || 0);
  const page = query.get("_summary") === "count" ? [] : found.slice(offset, offset + count);
  const link: Record<string, unknown>[] = [{ relation: "self", url: self }];
  if (offset + count < found.length && query.get("_summary") !== "count") {
    const next = new URLSearchParams(query);
    next.set("_offset", String(offset + count));
    link.push({ relation: "next", url: `${fhirBase}/${type}?${next.toString()}` });
  }
  return {
    resourceType: "Bundle",
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: "searchset",
    total: found.length,
    link,
    entry: page.map((resource) => ({
      fullUrl: `${fhirBase}/${type}/${resource.id}`,
      resource: withMeta(resource),
      search: { mode: "match" },
    })),
  };
}
