import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadOdsXmlFile, openMirror } from "@fhir-facade/ods-mirror";
import type { MirrorStore } from "@fhir-facade/ods-mirror";
import { generateOdsFullFile } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { MirrorOdsRepository } from "../src/fhir/mirror-repository.js";
import { getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

/** The app over the real ODS mirror (SQLite), loaded from a generated ODS XML full file. */
let dir: string;
let store: MirrorStore;
let app: Running;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "facade-mirror-"));
  const xml = join(dir, "full.xml");
  await generateOdsFullFile({ out: createWriteStream(xml), organisations: 3000, seed: 7 });
  store = await openMirror({ backend: { kind: "sqlite", path: join(dir, "mirror.sqlite") } });
  await loadOdsXmlFile(store, { path: xml });
  app = await startApp({ ods: new MirrorOdsRepository(store) });
}, 120_000);
afterAll(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

interface Bundle {
  total?: number;
  link: { relation: string; url: string }[];
  entry?: { resource: fhir4.Organization & { id: string }; search: { mode: string } }[];
}

async function search(q: string): Promise<Bundle> {
  const { status, body } = await getJson(`${app.base}/${q}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as Bundle;
}

describe("the FHIR API over the ODS mirror", () => {
  test("read: bytes from the store, ETag, Last-Modified, 304, HEAD", async () => {
    const first = (await search("Organization?_count=1")).entry?.[0]?.resource;
    expect(first).toBeDefined();
    const id = first?.id ?? "";
    const { status, headers, body } = await getJson(`${app.base}/Organization/${id}`);
    expect(status).toBe(200);
    expect(body.id).toBe(id);
    const etag = headers.get("etag") ?? "";
    expect(etag).toMatch(/^W\/".+"$/);
    expect(headers.get("last-modified")).toMatch(/GMT$/);
    const again = await fetch(`${app.base}/Organization/${id}`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const head = await fetch(`${app.base}/Organization/${id}`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(headers.get("content-length"));
  });

  test("read of an unknown code is 404", async () => {
    expect((await getJson(`${app.base}/Organization/ZZZZZ9`)).status).toBe(404);
  });

  test("name:contains, postcode, roleCode + active: totals agree with paging to the end", async () => {
    const sample = (await search("Organization?_count=50")).entry ?? [];
    const org = sample.find((e) => (e.resource.address?.[0]?.postalCode ?? "") !== "")?.resource;
    expect(org).toBeDefined();
    const word = (org?.name ?? "").split(" ").find((w) => w.length >= 4) ?? "";
    const postcode = org?.address?.[0]?.postalCode ?? "";
    for (const q of [
      `Organization?name:contains=${encodeURIComponent(word.toLowerCase())}&_count=20`,
      `Organization?address-postalcode=${encodeURIComponent(postcode)}&_count=20`,
      "Organization?roleCode=RO177&active=true&_count=20",
    ]) {
      let bundle = await search(q);
      const total = bundle.total ?? -1;
      expect(total, q).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (let pages = 0; pages < 200; pages++) {
        for (const e of bundle.entry ?? []) {
          seen.add(e.resource.id);
        }
        const next = bundle.link.find((l) => l.relation === "next")?.url;
        if (next === undefined) {
          break;
        }
        bundle = (await getJson(next)).body as Bundle;
      }
      expect(seen.size, q).toBe(total);
    }
  });

  test("the found resources really match (name contains the word)", async () => {
    const bundle = await search("Organization?name:contains=surgery&_count=100");
    for (const e of bundle.entry ?? []) {
      expect((e.resource.name ?? "").toLowerCase()).toContain("surgery");
    }
  });

  test("activeRoleCode, _sort by name and lastChangeDate ranges", async () => {
    const byName = await search("Organization?activeRoleCode=RO177&_sort=name&_count=30");
    const names = (byName.entry ?? []).map((e) => (e.resource.name ?? "").toLowerCase());
    expect(names).toEqual([...names].sort());
    const ranged = await search(
      "Organization?lastChangeDate=ge2020-01-01&lastChangeDate=lt2021-01-01&_count=0",
    );
    expect(ranged.total).toBeGreaterThanOrEqual(0);
  });

  test("what the mirror cannot express is 400 not-supported, never a wrong answer", async () => {
    const { status, body } = await getJson(`${app.base}/Organization?phonetic=smith`);
    expect(status).toBe(400);
    expect(body.issue[0].code).toBe("not-supported");
  });

  test("_include and _revinclude of Organization:partof over the mirror (the store caps a page at 1,000)", async () => {
    const page = await search("Organization?_count=200");
    const child = page.entry?.find((e) => e.resource.partOf?.reference !== undefined)?.resource;
    expect(child, "the generated data set has sites with a parent").toBeDefined();
    const parentId = (child?.partOf?.reference ?? "").split("/").pop() ?? "";
    const rev = await search(`Organization?_id=${parentId}&_revinclude=Organization:partof`);
    const included = rev.entry?.filter((e) => e.search.mode === "include") ?? [];
    expect(rev.entry?.filter((e) => e.search.mode === "match").map((e) => e.resource.id)).toEqual([parentId]);
    expect(included.map((e) => e.resource.id)).toContain(child?.id);
    expect(included.every((e) => e.resource.partOf?.reference?.endsWith(`/${parentId}`))).toBe(true);
    // A page of more organisations than one search condition may carry (100): the includes go in batches.
    const wide = await search("Organization?_count=250&_revinclude=Organization:partof");
    expect(wide.entry?.filter((e) => e.search.mode === "match")).toHaveLength(250);
    const inc = await search(`Organization?_id=${child?.id ?? ""}&_include=Organization:partof`);
    expect(inc.entry?.filter((e) => e.search.mode === "include").map((e) => e.resource.id)).toEqual([
      parentId,
    ]);
  });

  test("OrganizationAffiliation search and read", async () => {
    const bundle = (await getJson(`${app.base}/OrganizationAffiliation?_count=5`)).body as {
      total: number;
      entry?: { resource: { id: string } }[];
    };
    expect(bundle.total).toBeGreaterThan(0);
    const id = bundle.entry?.[0]?.resource.id ?? "";
    expect((await getJson(`${app.base}/OrganizationAffiliation/${id}`)).status).toBe(200);
    // Last-Modified is the source organisation's last change date, never a made-up one.
    const res = await fetch(`${app.base}/OrganizationAffiliation/${id}`);
    const affiliation = (await res.json()) as fhir4.OrganizationAffiliation;
    const source = (affiliation.organization?.reference ?? "").split("/").pop() ?? "";
    const org = await fetch(`${app.base}/Organization/${source}`);
    expect(org.status).toBe(200);
    expect(res.headers.get("last-modified")).toBe(org.headers.get("last-modified"));
    expect(Date.parse(res.headers.get("last-modified") ?? "")).toBeGreaterThan(Date.parse("2000-01-01"));
  });

  test("$lookup of an organisation code from the mirror", async () => {
    const first = (await search("Organization?_count=1")).entry?.[0]?.resource;
    const { status, body } = await getJson(
      `${app.base}/CodeSystem/$lookup?system=https://fhir.nhs.uk/Id/ods-organization-code&code=${first?.id ?? ""}`,
    );
    expect(status).toBe(200);
    expect(body.parameter.find((p: { name: string }) => p.name === "display").valueString).toBe(first?.name);
  });
});
