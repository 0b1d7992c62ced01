import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { record, type TestBackend, testBackends } from "../test/backends.js";
import { codeKeySql, MIRROR_SCHEMA_VERSION } from "./db/schema.js";
import { raw, sql } from "./db/sql.js";
import { SqliteDatabase } from "./db/sqlite.js";
import { MirrorError } from "./errors.js";
import { loadOdsZip } from "./load.js";
import { loadSampleIfEmpty } from "./startup.js";
import { codeKey } from "./record.js";
import { openMirror } from "./store.js";
import type { MirrorStore } from "./store.js";

const SAMPLE_XML = fileURLToPath(new URL("../../testkit/fixtures/ods-sample.xml", import.meta.url));
const SAMPLE_ZIP = fileURLToPath(new URL("../../testkit/fixtures/ods-sample.zip", import.meta.url));

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "start-up on %s",
  (_name, backend: TestBackend) => {
    let store: MirrorStore;
    beforeAll(async () => {
      store = await backend.open(() => new Date("2026-11-20T00:00:00Z"));
    });
    afterAll(async () => {
      await store.close();
      await backend.cleanup();
    });

    test("an empty mirror loads the repository's sample file once, then leaves it alone", async () => {
      const first = await loadSampleIfEmpty(store, { samplePath: SAMPLE_XML });
      expect(first).toMatchObject({ release: "sample", organisations: 400, watermark: "2026-11-01" });
      expect(await loadSampleIfEmpty(store, { samplePath: SAMPLE_XML })).toBeUndefined();
      const page = await store.search({ where: [{ kind: "active", value: true }], count: 5 });
      expect(page.entries).toHaveLength(5);
      expect(page.total).toBeGreaterThan(0);
      expect(await store.checkIntegrity()).toMatchObject({ ok: true, organisations: 400 });
    });

    test("loads the full file straight out of a TRUD-style zip", async () => {
      const result = await loadOdsZip(store, { path: SAMPLE_ZIP, release: "zip" });
      expect(result).toMatchObject({ release: "zip", organisations: 400 });
      expect(await store.status()).toMatchObject({ release: "zip", organisations: 400, tombstones: 0 });
      await expect(loadOdsZip(store, { path: SAMPLE_XML })).rejects.toMatchObject({ code: "invalid-file" });
      await expect(loadOdsZip(store, { path: "/nonexistent.zip" })).rejects.toMatchObject({
        code: "invalid-input",
      });
      expect(await store.status()).toMatchObject({ release: "zip", organisations: 400 });
    });
  },
);

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "a store built by an earlier table layout, on %s",
  (_name, backend: TestBackend) => {
    afterAll(async () => {
      await backend.cleanup();
    });

    test("is refused with store-outdated and the command that fixes it; a forced load brings it up to date", async () => {
      const store = await backend.open();
      await loadSampleIfEmpty(store, { samplePath: SAMPLE_XML });
      const [sampled] = await store.db.all<{ code: string }>(sql`SELECT code FROM org ORDER BY code LIMIT 1`);
      const code = sampled?.code ?? "";
      const before = await store.read(code);
      // What a store written before this layout looks like: an older (or no) schema_version, and documents
      // without their integer key.
      await toLayout3Documents(store, Number((await store.meta()).active_generation));
      await store.setMeta({ schema_version: "1" });
      await store.close();

      const refused = await openMirror({ backend: backend.options }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(MirrorError);
      expect(refused).toMatchObject({
        code: "store-outdated",
        details: { command: "mirror load --force", found: "1", expected: MIRROR_SCHEMA_VERSION },
      });
      expect((refused as Error).message).toContain("mirror load --force");

      const forced = await openMirror({ backend: backend.options, allowOutdatedSchema: true });
      // Opened to be reloaded, it is not upgraded, and it still answers (by code) until the load replaces it.
      expect((await forced.meta()).schema_version).toBe("1");
      expect(await forced.read(code)).toEqual(before);
      await loadOdsZip(forced, { path: SAMPLE_ZIP, release: "reloaded" });
      expect(await forced.read(code)).toEqual(before);
      expect(await forced.checkIntegrity()).toMatchObject({ ok: true });
      await forced.close();

      const reopened = await openMirror({ backend: backend.options });
      try {
        expect(await reopened.status()).toMatchObject({ release: "reloaded", organisations: 400 });
        const page = await reopened.search({
          where: [{ kind: "name", values: [{ match: "contains", value: "hospital" }] }],
          count: 5,
        });
        expect(page.total).toBeGreaterThan(0);
      } finally {
        await reopened.close();
      }
    });
  },
);

/**
 * Turns the active generation's org_doc back into layout 3 (keyed by code, no integer key), as a store written
 * by the previous release holds it.
 */
