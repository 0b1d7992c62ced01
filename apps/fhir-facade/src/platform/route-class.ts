import type { Interaction } from "./auth/scopes.js";

/**
 * What a request is, for access control and for the low-cardinality `route` label of logs and metrics.
 *
 * - `open`: no credential needed (health, readiness, the CapabilityStatement — SMART clients must be able
 *   to read `/metadata` before they authenticate).
 * - `metrics`: `/metrics` (scope `system/metrics.read` unless public).
 * - `fhir`: a FHIR interaction on `resource` (absent for the base or an unrecognised shape).
 */
export interface RouteClass {
  readonly kind: "open" | "metrics" | "fhir" | "other";
  /** A path pattern such as `/fhir/Organization/:id`; never the raw path. */
  readonly route: string;
  readonly resource?: string;
  readonly interaction: Interaction;
}

const RESOURCE = /^[A-Z][A-Za-z]{1,63}$/;
/** Operations named in routes as they are; any other `$name` is folded into `$op` (bounded cardinality). */
const KNOWN_OPS = new Set([
  "$lookup",
  "$validate-code",
  "$subsumes",
  "$expand",
  "$translate",
  "$closure",
  "$meta",
]);
/** Resource types named in routes; others are folded into `:type`. */
const KNOWN_TYPES = new Set([
  "Organization",
  "OrganizationAffiliation",
  "CodeSystem",
  "ValueSet",
  "ConceptMap",
  "NamingSystem",
]);

const OPEN: Readonly<Record<string, string>> = { "/healthz": "/healthz", "/readyz": "/readyz" };

/** Classifies a request path (without query) under the FHIR base `basePath` (default `/fhir`). */
export function classifyRoute(method: string, path: string, basePath = "/fhir"): RouteClass {
  const open = OPEN[path];
  if (open !== undefined) {
    return { kind: "open", route: open, interaction: "read" };
  }
  if (path === "/metrics") {
    return { kind: "metrics", route: "/metrics", interaction: "read" };
  }
  if (path !== basePath && !path.startsWith(`${basePath}/`)) {
    return { kind: "other", route: "other", interaction: "read" };
  }
  const segments = path.slice(basePath.length).split("/").filter(Boolean);
  const [first, second, third] = segments;
  if (first === undefined) {
    return { kind: "fhir", route: basePath, interaction: "search" };
  }
  if (first === "metadata" && segments.length === 1) {
    return { kind: "open", route: `${basePath}/metadata`, interaction: "read" };
  }
  if (!RESOURCE.test(first)) {
    return { kind: "fhir", route: `${basePath}/:other`, interaction: "read" };
  }
  const type = KNOWN_TYPES.has(first) ? first : ":type";
  const at = `${basePath}/${type}`;
  if (second === undefined) {
    return { kind: "fhir", route: at, resource: first, interaction: method === "POST" ? "read" : "search" };
  }
  if (second === "_search" && segments.length === 2) {
    return { kind: "fhir", route: `${at}/_search`, resource: first, interaction: "search" };
  }
  if (second === "_history") {
    return { kind: "fhir", route: `${at}/_history`, resource: first, interaction: "search" };
  }
  if (second.startsWith("$")) {
    return { kind: "fhir", route: `${at}/${op(second)}`, resource: first, interaction: "read" };
  }
  if (third === undefined) {
    return { kind: "fhir", route: `${at}/:id`, resource: first, interaction: "read" };
  }
  if (third.startsWith("$") && segments.length === 3) {
    return { kind: "fhir", route: `${at}/:id/${op(third)}`, resource: first, interaction: "read" };
  }
  if (third === "_history") {
    const vid = segments.length === 4 ? "/:vid" : "";
    return { kind: "fhir", route: `${at}/:id/_history${vid}`, resource: first, interaction: "read" };
  }
  return { kind: "fhir", route: `${at}/:other`, resource: first, interaction: "read" };
}

function op(name: string): string {
  return KNOWN_OPS.has(name) ? name : "$op";
}
