import { TERMINOLOGY_OPERATIONS } from "./allow-list.js";
import type { TerminologyType } from "./allow-list.js";

const SEARCH_PARAMS: readonly fhir4.CapabilityStatementRestResourceSearchParam[] = [
  { name: "url", type: "uri", definition: "http://hl7.org/fhir/SearchParameter/conformance-url" },
  { name: "version", type: "token", definition: "http://hl7.org/fhir/SearchParameter/conformance-version" },
  { name: "name", type: "string", definition: "http://hl7.org/fhir/SearchParameter/conformance-name" },
  { name: "title", type: "string", definition: "http://hl7.org/fhir/SearchParameter/conformance-title" },
  { name: "status", type: "token", definition: "http://hl7.org/fhir/SearchParameter/conformance-status" },
];

function operations(type: TerminologyType): fhir4.CapabilityStatementRestResourceOperation[] {
  return TERMINOLOGY_OPERATIONS[type].map((op) => ({
    name: op.slice(1),
    definition: `http://hl7.org/fhir/OperationDefinition/${type}-${op.slice(1)}`,
  }));
}

/**
 * What the terminology gateway adds to the facade's CapabilityStatement (so `/metadata` shows both the ODS API
 * and the terminology pass-through): ValueSet and ConceptMap entries, and the CodeSystem operations and search
 * the gateway forwards. The search parameters listed are those Ontoserver documents for its conformance
 * resources (upstream-terminology.md §3).
 */
export function terminologyCapabilityResources(): fhir4.CapabilityStatementRestResource[] {
  return (["ValueSet", "ConceptMap"] as const).map((type) => ({
    type,
    documentation: "Passed through to the NHS England Terminology Server (cached).",
    interaction: [{ code: "read" }, { code: "vread" }, { code: "search-type" }],
    searchParam: [...SEARCH_PARAMS],
    operation: operations(type),
  }));
}

/** Extends the facade's own CodeSystem entry with what the gateway forwards (operations, search parameters). */
export function withTerminologyCodeSystem(
  resource: fhir4.CapabilityStatementRestResource,
): fhir4.CapabilityStatementRestResource {
  const ops = new Map((resource.operation ?? []).map((o) => [o.name, o]));
  for (const op of operations("CodeSystem")) {
    if (!ops.has(op.name)) {
      ops.set(op.name, op);
    }
  }
  const names = new Set((resource.searchParam ?? []).map((p) => p.name));
  return {
    ...resource,
    documentation:
      "ODS code systems are answered locally; every other code system is passed through to the NHS England Terminology Server.",
    searchParam: [...(resource.searchParam ?? []), ...SEARCH_PARAMS.filter((p) => !names.has(p.name))],
    operation: [...ops.values()],
  };
}