async function toLayout3Documents(store: MirrorStore, generation: number): Promise<void> {
  const doc = `g${generation}_org_doc`;
  if (store.db instanceof SqliteDatabase) {
    store.db.connection.exec(
      `DROP VIEW org_doc; CREATE TABLE ${doc}_old (code TEXT NOT NULL, json BLOB NOT NULL, version TEXT NOT NULL, last_change TEXT NOT NULL, PRIMARY KEY (code));` +
        `INSERT INTO ${doc}_old SELECT code, json, version, last_change FROM ${doc}; DROP TABLE ${doc}; ALTER TABLE ${doc}_old RENAME TO ${doc};` +
        `CREATE VIEW org_doc AS SELECT rowid AS rowid, * FROM ${doc}`,
    );
    return;
  }
  await store.db.exec(
    `DROP VIEW org_doc; ALTER TABLE ${doc} DROP COLUMN key; ALTER TABLE ${doc} ADD PRIMARY KEY (code); DROP INDEX ${doc}_i0; CREATE VIEW org_doc AS SELECT * FROM ${doc}`,
  );
}

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "a store of an earlier table layout that this version upgrades, on %s",
  (_name, backend: TestBackend) => {
    afterAll(async () => {
      await backend.cleanup();
    });

    test.each(["2", "3"])(
      "layout %s is upgraded in place by a writable open: same answers, and later writes keep the indexes exact",
      async (from) => {
        const store = await backend.open();
        await loadSampleIfEmpty(store, { samplePath: SAMPLE_XML });
        const generation = Number((await store.meta()).active_generation);
        const codes = (await store.db.all<{ code: string }>(sql`SELECT code FROM org ORDER BY code`)).map(
          (r) => r.code,
        );
        const before = await Promise.all(codes.map((code) => store.read(code)));
        await toLayout3Documents(store, generation);
        if (from === "2" && store.db instanceof SqliteDatabase) {
          // What layout 2 also left behind on SQLite: two triggers on org keeping the name index.
          store.db.connection.exec(
            `CREATE TRIGGER g${generation}_org_ai AFTER INSERT ON g${generation}_org BEGIN INSERT INTO g${generation}_name_fts (rowid, names_fold) VALUES (new.rowid, new.names_fold); END;` +
              `CREATE TRIGGER g${generation}_org_ad AFTER DELETE ON g${generation}_org BEGIN INSERT INTO g${generation}_name_fts (g${generation}_name_fts, rowid, names_fold) VALUES ('delete', old.rowid, old.names_fold); END;`,
          );
        }
        await store.setMeta({ schema_version: from });
        await store.close();

        const upgraded = await openMirror({ backend: backend.options });
        try {
          expect((await upgraded.meta()).schema_version).toBe(MIRROR_SCHEMA_VERSION);
          if (upgraded.db instanceof SqliteDatabase) {
            const triggers = upgraded.db.connection
              .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
              .all();
            expect(triggers).toEqual([]);
          }
          // Every document answers as before, now through its integer key (computed in SQL by the upgrade:
          // it must be the key the TypeScript side computes, or reads and later writes would miss).
          expect(await Promise.all(codes.map((code) => upgraded.read(code)))).toEqual(before);
          const keys = await upgraded.db.all<{ code: string; key: string }>(
            sql`SELECT code, CAST(key AS TEXT) AS key FROM org_doc`,
          );
          expect(keys.map((r) => [r.code, BigInt(r.key)])).toEqual(
            keys.map((r) => [r.code, BigInt(codeKey(r.code) ?? -1)]),
          );
          const contains = (value: string) =>
            upgraded.search({ where: [{ kind: "name", values: [{ match: "contains", value }] }], count: 10 });
          // A rename, an addition and a removal: each reaches the name index once (a trigger left behind
          // would index the names twice and fail the integrity check's count).
          const [first] = (await contains("hospital")).entries;
          expect(first).toBeDefined();
          const code = first?.id ?? "";
          const mark = `QZMARK${from}`;
          const added = `ZZQ0${from}`;
          await upgraded.applyChanges({
            upserts: [
              record(code, { name: `${mark} RENAMED SITE` }),
              record(added, { name: `${mark} NEW SITE` }),
            ],
            removals: [],
          });
          expect((await contains(mark.toLowerCase())).entries.map((e) => e.id).sort()).toEqual(
            [code, added].sort(),
          );
          expect(await upgraded.read(added)).toMatchObject({ kind: "found" });
          await upgraded.applyChanges({ upserts: [], removals: [added] });
          expect((await contains(mark.toLowerCase())).entries.map((e) => e.id)).toEqual([code]);
          expect(await upgraded.read(added)).toMatchObject({ kind: "gone" });
          expect(await upgraded.checkIntegrity()).toMatchObject({ ok: true, problems: [] });
        } finally {
          await upgraded.close();
        }
      },
    );

    test("the upgrade's SQL key is the TypeScript key for every shape of code", async () => {
      const store = await backend.open();
      try {
        const codes = [
          "0",
          "A",
          "Z",
          "RR8",
          "B86001",
          "0000000000",
          "ZZZZZZZZZZ",
          "ZZZZZZZZZZZ",
          "A0000000000Z",
          "ZZZZZZZZZZZZ",
        ];
        const expression = raw(codeKeySql(store.db.dialect, "c"));
        for (const code of codes) {
          const [row] = await store.db.all<{ key: string }>(
            sql`SELECT CAST(${expression} AS TEXT) AS key FROM (SELECT CAST(${code} AS TEXT) AS c) t`,
          );
          expect([code, BigInt(row?.key ?? -1)]).toEqual([code, BigInt(codeKey(code) ?? -2)]);
        }
      } finally {
        await store.close();
      }
    });
  },
);
