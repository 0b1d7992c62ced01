import { OrdClient } from "@fhir-facade/ods-core";
import { type FakeOrd, startFakeOrd } from "@fhir-facade/testkit";
import nodeFetch from "node-fetch";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestBackend, testBackends } from "../test/backends.js";
import { odsXml } from "../test/ods-xml.js";
import type { MirrorEvent } from "./events.js";
import { loadOdsXml } from "./load.js";
import type { MirrorStore } from "./store.js";
import { syncMirror } from "./sync.js";

const NOW = new Date("2026-04-15T09:00:00Z");

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "sync on %s",
  (_name, backend: TestBackend) => {
    let store: MirrorStore;
    let ord: FakeOrd;
    let client: OrdClient;

    beforeAll(async () => {
      store = await backend.open(() => NOW);
      ord = await startFakeOrd({ now: () => NOW });
      client = new OrdClient({
        baseUrl: ord.baseUrl,
        requestsPerSecond: 1000,
        burst: 100,
        retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 },
      });
    });
    afterAll(async () => {
      await store.close();
      await ord.close();
      await backend.cleanup();
    });

    test("without a baseline, sync says what to do", async () => {
      await expect(syncMirror(store, { ord: client })).rejects.toMatchObject({ code: "empty" });
    });

    test("applies changes since the watermark, tombstones what ORD no longer has, moves the watermark", async () => {
      await loadOdsXml(store, {
        source: [
          odsXml(
            [
              { code: "RNK", name: "OLD NAME OF RNK", role: "RO197" },
              { code: "RRP", name: "RRP", role: "RO197" },
              { code: "X1", name: "UNCHANGED" },
            ],
            { publicationDate: "2026-03-31" },
          ),
        ],
        sourceLabel: "baseline",
      });
      ord.server.faults.add({
        path: "/ORD/2-0-0/organisations/RRP",
        fault: { kind: "status", status: 404, body: '{"errorCode":404,"errorText":"Not found"}' },
      });
      const events: MirrorEvent[] = [];
      const result = await syncMirror(store, { ord: client, onEvent: (e) => events.push(e), batchSize: 2 });
      expect(result).toMatchObject({
        since: "2026-03-31",
        watermark: "2026-04-15",
        changed: 5,
        upserted: 4,
        removed: 1,
      });
      expect(events.map((e) => e.type)).toEqual([
        "sync-started",
        "sync-changes",
        "sync-progress",
        "sync-progress",
        "sync-progress",
        "sync-finished",
      ]);
      expect(await store.read("RRP")).toMatchObject({ kind: "gone" });
      expect(await store.read("G6V2S")).toMatchObject({ kind: "found" });
      expect((await store.lookup("RNK"))?.name).not.toBe("OLD NAME OF RNK");
      expect(await store.read("X1")).toMatchObject({ kind: "found" });
      expect(await store.status()).toMatchObject({
        organisations: 5,
        tombstones: 1,
        watermark: "2026-04-15",
      });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("rerunning is idempotent", async () => {
      const before = await store.status();
      await store.setMeta({ watermark: "2026-03-31" });
      const again = await syncMirror(store, { ord: client });
      expect(again).toMatchObject({ changed: 5, upserted: 4, removed: 0, watermark: "2026-04-15" });
      const after = await store.status();
      expect({ ...after, lastSyncAt: undefined }).toEqual({ ...before, lastSyncAt: undefined });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("an ORD outage fails the sync, the mirror keeps serving and the watermark does not move", async () => {
      await store.setMeta({ watermark: "2026-03-31" });
      const remove = ord.server.faults.add({
        path: "/ORD/2-0-0/organisations/G6V2S",
        fault: { kind: "status", status: 503 },
      });
      await expect(syncMirror(store, { ord: client, batchSize: 1 })).rejects.toMatchObject({
        code: "sync-failed",
      });
      remove();
      expect((await store.status()).watermark).toBe("2026-03-31");
      expect(await store.read("RNK")).toMatchObject({ kind: "found" });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
      const removeSync = ord.server.faults.add({ path: "/ORD/2-0-0/sync", fault: { kind: "reset" } });
      await expect(syncMirror(store, { ord: client })).rejects.toMatchObject({ code: "sync-failed" });
      removeSync();
      expect((await store.status()).watermark).toBe("2026-03-31");
      // Works again once ORD is back, with node-fetch v3 as the client's fetch.
      const viaNodeFetch = new OrdClient({ baseUrl: ord.baseUrl, fetch: nodeFetch, requestsPerSecond: 1000 });
      expect(await syncMirror(store, { ord: viaNodeFetch })).toMatchObject({ watermark: "2026-04-15" });
    });

    test("a watermark outside ORD's 185-day window is reported with the command that fixes it", async () => {
      await store.setMeta({ watermark: "2025-09-01" });
      const failure = syncMirror(store, { ord: client });
      await expect(failure).rejects.toMatchObject({
        code: "watermark-too-old",
        details: { watermark: "2025-09-01", ageDays: 226, command: "mirror load --trud" },
      });
      await expect(failure).rejects.toThrow(/mirror load --trud/);
      // ORD's own 406 (its clock disagrees with ours) is reported the same way.
      await store.setMeta({ watermark: "2025-10-15" });
      const strictOrd = await startFakeOrd({ now: () => new Date("2026-06-01T00:00:00Z") });
      try {
        const strict = new OrdClient({ baseUrl: strictOrd.baseUrl, requestsPerSecond: 1000 });
        await expect(syncMirror(store, { ord: strict })).rejects.toMatchObject({ code: "watermark-too-old" });
      } finally {
        await strictOrd.close();
      }
      expect((await store.status()).watermark).toBe("2025-10-15");
      await store.setMeta({ watermark: "2026-04-15" });
    });

    test("only one sync at a time; bad options are refused", async () => {
      await store.withWriterLock(async () => {
        await expect(syncMirror(store, { ord: client })).rejects.toMatchObject({ code: "sync-in-progress" });
      });
      await expect(syncMirror(store, { ord: client, concurrency: 0 })).rejects.toMatchObject({
        code: "invalid-input",
      });
      await expect(syncMirror(store, { ord: client, batchSize: 1e9 })).rejects.toMatchObject({
        code: "invalid-input",
      });
    });
  },
);
