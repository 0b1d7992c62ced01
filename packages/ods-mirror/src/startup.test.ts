import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestBackend, testBackends } from "../test/backends.js";
import { MIRROR_SCHEMA_VERSION } from "./db/schema.js";
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
