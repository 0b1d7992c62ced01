import { randomUUID } from "node:crypto";

import { isRecord, param } from "./fhir-params.js";
import type { OperationParams } from "./fhir-params.js";
import { findRecorded } from "./terminology-content.js";
import type { JsonResource, TerminologyContent } from "./terminology-content.js";

/** An operation's answer before headers and serialisation: a JSON document or recorded JSON text. */
export interface OperationResult {
  readonly status: number;
  readonly body: Record<string, unknown> | string;
  /** A recorded answer's own ETag (otherwise the server's content version is used). */
  readonly etag?: string;
}

interface Concept {
  readonly code: string;
  readonly display?: string;
  readonly definition?: string;
  readonly designation?: unknown[];
  readonly property?: unknown[];
  readonly parent?: string;
}

/** An Ontoserver-style OperationOutcome: diagnostics prefixed with a request UUID (upstream-terminology.md §3). */
export function outcome(status: number, code: string, diagnostics: string): OperationResult {
  return {
    status,
    body: {
      resourceType: "OperationOutcome",
      issue: [{ severity: "error", code, diagnostics: `[${randomUUID()}]: ${diagnostics}` }],
    },
  };
}

function flatten(cs: JsonResource): Map<string, Concept> {
  const out = new Map<string, Concept>();
  const walk = (list: unknown, parent: string | undefined): void => {
    if (!Array.isArray(list)) {
      return;
    }
    for (const item of list as unknown[]) {
      if (isRecord(item) && typeof item.code === "string") {
        out.set(item.code, { ...(item as unknown as Concept), ...(parent === undefined ? {} : { parent }) });
        walk(item.concept, item.code);
      }
    }
  };
  walk(cs.concept, undefined);
  return out;
}

function codeSystemFor(
  content: TerminologyContent,
  system: string | undefined,
  id?: string,
): JsonResource | undefined {
  return content.codeSystems.find((cs) => (id !== undefined ? cs.id === id : cs.url === system));
}

/** `CodeSystem/$lookup` (FHIR R4 operation-codesystem-lookup). */
export function lookup(content: TerminologyContent, input: OperationParams): OperationResult {
  const recorded = findRecorded(content, "CodeSystem/$lookup", input);
  if (recorded) {
    return { status: recorded.status, body: recorded.body, etag: recorded.etag };
  }
  const system = param(input, "system");
  const code = param(input, "code");
  if (system === undefined || code === undefined) {
    return outcome(400, "invalid", "Unable to find code to lookup: no system and code or coding provided");
  }
  const cs = codeSystemFor(content, system);
  const concept = cs ? flatten(cs).get(code) : undefined;
  if (!cs || !concept) {
    return outcome(404, "not-found", `Unable to find code ${code} in ${system}`);
  }
  const parameter: unknown[] = [
    { name: "name", valueString: cs.name },
    { name: "version", valueString: cs.version },
    { name: "display", valueString: concept.display },
    { name: "code", valueCode: concept.code },
  ];
  if (concept.definition !== undefined) {
    parameter.push({ name: "definition", valueString: concept.definition });
  }
  if (concept.parent !== undefined) {
    parameter.push({
      name: "property",
      part: [
        { name: "code", valueCode: "parent" },
        { name: "value", valueCode: concept.parent },
      ],
    });
  }
  return { status: 200, body: { resourceType: "Parameters", parameter } };
}

/** `CodeSystem/$validate-code` and `ValueSet/$validate-code`. */
export function validateCode(
  content: TerminologyContent,
  input: OperationParams,
  target: { readonly type: "CodeSystem" | "ValueSet"; readonly id?: string },
): OperationResult {
  const recorded = findRecorded(content, `${target.type}/$validate-code`, input);
  if (recorded) {
    return { status: recorded.status, body: recorded.body, etag: recorded.etag };
  }
  const url = param(input, "url");
  const code = param(input, "code");
  let system = param(input, "system");
  if (code === undefined) {
    return outcome(400, "invalid", "No code, coding or codeableConcept provided");
  }
  if (target.type === "ValueSet") {
    const vs = content.valueSets.find((v) => (target.id !== undefined ? v.id === target.id : v.url === url));
    if (!vs) {
      return outcome(
        404,
        "not-found",
        `Could not find value set ${url ?? target.id ?? "null"} and version null. If this is an implicit value set please make sure the url is correct.`,
      );
    }
    const include =
      isRecord(vs.compose) && Array.isArray(vs.compose.include) ? (vs.compose.include as unknown[]) : [];
    const first = include.find(isRecord);
    system ??= typeof first?.system === "string" ? first.system : undefined;
  } else {
    system = codeSystemFor(content, url ?? system, target.id)?.url as string | undefined;
  }
  const cs = codeSystemFor(content, system);
  const concept = cs ? flatten(cs).get(code) : undefined;
  const parameter: unknown[] = [{ name: "result", valueBoolean: concept !== undefined }];
  if (concept) {
    parameter.push({ name: "display", valueString: concept.display });
  } else {
    parameter.push({
      name: "message",
      valueString: `Unknown code '${code}' in the system '${system ?? "null"}'`,
    });
  }
  return { status: 200, body: { resourceType: "Parameters", parameter } };
}

