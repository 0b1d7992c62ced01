import { ODS_ORGANIZATION_CODE_SYSTEM } from "./ods-code-systems.js";
import type { FhirRequest } from "./request.js";

/**
 * Whether a request belongs to the terminology gateway rather than to the ODS engine: ValueSet and ConceptMap,
 * `metadata?mode=terminology`, and CodeSystem requests that do not name an ODS code system (by `system`/`url`
 * parameter, `coding=system|code`, or by id). ODS code systems are always answered locally; a POSTed operation
 * naming its system only in the body is decided by the gateway, which hands ODS ones back (see app.ts).
 */
export function isTerminologyRequest(
  request: FhirRequest,
  odsCodeSystems: readonly fhir4.CodeSystem[],
): boolean {
  const [type, second] = request.segments;
  if (type === "ValueSet" || type === "ConceptMap") {
    return true;
  }
  if (type === "metadata") {
    return request.params.some(([k, v]) => k === "mode" && v === "terminology");
  }
  if (type !== "CodeSystem") {
    return false;
  }
  const isOds = (url: string): boolean =>
    url === ODS_ORGANIZATION_CODE_SYSTEM || odsCodeSystems.some((cs) => cs.url === url);
  const systems = request.params
    .filter(([k, v]) => k === "system" || k === "url" || (k === "coding" && v.includes("|")))
    .map(([, v]) => v.split("|")[0] ?? v);
  if (systems.length > 0) {
    return !systems.every(isOds);
  }
  if (second !== undefined && second !== "" && !second.startsWith("$") && !second.startsWith("_")) {
    return !(second === "ods-organization-code" || odsCodeSystems.some((cs) => cs.id === second));
  }
  // CodeSystem searches and operations without a system: the gateway sees the whole terminology server.
  return true;
}
