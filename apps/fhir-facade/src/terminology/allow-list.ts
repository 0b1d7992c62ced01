import { TerminologyGatewayError } from "./errors.js";

/** The resource types the gateway forwards. */
export type TerminologyType = "CodeSystem" | "ValueSet" | "ConceptMap";

/** A request the allow-list accepted, and the exact path it will have on the upstream base. */
export type TerminologyRoute =
  | { readonly kind: "metadata"; readonly upstreamPath: "/metadata" }
  | { readonly kind: "search"; readonly type: TerminologyType; readonly upstreamPath: string }
  | {
      readonly kind: "read";
      readonly type: TerminologyType;
      readonly id: string;
      readonly upstreamPath: string;
    }
  | {
      readonly kind: "vread";
      readonly type: TerminologyType;
      readonly id: string;
      readonly vid: string;
      readonly upstreamPath: string;
    }
  | {
      readonly kind: "operation";
      readonly type: TerminologyType;
      readonly id: string | undefined;
      readonly operation: string;
      readonly upstreamPath: string;
    };

/**
 * The operations forwarded per type: all read-only by definition (FHIR R4 terminology-service.html). `$closure`
 * (stateful) and everything else are refused.
 */
export const TERMINOLOGY_OPERATIONS: Readonly<Record<TerminologyType, readonly string[]>> = {
  CodeSystem: ["$lookup", "$validate-code", "$subsumes"],
  ValueSet: ["$expand", "$validate-code"],
  ConceptMap: ["$translate"],
};

const TYPES = new Set<string>(["CodeSystem", "ValueSet", "ConceptMap"]);
/** FHIR R4 `id`: `[A-Za-z0-9\-\.]{1,64}` (datatypes.html#id); ids made only of dots are refused (`.`, `..`). */
const ID = /^(?!\.+$)[A-Za-z0-9\-.]{1,64}$/;
const READ_METHODS = new Set(["GET", "HEAD"]);

function notAllowed(path: string): TerminologyGatewayError {
  return new TerminologyGatewayError(
    "not-allowed",
    `The terminology gateway does not forward '${truncate(path)}'`,
  );
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * Classifies a request under the FHIR base. `path` is the raw (still percent-encoded) path after the base, e.g.
 * `/CodeSystem/$lookup`; `query` the raw query string without `?`. Returns `undefined` when the path is not a
 * terminology path at all (the app's other routes handle it), a route, or throws {@link TerminologyGatewayError}
 * for a terminology path that is not allowed. Nothing here decodes a path segment: only literal ids and
 * operation names pass, so encoded slashes, `..`, backslashes and empty segments can never reach the upstream.
 */
export function classifyTerminologyRequest(
  method: string,
  path: string,
  query: string,
): TerminologyRoute | undefined {
  const segments = path.split("/").slice(1);
  const [type, second, third, fourth] = segments;
  if (segments.length === 1 && type === "metadata") {
    const mode = new URLSearchParams(query).get("mode");
    if (mode !== "terminology") {
      return undefined;
    }
    if (!READ_METHODS.has(method)) {
      throw new TerminologyGatewayError("method-not-allowed", `${method} is not allowed on /metadata`);
    }
    return { kind: "metadata", upstreamPath: "/metadata" };
  }
  if (type === undefined || !TYPES.has(type)) {
    return undefined;
  }
  const t = type as TerminologyType;
  const operation = (segment: string | undefined): string | undefined => {
    const op = segment?.replace(/^%24/i, "$");
    return op !== undefined && TERMINOLOGY_OPERATIONS[t].includes(op) ? op : undefined;
  };
  const requireMethods = (allowed: readonly string[]): void => {
    if (!allowed.includes(method)) {
      throw new TerminologyGatewayError(
        "method-not-allowed",
        `${method} is not allowed on ${truncate(path)}`,
      );
    }
  };
  if (segments.length === 1) {
    requireMethods(["GET", "HEAD"]);
    return { kind: "search", type: t, upstreamPath: `/${t}` };
  }
  if (segments.length === 2 && second === "_search") {
    requireMethods(["POST"]);
    return { kind: "search", type: t, upstreamPath: `/${t}/_search` };
  }
  const typeOp = operation(second);
  if (segments.length === 2 && typeOp !== undefined) {
    requireMethods(["GET", "HEAD", "POST"]);
    return { kind: "operation", type: t, id: undefined, operation: typeOp, upstreamPath: `/${t}/${typeOp}` };
  }
  if (second === undefined || !ID.test(second)) {
    throw notAllowed(path);
  }
  if (segments.length === 2) {
    requireMethods(["GET", "HEAD"]);
    return { kind: "read", type: t, id: second, upstreamPath: `/${t}/${second}` };
  }
  const instanceOp = operation(third);
  if (segments.length === 3 && instanceOp !== undefined) {
    requireMethods(["GET", "HEAD", "POST"]);
    return {
      kind: "operation",
      type: t,
      id: second,
      operation: instanceOp,
      upstreamPath: `/${t}/${second}/${instanceOp}`,
    };
  }
  if (segments.length === 4 && third === "_history" && fourth !== undefined && ID.test(fourth)) {
    requireMethods(["GET", "HEAD"]);
    return {
      kind: "vread",
      type: t,
      id: second,
      vid: fourth,
      upstreamPath: `/${t}/${second}/_history/${fourth}`,
    };
  }
  throw notAllowed(path);
}

/**
 * Whether a request may be repeated after a 429/5xx: GET and HEAD, and POSTs of the allow-listed operations and
 * `_search`, which are read-only by definition (FHIR R4 operations.html: `affectsState` false).
 */
export function isIdempotent(method: string, route: TerminologyRoute): boolean {
  return method === "GET" || method === "HEAD" || route.kind === "operation" || route.kind === "search";
}
