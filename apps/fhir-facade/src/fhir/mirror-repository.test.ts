import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadOdsXmlFile, openMirror } from "@fhir-facade/ods-mirror";
import type { MirrorStore } from "@fhir-facade/ods-mirror";
import { generateOdsFullFile } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { FhirEngine } from "./engine.js";
import { MirrorOdsRepository } from "./mirror-repository.js";
import type { FhirResult } from "./request.js";
import type { SearchParamDef } from "./search-parameters.js";

/** The engine over a real (small) SQLite mirror: what /metadata states is exactly what the mirror answers. */
let dir: string;
let store: MirrorStore;
let engine: FhirEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mirror-repo-"));
  const xml = join(dir, "full.xml");
  await generateOdsFullFile({ out: createWriteStream(xml), organisations: 300, seed: 11 });
  store = await openMirror({ backend: { kind: "sqlite", path: join(dir, "mirror.sqlite") } });
  await loadOdsXmlFile(store, { path: xml });
  engine = new FhirEngine({ repository: new MirrorOdsRepository(store) });
}, 120_000);
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const BASE = "http://127.0.0.1/fhir";

function search(type: string, params: [string, string][]): Promise<FhirResult> {
  return engine.handle({ method: "GET", segments: [type], params, baseUrl: BASE, strict: true });
}

function bundleOf(result: FhirResult): fhir4.Bundle {
  if (!result.ok || result.body.kind !== "raw") {
    throw new Error(result.ok ? "not a bundle" : `${result.error.code}: ${result.error.message}`);
  }
  return JSON.parse(result.body.json.toString("utf8")) as fhir4.Bundle;
}

/** A well-formed value for a parameter (the answer may be empty; it must not be refused). */
function sampleValue(def: SearchParamDef): string {
  switch (def.type) {
    case "string":
      return "a";
    case "token":
      return def.name === "active" ? "true" : "X1";
    case "reference":
      return "RR8";
    case "date":
      return "ge2020-01-01";
    case "uri":
      return "http://example.org";
  }
}

describe("the CapabilityStatement over the mirror", () => {
  const statement = (): fhir4.CapabilityStatement => engine.capabilityStatement(BASE);
  const stated = (type: string): fhir4.CapabilityStatementRestResourceSearchParam[] =>
    statement().rest?.[0]?.resource?.find((r) => r.type === type)?.searchParam ?? [];

  test("leaves out phonetic and :text on tokens, keeps address-use", () => {
    const names = stated("Organization").map((p) => p.name);
    expect(names).not.toContain("phonetic");
    expect(names).toContain("address-use");
    for (const p of stated("Organization").filter((x) => x.type === "token")) {
      expect(p.documentation, p.name).not.toContain(":text");
    }
  });

  test("every stated parameter and modifier is answered (never 400) over the mirror", async () => {
    const tables = {
      Organization: stated("Organization"),
      OrganizationAffiliation: stated("OrganizationAffiliation"),
    };
    let checked = 0;
    for (const [type, params] of Object.entries(tables)) {
      for (const p of params) {
        const def = { name: p.name, type: p.type } as SearchParamDef;
        const modifiers = /Modifiers: ([^;.]*)/.exec(p.documentation ?? "")?.[1] ?? "none";
        const names = ["", ...(modifiers === "none" ? [] : modifiers.split(" "))];
        for (const m of names) {
          const value = m === ":missing" ? "true" : m === ":identifier" ? "RR8" : sampleValue(def);
          const result = await search(type, [[`${p.name}${m}`, value]]);
          expect(result.ok, `${type}?${p.name}${m}=${value}: ${result.ok ? "" : result.error.message}`).toBe(
            true,
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  test("a parameter the core knows but the mirror cannot answer is 400 not-supported, not ignored", async () => {
    const result = await search("Organization", [["phonetic", "smith"]]);
    expect(result.ok ? undefined : result.error.code).toBe("not-supported");
    const lenient = await engine.handle({
      method: "GET",
      segments: ["Organization"],
      params: [["roleCode:text", "trust"]],
      baseUrl: BASE,
      strict: false,
    });
    expect(lenient.ok ? undefined : lenient.error.code).toBe("not-supported");
    const sort = await search("OrganizationAffiliation", [["_sort", "_lastUpdated"]]);
    expect(sort.ok ? undefined : sort.error.code).toBe("not-supported");
  });
});

describe("address-use over the mirror (ODS addresses carry no use)", () => {
  test("a value matches nothing; :missing=true and :not match everything", async () => {
    const all = bundleOf(await search("Organization", [["_count", "0"]])).total ?? -1;
    expect(all).toBeGreaterThan(0);
    const total = async (params: [string, string][]): Promise<number | undefined> =>
      bundleOf(await search("Organization", [...params, ["_count", "0"]])).total;
    expect(await total([["address-use", "work"]])).toBe(0);
    expect(await total([["address-use:missing", "true"]])).toBe(all);
    expect(await total([["address-use:missing", "false"]])).toBe(0);
    expect(await total([["address-use:not", "work"]])).toBe(all);
  });
});
