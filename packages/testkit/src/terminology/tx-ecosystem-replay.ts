import { readFileSync } from "node:fs";
import { join } from "node:path";

import { isRecord } from "./fhir-params.js";
import { terminologyFixturePath } from "./fixture-file.js";

/**
 * One HL7 terminology-ecosystem test case, ready to replay: the fake answers `responseBody` (byte for byte) with
 * `status` when it receives `requestBody` on `path` (and the same `Accept-Language`). The expected responses
 * contain the suite's matcher tokens (`$optional$`...): the fake replays them as they are, since the point is to
 * check that a proxy passes bytes through unchanged (HL7/fhir-tx-ecosystem-ig `tests/readme.md`).
 */
export interface TxReplayCase {
  readonly suite: string;
  readonly name: string;
  readonly operation: string;
  /** The path under the FHIR base, e.g. `ValueSet/$expand`. */
  readonly path: string;
  readonly requestBody: string;
  readonly responseBody: string;
  readonly status: number;
  readonly acceptLanguage?: string;
}

/** Where each test-case operation is sent (FHIR R4 operation endpoints). */
export const TX_OPERATION_PATHS: Readonly<Record<string, string>> = {
  expand: "ValueSet/$expand",
  "validate-code": "ValueSet/$validate-code",
  "cs-validate-code": "CodeSystem/$validate-code",
  lookup: "CodeSystem/$lookup",
  translate: "ConceptMap/$translate",
};

/**
 * Loads replayable cases from a tx-ecosystem `tests/` folder layout. Default: the sample of 65 cases checked in
 * under `fixtures/terminology/tx-ecosystem/` (its `cases.json` lists them; see that folder's SOURCES.md). Give
 * `dir` and `manifest` to load from a full copy of the suite (`test-cases.json`).
 */
export function loadTxEcosystemCases(
  options: { readonly dir?: string; readonly manifest?: string } = {},
): TxReplayCase[] {
  const dir = options.dir ?? terminologyFixturePath("tx-ecosystem");
  const doc = JSON.parse(readFileSync(join(dir, options.manifest ?? "cases.json"), "utf8")) as unknown;
  const raw: { suite: string; test: Record<string, unknown> }[] = [];
  if (isRecord(doc) && Array.isArray(doc.cases)) {
    for (const c of doc.cases as unknown[]) {
      if (isRecord(c)) {
        raw.push({ suite: String(c.suite), test: c });
      }
    }
  } else if (isRecord(doc) && Array.isArray(doc.suites)) {
    for (const s of (doc.suites as unknown[]).filter(isRecord)) {
      for (const t of Array.isArray(s.tests) ? (s.tests as unknown[]).filter(isRecord) : []) {
        raw.push({ suite: String(s.name), test: t });
      }
    }
  }
  const cases: TxReplayCase[] = [];
  for (const { suite, test } of raw) {
    const operation = String(test.operation);
    const path = TX_OPERATION_PATHS[operation];
    if (path === undefined || typeof test.request !== "string" || typeof test.response !== "string") {
      continue;
    }
    const httpCode = typeof test["http-code"] === "string" ? test["http-code"] : "2xx";
    const language = test["Accept-Language"];
    cases.push({
      suite,
      name: String(test.name),
      operation,
      path,
      requestBody: readText(join(dir, test.request)),
      responseBody: readText(join(dir, test.response)),
      status: httpCode.startsWith("4") ? 400 : 200,
      ...(typeof language === "string" ? { acceptLanguage: language } : {}),
    });
  }
  return cases;
}

/** A file's text without a leading byte-order mark (a few suite files have one; servers do not send one). */
function readText(path: string): string {
  const text = readFileSync(path, "utf8");
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/** The key the fake matches a replayed request on: path, canonical JSON body, Accept-Language. */
export function replayKey(path: string, body: string, acceptLanguage: string | undefined): string {
  let canonical = body;
  try {
    canonical = JSON.stringify(JSON.parse(body));
  } catch {
    // not JSON: match the raw bytes
  }
  return `${path}\n${acceptLanguage ?? ""}\n${canonical}`;
}
