import { isRecord } from "./fhir-params.js";

/**
 * A small FHIR JSON → XML serialiser, enough for the fake's own answers (Parameters, Bundles, terminology
 * resources): primitives become `value` attributes, arrays repeat the element, nested resources are wrapped in
 * an element named after their type, and `url` of an extension is an attribute (FHIR R4 xml.html). Primitive
 * extensions (`_name`) and narrative are not needed by the fake and are dropped.
 */
export function toFhirXml(resource: Record<string, unknown>): string {
  const type = typeof resource.resourceType === "string" ? resource.resourceType : "Resource";
  return `<?xml version="1.0" encoding="UTF-8"?>${resourceXml(type, resource, true)}`;
}

function resourceXml(type: string, resource: Record<string, unknown>, root: boolean): string {
  const ns = root ? ' xmlns="http://hl7.org/fhir"' : ' xmlns="http://hl7.org/fhir"';
  return `<${type}${ns}>${children(resource)}</${type}>`;
}

function children(value: Record<string, unknown>): string {
  let out = "";
  for (const [key, item] of Object.entries(value)) {
    if (key === "resourceType" || key.startsWith("_") || key === "text") {
      continue;
    }
    const items = Array.isArray(item) ? (item as unknown[]) : [item];
    for (const one of items) {
      out += element(key, one);
    }
  }
  return out;
}

function element(key: string, value: unknown): string {
  if (isRecord(value)) {
    if (typeof value.resourceType === "string") {
      return `<${key}>${resourceXml(value.resourceType, value, false)}</${key}>`;
    }
    if ((key === "extension" || key === "modifierExtension") && typeof value.url === "string") {
      const { url, ...rest } = value;
      return `<${key} url="${escape(url)}">${children(rest)}</${key}>`;
    }
    return `<${key}>${children(value)}</${key}>`;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return `<${key} value="${escape(String(value))}"/>`;
  }
  return "";
}

function escape(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Whether a request asks for XML, by `_format` or `Accept` (FHIR R4 http.html#mime-type). */
export function wantsXml(format: string | null, accept: string | undefined): boolean {
  if (format !== null) {
    return format === "xml" || format.includes("xml");
  }
  const value = (accept ?? "").toLowerCase();
  return value.includes("xml") && !value.includes("json");
}
