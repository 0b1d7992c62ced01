import { createHash } from "node:crypto";

/** Operation or search parameters as (name, value) pairs. */
export type ParamPairs = readonly (readonly [string, string])[];

/** Media types of POST bodies the gateway forwards (FHIR R4 http.html#mime-type, operations.html). */
export type BodyKind = "json" | "xml" | "form";

/** The kind of a request body by its `Content-Type`, or `undefined` for anything else (→ 415). */
export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  switch (type) {
    case "application/fhir+json":
    case "application/json":
    case "application/json+fhir":
      return "json";
    case "application/fhir+xml":
    case "application/xml":
    case "text/xml":
    case "application/xml+fhir":
      return "xml";
    case "application/x-www-form-urlencoded":
      return "form";
    default:
      return undefined;
  }
}

/**
 * Reads the parameters of a request in one form whatever way they were sent: query string, form body, or a
 * JSON `Parameters` resource (primitive `value[x]` as text; complex values, `part` and `resource` as canonical
 * JSON). Returns `undefined` when the body cannot be read this way (XML, malformed JSON, not a Parameters
 * resource, nesting too deep): such requests are keyed by a hash of their bytes instead and never share an entry.
 */
export function readParams(query: string, body?: { kind: BodyKind; bytes: Buffer }): ParamPairs | undefined {
  const pairs: [string, string][] = [...new URLSearchParams(query)];
  if (body === undefined || body.bytes.length === 0) {
    return pairs;
  }
  if (body.kind === "form") {
    pairs.push(...new URLSearchParams(body.bytes.toString("utf8")));
    return pairs;
  }
  if (body.kind === "xml") {
    // Keyed by its bytes: FHIR.js reads XML leniently (unknown elements and a foreign namespace are dropped, a
    // repeated value keeps the last), so pairs read from it could describe another request than the one the
    // upstream receives, and one caller's answer would be served for another's call.
    return undefined;
  }
  try {
    return readJsonParameters(body.bytes, pairs);
  } catch {
    // Malformed JSON, or nesting deep enough to exhaust the stack in stableJson: keyed by the bytes instead.
    return undefined;
  }
}

function readJsonParameters(bytes: Buffer, pairs: [string, string][]): ParamPairs | undefined {
  const doc: unknown = JSON.parse(bytes.toString("utf8"));
  if (!isRecord(doc) || doc.resourceType !== "Parameters") {
    return undefined;
  }
  for (const item of Array.isArray(doc.parameter) ? (doc.parameter as unknown[]) : []) {
    if (!isRecord(item) || typeof item.name !== "string") {
      return undefined;
    }
    for (const [key, value] of Object.entries(item)) {
      if (key.startsWith("value")) {
        pairs.push([
          item.name,
          typeof value === "string" || typeof value === "number" || typeof value === "boolean"
            ? String(value)
            : stableJson(value),
        ]);
      } else if (key === "resource" || key === "part") {
        pairs.push([item.name, `${key}:${stableJson(value)}`]);
      }
    }
  }
  return pairs;
}

/**
 * The cache key of a safe request: method-normalised path + the parameters sorted (order-insensitive, so the GET
 * and POST forms of one call meet) + the normalised `Accept` and `Accept-Language`.
 */
export function cacheKey(input: {
  readonly upstreamPath: string;
  readonly params: ParamPairs | undefined;
  readonly rawBody: Buffer | undefined;
  readonly accept: string | undefined;
  readonly acceptLanguage: string | undefined;
}): string {
  const canonical =
    input.params === undefined
      ? `#body:${createHash("sha256")
          .update(input.rawBody ?? Buffer.alloc(0))
          .digest("base64url")}`
      : [...input.params]
          .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
          .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
          .join("&");
  return `${input.upstreamPath}?${canonical}\n${normaliseHeader(input.accept)}\n${normaliseHeader(input.acceptLanguage)}`;
}

function normaliseHeader(value: string | undefined): string {
  return (value ?? "").toLowerCase().replace(/\s+/g, "");
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableJson).join(",")}]`;
  }
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(",")}}`;
  }
  return value === undefined ? "null" : JSON.stringify(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every value a request gives for `system`, `url` or inside a `coding`/`codingA`/`codingB` (for local routing). */
export function systemsOf(params: ParamPairs): string[] {
  const out: string[] = [];
  for (const [name, value] of params) {
    if (name === "system" || name === "url") {
      out.push(value);
    } else if (name === "coding" || name === "codingA" || name === "codingB") {
      const match = /"system":"([^"]*)"/.exec(value);
      if (match?.[1] !== undefined) {
        out.push(match[1]);
      }
      const bar = value.indexOf("|");
      if (bar > 0 && !value.startsWith("{")) {
        out.push(value.slice(0, bar)); // `coding=system|code` on GET (HAPI/Ontoserver accept it)
      }
    }
  }
  return out;
}
