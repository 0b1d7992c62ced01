import { FhirError } from "../fhir/errors.js";

/**
 * Server-driven content negotiation (R4 http.html "Content Types and encodings"): `_format` overrides
 * `Accept`; FHIR and generic JSON/XML types; `*` / missing = FHIR JSON; the `fhirVersion` media-type parameter
 * must name 4.0 (R4) or the range is unacceptable (406).
 */
export interface WireFormat {
  readonly format: "json" | "xml";
  /** The full response Content-Type, e.g. `application/fhir+json; fhirVersion=4.0; charset=utf-8`. */
  readonly contentType: string;
}

export const FHIR_JSON: WireFormat = {
  format: "json",
  contentType: "application/fhir+json; fhirVersion=4.0; charset=utf-8",
};
export const FHIR_XML: WireFormat = {
  format: "xml",
  contentType: "application/fhir+xml; fhirVersion=4.0; charset=utf-8",
};
const GENERIC_JSON: WireFormat = { format: "json", contentType: "application/json; charset=utf-8" };
const GENERIC_XML: WireFormat = { format: "xml", contentType: "application/xml; charset=utf-8" };

const TYPES: Readonly<Record<string, WireFormat>> = {
  "application/fhir+json": FHIR_JSON,
  "application/json+fhir": FHIR_JSON,
  "application/json": GENERIC_JSON,
  "text/json": GENERIC_JSON,
  "application/fhir+xml": FHIR_XML,
  "application/xml+fhir": FHIR_XML,
  "application/xml": GENERIC_XML,
  "text/xml": GENERIC_XML,
  "*/*": FHIR_JSON,
  "application/*": FHIR_JSON,
};

const FORMAT_SHORT: Readonly<Record<string, WireFormat>> = { json: FHIR_JSON, xml: FHIR_XML };

/** One parsed media range. */
export interface MediaRange {
  readonly type: string;
  readonly q: number;
  readonly params: ReadonlyMap<string, string>;
}

/** Parses a media type or an Accept list (RFC 9110 §12.5.1); malformed ranges are dropped. */
export function parseMediaRanges(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(",").slice(0, 32)) {
    const [rawType = "", ...rawParams] = part.split(";");
    const type = rawType.trim().toLowerCase();
    if (!/^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type)) {
      continue;
    }
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf("=");
      if (eq < 0) {
        continue;
      }
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
      if (key === "q") {
        const n = Number(value);
        q = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      } else {
        params.set(key, value);
      }
    }
    out.push({ type, q, params });
  }
  return out;
}

/** Whether a `fhirVersion` parameter value names R4 (4.0 / 4.0.x). Absent = fine. */
export function isR4Version(value: string | undefined): boolean {
  return value === undefined || value === "4.0" || /^4\.0\.\d+$/.test(value);
}

function fromFormatParam(value: string): WireFormat {
  const short = FORMAT_SHORT[value.toLowerCase()];
  if (short !== undefined) {
    return short;
  }
  const [range] = parseMediaRanges(value.replace(/ /g, "+"));
  const wire = range === undefined ? undefined : TYPES[range.type];
  if (range === undefined || wire === undefined || range.type.includes("*")) {
    throw new FhirError(
      "not-acceptable",
      `_format=${value} is not supported (json, xml, application/fhir+json, application/fhir+xml)`,
    );
  }
  if (!isR4Version(range.params.get("fhirversion"))) {
    throw new FhirError(
      "not-acceptable",
      `_format asks for FHIR version ${range.params.get("fhirversion") ?? ""}; this server is R4 (4.0)`,
    );
  }
  return wire;
}

/** Chooses the response format, or throws `not-acceptable` (406). */
export function negotiate(accept: string | undefined, formatParam: string | undefined): WireFormat {
  if (formatParam !== undefined && formatParam !== "") {
    return fromFormatParam(formatParam);
  }
  if (accept === undefined || accept.trim() === "") {
    return FHIR_JSON;
  }
  const ranges = parseMediaRanges(accept)
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.q > 0)
    .sort((a, b) => b.r.q - a.r.q || a.i - b.i);
  let wrongVersion: string | undefined;
  for (const { r } of ranges) {
    const wire = TYPES[r.type];
    if (wire === undefined) {
      continue;
    }
    const version = r.params.get("fhirversion");
    if (!isR4Version(version)) {
      wrongVersion = version;
      continue;
    }
    return wire;
  }
  if (wrongVersion !== undefined) {
    throw new FhirError(
      "not-acceptable",
      `Accept asks for FHIR version ${wrongVersion}; this server is R4 (fhirVersion=4.0)`,
    );
  }
  throw new FhirError(
    "not-acceptable",
    "Accept names no supported format (application/fhir+json, application/fhir+xml, application/json, application/xml)",
  );
}
