import { isRecord } from "./fhir-params.js";
import { readTerminologyFixture } from "./fixture-file.js";

/** A FHIR resource as plain JSON (the testkit does not depend on FHIR types). */
export type JsonResource = Record<string, unknown> & { readonly resourceType: string; readonly id: string };

/**
 * One response recorded from a real Ontoserver (Pathling's WireMock mappings of tx.ontoserver.csiro.au,
 * `fixtures/terminology/ontoserver/*.wiremock.json`): the operation, the identifying parameters, and the exact
 * body and ETag it answered with.
 */
export interface RecordedAnswer {
  /** `CodeSystem/$lookup`, `ValueSet/$validate-code`... */
  readonly operation: string;
  readonly params: readonly (readonly [string, string])[];
  readonly status: number;
  readonly body: string;
  readonly etag: string;
}

/** What the fake Terminology Server knows: full resources plus recorded answers about SNOMED CT. */
export interface TerminologyContent {
  readonly codeSystems: readonly JsonResource[];
  readonly valueSets: readonly JsonResource[];
  readonly conceptMaps: readonly JsonResource[];
  readonly recorded: readonly RecordedAnswer[];
  /** The real search Bundle for `CodeSystem?url=http://snomed.info/sct` (its base is replaced by the fake's). */
  readonly snomedCodeSystemSearch: Record<string, unknown>;
  /** The real `$expand` of an implicit SNOMED CT value set, answered for any `http://snomed.info/sct?fhir_vs...`. */
  readonly snomedExpansion: Record<string, unknown>;
}

const RECORDINGS = [
  "ontoserver/lookup-200.wiremock.json",
  "ontoserver/subsumes-200.wiremock.json",
  "ontoserver/translate-200.wiremock.json",
  "ontoserver/validate-code-200.wiremock.json",
  "ontoserver/validate-code-404.wiremock.json",
];

/** Parameters that do not identify a recorded answer (defaults or output selectors). */
const NON_IDENTIFYING = new Set(["property", "reverse"]);

/** Loads the default content from `fixtures/terminology/` (HL7 test code systems + Ontoserver recordings). */
export function loadDefaultTerminologyContent(): TerminologyContent {
  const resource = (path: string): JsonResource => {
    const doc = readTerminologyFixture(path);
    if (!isRecord(doc) || typeof doc.resourceType !== "string" || typeof doc.id !== "string") {
      throw new Error(`fixture ${path} is not a FHIR resource with an id`);
    }
    return doc as JsonResource;
  };
  return {
    codeSystems: [
      resource("hl7-simple/codesystem-simple.json"),
      resource("hl7-simple/codesystem-source.json"),
    ],
    valueSets: [resource("hl7-simple/valueset-all.json")],
    conceptMaps: [resource("hl7-simple/ConceptMap-full.json")],
    recorded: RECORDINGS.map(readRecording),
    snomedCodeSystemSearch: readTerminologyFixture("ontoserver/codesystem-search-sct.Bundle.json") as Record<
      string,
      unknown
    >,
    snomedExpansion: readTerminologyFixture("ontoserver/expand-intersect.ValueSet.json") as Record<
      string,
      unknown
    >,
  };
}

function readRecording(path: string): RecordedAnswer {
  const doc = readTerminologyFixture(path);
  if (!isRecord(doc) || !isRecord(doc.request) || !isRecord(doc.response)) {
    throw new Error(`fixture ${path} is not a WireMock mapping`);
  }
  const url = new URL(String(doc.request.url), "http://recorded.invalid");
  const headers = isRecord(doc.response.headers) ? doc.response.headers : {};
  return {
    operation: url.pathname.replace(/^\/fhir\//, ""),
    params: [...url.searchParams].filter(([name]) => !NON_IDENTIFYING.has(name)),
    status: Number(doc.response.status),
    body: typeof doc.response.body === "string" ? doc.response.body : "",
    etag: typeof headers.ETag === "string" ? headers.ETag : 'W/"0"',
  };
}

/** The recorded answer whose identifying parameters all appear in the request, if any. */
export function findRecorded(
  content: TerminologyContent,
  operation: string,
  request: readonly (readonly [string, string])[],
): RecordedAnswer | undefined {
  return content.recorded.find(
    (answer) =>
      answer.operation === operation &&
      answer.params.every(([name, value]) => request.some(([n, v]) => n === name && v === value)),
  );
}
