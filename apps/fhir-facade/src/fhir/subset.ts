import type { SummaryMode } from "./search-query.js";

/**
 * `_summary` and `_elements` (R4 search.html#summary, #elements). The isSummary element lists are those of
 * the R4 (4.0.1) StructureDefinitions; `id`, `meta` and `implicitRules` are always kept.
 */
export const SUMMARY_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  Organization: ["identifier", "active", "type", "name", "partOf"],
  OrganizationAffiliation: [
    "identifier",
    "active",
    "period",
    "organization",
    "participatingOrganization",
    "network",
    "code",
    "specialty",
    "location",
    "healthcareService",
    "telecom",
    "endpoint",
  ],
  CodeSystem: [
    "url",
    "identifier",
    "version",
    "name",
    "title",
    "status",
    "experimental",
    "date",
    "publisher",
    "contact",
    "useContext",
    "jurisdiction",
    "caseSensitive",
    "valueSet",
    "hierarchyMeaning",
    "compositional",
    "versionNeeded",
    "content",
    "supplements",
    "count",
    "filter",
    "property",
  ],
};

/** Elements required by the R4 definitions (min > 0) that `_summary=text` and `_elements` must keep. */
const MANDATORY: Readonly<Record<string, readonly string[]>> = {
  Organization: [],
  OrganizationAffiliation: [],
  CodeSystem: ["status", "content"],
};

const ALWAYS = ["resourceType", "id", "meta", "implicitRules"];

/** The R4 "SUBSETTED" tag (http://terminology.hl7.org/CodeSystem/v3-ObservationValue). */
export const SUBSETTED_TAG: fhir4.Coding = {
  system: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
  code: "SUBSETTED",
  display: "Resource encoded in summary mode",
};

type Json = Record<string, unknown>;

function keep(resource: Json, names: ReadonlySet<string>): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (names.has(key)) {
      out[key] = value;
    }
  }
  const meta = (typeof out.meta === "object" && out.meta !== null ? out.meta : {}) as Json;
  const tags = Array.isArray(meta.tag) ? (meta.tag as fhir4.Coding[]) : [];
  if (!tags.some((t) => t.code === SUBSETTED_TAG.code && t.system === SUBSETTED_TAG.system)) {
    out.meta = { ...meta, tag: [...tags, SUBSETTED_TAG] };
  }
  return out;
}

/** Applies `_summary` (true/text/data; count and false keep the resource whole) to one resource. */
export function applySummary(resource: Json, mode: SummaryMode): Json {
  const type = typeof resource.resourceType === "string" ? resource.resourceType : "";
  switch (mode) {
    case "false":
    case "count":
      return resource;
    case "true":
      return keep(resource, new Set([...ALWAYS, ...(SUMMARY_ELEMENTS[type] ?? [])]));
    case "text":
      return keep(resource, new Set([...ALWAYS, "text", ...(MANDATORY[type] ?? [])]));
    case "data": {
      const names = new Set(Object.keys(resource).filter((k) => k !== "text"));
      return keep(resource, names);
    }
  }
}

/** Applies `_elements` to one resource, keeping mandatory elements and tagging it SUBSETTED. */
export function applyElements(resource: Json, elements: readonly string[]): Json {
  const type = typeof resource.resourceType === "string" ? resource.resourceType : "";
  return keep(resource, new Set([...ALWAYS, ...(MANDATORY[type] ?? []), ...elements]));
}
