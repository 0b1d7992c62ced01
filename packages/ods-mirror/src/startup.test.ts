import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { record, type TestBackend, testBackends } from "../test/backends.js";
import { MIRROR_SCHEMA_VERSION } from "./db/schema.js";
import { SqliteDatabase } from "./db/sqlite.js";
import { MirrorError } from "./errors.js";
import { loadOdsZip } from "./load.js";
import { loadSampleIfEmpty } from "./startup.js";
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
      // What a store written before this layout looks like: an older (or no) schema_version.
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
      await loadOdsZip(forced, { path: SAMPLE_ZIP, release: "reloaded" });
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

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "a store of table layout 2 (SQLite name index kept by triggers), on %s",
  (_name, backend: TestBackend) => {
    afterAll(async () => {
      await backend.cleanup();
    });

    test("is upgraded in place by a writable open; later writes keep the name index exact", async () => {
      const store = await backend.open();
      await loadSampleIfEmpty(store, { samplePath: SAMPLE_XML });
      const generation = Number((await store.meta()).active_generation);
      const sqlite = store.db instanceof SqliteDatabase ? store.db.connection : undefined;
      // What layout 2 left behind: the version, and on SQLite the two triggers on org.
      sqlite?.exec(
        `CREATE TRIGGER g${generation}_org_ai AFTER INSERT ON g${generation}_org BEGIN INSERT INTO g${generation}_name_fts (rowid, names_fold) VALUES (new.rowid, new.names_fold); END;` +
          `CREATE TRIGGER g${generation}_org_ad AFTER DELETE ON g${generation}_org BEGIN INSERT INTO g${generation}_name_fts (g${generation}_name_fts, rowid, names_fold) VALUES ('delete', old.rowid, old.names_fold); END;`,
      );
      await store.setMeta({ schema_version: "2" });
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
        const contains = (value: string) =>
          upgraded.search({ where: [{ kind: "name", values: [{ match: "contains", value }] }], count: 10 });
        // A rename, an addition and a removal: each reaches the name index once (a trigger left behind
        // would index the names twice and fail the integrity check's count).
        const [first] = (await contains("hospital")).entries;
        expect(first).toBeDefined();
        const code = first?.id ?? "";
        await upgraded.applyChanges({
          upserts: [
            record(code, { name: "QUARTZVILLE RENAMED SITE" }),
            record("ZZQ01", { name: "QUARTZVILLE NEW SITE" }),
          ],
          removals: [],
        });
        expect((await contains("quartzville")).entries.map((e) => e.id).sort()).toEqual(
          [code, "ZZQ01"].sort(),
        );
        await upgraded.applyChanges({ upserts: [], removals: ["ZZQ01"] });
        expect((await contains("quartzville")).entries.map((e) => e.id)).toEqual([code]);
        expect(await upgraded.checkIntegrity()).toMatchObject({ ok: true, problems: [] });
      } finally {
        await upgraded.close();
      }

      // It stays at 3: a program that reads layout 2 refuses it rather than writing it without its triggers.
      const reopened = await openMirror({ backend: backend.options });
      expect((await reopened.meta()).schema_version).toBe("3");
      await reopened.close();
    });
  },
);
