import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { record, type TestBackend, testBackends } from "../test/backends.js";
import { odsXml, type XmlOrg } from "../test/ods-xml.js";
import type { MirrorEvent } from "./events.js";
import { loadOdsXml, loadOdsXmlFile } from "./load.js";
import type { MirrorStore } from "./store.js";

const ORGS: XmlOrg[] = [
  {
    code: "RR8",
    name: "LEEDS TEACHING HOSPITALS NHS TRUST",
    role: "RO197",
    postcode: "LS9 7TF",
    lastChange: "2025-11-02",
  },
  { code: "B86001", name: "HIGH STREET SURGERY", rels: [{ id: "RE6", uniqueRelId: 5001, target: "RR8" }] },
  {
    code: "RGW",
    name: "OLD TRUST",
    status: "Inactive",
    role: "RO197",
    succ: { type: "Successor", target: "RR8", date: "1998-04-01" },
  },
];

const tmp = mkdtempSync(join(tmpdir(), "ods-mirror-load-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "load on %s",
  (_name, backend: TestBackend) => {
    let store: MirrorStore;
    beforeAll(async () => {
      store = await backend.open(() => new Date("2026-01-10T00:00:00Z"));
    });
    afterAll(async () => {
      await store.close();
      await backend.cleanup();
    });

    test("loads a full file from a path: FHIR bytes, indexes, release, watermark, events", async () => {
      const path = join(tmp, `full-${backend.name}.xml`);
      writeFileSync(path, odsXml(ORGS));
      const events: MirrorEvent[] = [];
      const result = await loadOdsXmlFile(store, { path, onEvent: (e) => events.push(e) });
      expect(result).toMatchObject({
        organisations: 3,
        release: "Full 2026-01-01 #7",
        watermark: "2026-01-01",
      });
      expect(events.map((e) => e.type)).toEqual(["load-started", "load-indexing", "load-finished"]);
      const read = await store.read("B86001");
      if (read.kind !== "found") throw new Error(`expected found, got ${read.kind}`);
      const resource = JSON.parse(read.json);
      expect(resource).toMatchObject({
        resourceType: "Organization",
        id: "B86001",
        partOf: { reference: "Organization/RR8" },
      });
      expect(read.lastChangeDate).toBe("2025-12-01");
      const children = await store.search({ where: [{ kind: "partOf", codes: ["RR8"] }], count: 10 });
      expect(children.entries.map((e) => e.id)).toEqual(["B86001"]);
      expect((await store.readAffiliation("5001")).kind).toBe("found");
      expect(await store.lookup("RGW")).toMatchObject({
        active: false,
        successors: [{ code: "RR8", date: "1998-04-01" }],
      });
      expect(await store.status()).toMatchObject({
        organisations: 3,
        release: "Full 2026-01-01 #7",
        watermark: "2026-01-01",
        ageDays: 9,
      });
    });

    test("a truncated file aborts with its position and the current generation keeps serving", async () => {
      const whole = odsXml([...ORGS, { code: "NEW1", name: "NEW ORG" }], { publicationDate: "2026-02-01" });
      const events: MirrorEvent[] = [];
      const failure = loadOdsXml(store, {
        source: [whole.slice(0, Math.floor(whole.length * 0.8))],
        sourceLabel: "truncated",
        onEvent: (e) => events.push(e),
      });
      await expect(failure).rejects.toMatchObject({ name: "MirrorError", code: "invalid-file" });
      const error = (await failure.catch((e: unknown) => e)) as {
        message: string;
        details: Record<string, unknown>;
      };
      expect(error.message).toMatch(/line \d+/);
      expect(error.details.line).toBeTypeOf("number");
      expect(events.at(-1)?.type).toBe("load-failed");
      expect(await store.status()).toMatchObject({
        organisations: 3,
        release: "Full 2026-01-01 #7",
        watermark: "2026-01-01",
      });
      expect(await store.read("NEW1")).toMatchObject({ kind: "not-found" });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("malformed, hostile and non-ODS files are refused the same way", async () => {
      const bad = [
        "this is not xml",
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`,
        odsXml(ORGS).replace("<Name>HIGH STREET SURGERY</Name>", "<Name>HIGH <b>STREET</Name>"),
        odsXml(ORGS).replace('extension="RGW"', 'extension=""'),
        `<?xml version="1.0"?><other/>`,
        "",
      ];
      for (const xml of bad) {
        await expect(loadOdsXml(store, { source: [xml], sourceLabel: "bad" })).rejects.toMatchObject({
          code: "invalid-file",
        });
      }
      await expect(loadOdsXmlFile(store, { path: join(tmp, "missing.xml") })).rejects.toMatchObject({
        code: "invalid-input",
      });
      expect(await store.status()).toMatchObject({ organisations: 3 });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("a file holding one organisation twice is refused, naming the code, and nothing is lost", async () => {
      const twice = odsXml([...ORGS, { code: "RGW", name: "OLD TRUST AGAIN" }], {
        publicationDate: "2026-02-01",
      });
      const path = join(tmp, `twice-${backend.name}.xml`);
      writeFileSync(path, twice);
      for (const attempt of [
        () => loadOdsXmlFile(store, { path }),
        () => loadOdsXml(store, { source: [twice], sourceLabel: "twice" }),
      ]) {
        await expect(attempt()).rejects.toMatchObject({
          name: "MirrorError",
          code: "invalid-input",
          message: "the data holds organisation RGW more than once",
          details: { code: "RGW" },
        });
      }
      expect(await store.status()).toMatchObject({ organisations: 3, release: "Full 2026-01-01 #7" });
      expect(await store.read("RGW")).toMatchObject({ kind: "found" });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("a new release replaces the old one and tombstones what disappeared", async () => {
      const next = ORGS.filter((o) => o.code !== "RGW");
      const result = await loadOdsXml(store, {
        source: [odsXml(next, { publicationDate: "2026-02-01" })],
        sourceLabel: "next",
        release: "TRUD 341 v2",
      });
      expect(result).toMatchObject({ release: "TRUD 341 v2", organisations: 2, watermark: "2026-02-01" });
      expect(await store.read("RGW")).toMatchObject({ kind: "gone" });
      expect(await store.status()).toMatchObject({ organisations: 2, tombstones: 1 });
    });

    test("codes of 11 and 12 characters (bigint keys) load, sync and read like any other", async () => {
      const long = [
        { code: "A1B2C3D4E5F6", name: "TWELVE CHARACTER SITE" },
        { code: "B1C2D3E4F5G", name: "ELEVEN CHARACTER SITE" },
      ];
      const path = join(tmp, `long-${backend.name}.xml`);
      writeFileSync(path, odsXml([...ORGS, ...long], { publicationDate: "2026-01-05" }));
      await loadOdsXmlFile(store, { path, release: "long codes" });
      for (const { code, name } of long) {
        const read = await store.read(code.toLowerCase());
        if (read.kind !== "found") throw new Error(`expected ${code} found, got ${read.kind}`);
        expect(JSON.parse(read.json)).toMatchObject({ id: code, name });
      }
      await store.applyChanges({
        upserts: [record("A1B2C3D4E5F6", { name: "TWELVE RENAMED" })],
        removals: ["B1C2D3E4F5G"],
      });
      const renamed = await store.read("A1B2C3D4E5F6");
      if (renamed.kind !== "found") throw new Error(`expected found, got ${renamed.kind}`);
      expect(JSON.parse(renamed.json)).toMatchObject({ name: "TWELVE RENAMED" });
      expect(await store.read("B1C2D3E4F5G")).toMatchObject({ kind: "gone" });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true, problems: [] });
    });
  },
);