/** `CodeSystem/$subsumes`. */
export function subsumes(content: TerminologyContent, input: OperationParams, id?: string): OperationResult {
  const recorded = findRecorded(content, "CodeSystem/$subsumes", input);
  if (recorded) {
    return { status: recorded.status, body: recorded.body, etag: recorded.etag };
  }
  const cs = codeSystemFor(content, param(input, "system"), id);
  const codeA = param(input, "codeA");
  const codeB = param(input, "codeB");
  if (!cs || codeA === undefined || codeB === undefined) {
    return outcome(400, "invalid", "Unable to determine subsumption: system, codeA and codeB are required");
  }
  const concepts = flatten(cs);
  if (!concepts.has(codeA) || !concepts.has(codeB)) {
    return outcome(
      404,
      "not-found",
      `Unable to find code ${concepts.has(codeA) ? codeB : codeA} in ${String(cs.url)}`,
    );
  }
  const ancestors = (code: string): Set<string> => {
    const seen = new Set<string>();
    for (let c = concepts.get(code)?.parent; c !== undefined; c = concepts.get(c)?.parent) {
      seen.add(c);
    }
    return seen;
  };
  const result =
    codeA === codeB
      ? "equivalent"
      : ancestors(codeB).has(codeA)
        ? "subsumes"
        : ancestors(codeA).has(codeB)
          ? "subsumed-by"
          : "not-subsumed";
  return {
    status: 200,
    body: { resourceType: "Parameters", parameter: [{ name: "outcome", valueCode: result }] },
  };
}

/** `ValueSet/$expand`: `filter` (text), `count` and `offset`; implicit SNOMED CT value sets answer the recording. */
export function expand(content: TerminologyContent, input: OperationParams, id?: string): OperationResult {
  const url = param(input, "url");
  if (id === undefined && url?.startsWith("http://snomed.info/sct") === true && url.includes("?fhir_vs")) {
    return { status: 200, body: content.snomedExpansion };
  }
  const vs = content.valueSets.find((v) => (id !== undefined ? v.id === id : v.url === url));
  if (!vs) {
    return outcome(404, "not-found", `Unable to find value set ${url ?? id ?? "null"}`);
  }
  const include =
    isRecord(vs.compose) && Array.isArray(vs.compose.include) ? (vs.compose.include as unknown[]) : [];
  const filter = param(input, "filter")?.toLowerCase();
  const all: Record<string, unknown>[] = [];
  for (const inc of include.filter(isRecord)) {
    const cs = codeSystemFor(content, typeof inc.system === "string" ? inc.system : undefined);
    for (const concept of cs ? flatten(cs).values() : []) {
      if (filter === undefined || (concept.display ?? "").toLowerCase().includes(filter)) {
        all.push({ system: cs?.url, code: concept.code, display: concept.display });
      }
    }
  }
  const offset = Number(param(input, "offset") ?? 0);
  const count = Number(param(input, "count") ?? all.length);
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0) {
    return outcome(400, "invalid", "count and offset must be non-negative integers");
  }
  const { compose: _compose, ...rest } = vs;
  return {
    status: 200,
    body: {
      ...rest,
      expansion: {
        identifier: randomUUID(),
        timestamp: new Date().toISOString(),
        total: all.length,
        offset,
        parameter: [
          { name: "count", valueInteger: count },
          { name: "offset", valueInteger: offset },
        ],
        contains: all.slice(offset, offset + count),
      },
    },
  };
}

const EQUIVALENCE: Readonly<Record<string, string>> = {
  equivalent: "equivalent",
  "source-is-broader-than-target": "wider",
  "source-is-narrower-than-target": "narrower",
  "not-related-to": "disjoint",
  "related-to": "relatedto",
};

/** `ConceptMap/$translate`, forward only, over the loaded ConceptMaps (R5-shaped in the HL7 fixtures). */
export function translate(content: TerminologyContent, input: OperationParams, id?: string): OperationResult {
  const recorded = findRecorded(content, "ConceptMap/$translate", input);
  if (recorded) {
    return { status: recorded.status, body: recorded.body, etag: recorded.etag };
  }
  const url = param(input, "url");
  const code = param(input, "code");
  const system = param(input, "system");
  const map = content.conceptMaps.find((m) => (id !== undefined ? m.id === id : m.url === url));
  if (!map && (id !== undefined || url !== undefined)) {
    return outcome(404, "not-found", `Unable to find ConceptMap with URI ${url ?? id ?? "null"}`);
  }
  const matches: unknown[] = [];
  const groups = map && Array.isArray(map.group) ? (map.group as unknown[]).filter(isRecord) : [];
  for (const group of groups) {
    if (system !== undefined && group.source !== system) {
      continue;
    }
    const elements = Array.isArray(group.element) ? (group.element as unknown[]).filter(isRecord) : [];
    for (const element of elements.filter((e) => e.code === code)) {
      const targets = Array.isArray(element.target) ? (element.target as unknown[]).filter(isRecord) : [];
      for (const t of targets) {
        const relationship = typeof t.relationship === "string" ? t.relationship : "equivalent";
        matches.push({
          name: "match",
          part: [
            { name: "equivalence", valueCode: EQUIVALENCE[relationship] ?? relationship },
            { name: "concept", valueCoding: { system: group.target, code: t.code } },
            { name: "source", valueString: map?.url },
          ],
        });
      }
    }
  }
  const parameter: unknown[] = [{ name: "result", valueBoolean: matches.length > 0 }, ...matches];
  if (matches.length === 0) {
    parameter.push({ name: "message", valueString: `No mappings found for ${system ?? ""}|${code ?? ""}` });
  }
  return { status: 200, body: { resourceType: "Parameters", parameter } };
}
