import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";

import { FAKE_TRUD_API_KEY, FakeTrud } from "@fhir-facade/testkit";
import type { FakeTrudReleaseInit } from "@fhir-facade/testkit";
import nodeFetch from "node-fetch";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { TrudError } from "./errors.js";
import type { TrudEvent } from "./events.js";
import type { FetchLike } from "./http.js";
import { Trud } from "./trud.js";
import type { TrudOptions } from "./trud.js";

// Real sockets and files: generous limits so a heavily loaded CI machine does not turn slowness into failures.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const KEY = FAKE_TRUD_API_KEY;
const SIZE = 3_000_000;
let fake: FakeTrud;
let dir: string;
let events: TrudEvent[];

function release(
  id: string,
  date: string,
  seed = id,
  extra: Partial<FakeTrudReleaseInit> = {},
): FakeTrudReleaseInit {
  return { id, releaseDate: date, content: { size: SIZE, seed }, ...extra };
}

beforeEach(async () => {
  fake = new FakeTrud({
    items: [
      { item: 341, releases: [release("ods_2.zip", "2026-07-31"), release("ods_1.zip", "2026-06-26")] },
      { item: 58, releases: [release("weekly.zip", "2025-05-08")] },
      { item: 101, releases: [release("sct.zip", "2025-05-01")] },
      {
        item: 119,
        releases: [
          { id: "OPCS-4.11 Data files txt.zip", releaseDate: "2025-04-01", content: Buffer.from("opcs") },
        ],
      },
    ],
  });
  await fake.start();
  dir = mkdtempSync(join(tmpdir(), "trud-core-"));
  events = [];
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The transports every download test runs through: the built-in one (raw-http.ts), and injected fetches. */
const TRANSPORTS: readonly (readonly [string, FetchLike | undefined])[] = [
  ["the built-in transport (no fetch injected)", undefined],
  ["an injected globalThis.fetch", globalThis.fetch],
  ["an injected node-fetch v3", nodeFetch],
];
let transport: Partial<TrudOptions> = {};

function open(options: Partial<TrudOptions> = {}): Promise<Trud> {
  return Trud.open({
    apiKey: KEY,
    baseUrl: fake.url,
    storeDir: join(dir, "store"),
    sleep: () => Promise.resolve(),
    onEvent: (e) => events.push(e),
    ...transport,
    ...options,
  });
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex").toUpperCase();
}

async function failure(promise: Promise<unknown>): Promise<TrudError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TrudError);
    return error as TrudError;
  }
  throw new Error("expected a failure");
}

/** Every file under a directory, relative. */
function tree(root: string): string[] {
  if (!existsSync(root)) {
    return [];
  }
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(root.length + 1))
    .sort();
}

describe.each(TRANSPORTS)("downloads through %s", (_name, fetch) => {
  beforeEach(() => {
    transport = fetch === undefined ? {} : { fetch };
  });
  afterEach(() => {
    transport = {};
  });

  describe("ensureLatest", () => {
    test("downloads, verifies and records the newest release; a second call transfers nothing", async () => {
      const trud = await open();
      const first = await trud.ensureLatest(341);
      expect(first.downloaded).toBe(true);
      expect(first.releaseId).toBe("ods_2.zip");
      const listed = (await trud.listReleases(341, { latest: true })).releases[0]!;
      expect(sha256(first.path)).toBe(listed.archiveFileSha256);
      expect(first.manifest).toMatchObject({
        item: 341,
        sizeBytes: SIZE,
        sha256: listed.archiveFileSha256,
        checks: { size: "passed", sha256: "passed", signature: "not-checked" },
        transfer: { transferred: SIZE, resumedFrom: 0, restarts: 0 },
      });
      expect(first.manifest.sourceUrl).toContain("/keys/<REDACTED>/");
      expect((await trud.store.current(341))?.dir).toBe(first.dir);
      expect(tree(first.dir)).toEqual(["manifest.json", "ods_2.zip"]);

      const served = fake.archiveBytesServed;
      const again = await (await open()).ensureLatest(341);
      expect(again.downloaded).toBe(false);
      expect(again.path).toBe(first.path);
      expect(fake.archiveBytesServed).toBe(served);
      expect(fake.server.count("/download/")).toBe(1);
      expect(events.some((e) => e.type === "held")).toBe(true);
    });

    test("progress events carry bytes, total and rate; the last one is complete", async () => {
      await (await open()).ensureLatest(341);
      const progress = events.filter((e) => e.type === "progress");
      expect(progress.length).toBeGreaterThan(0);
      const last = progress.at(-1)!;
      expect(last).toMatchObject({ bytes: SIZE, total: SIZE, item: 341 });
      expect(last.bytesPerSecond).toBeGreaterThan(0);
    });

    test("names with raw spaces download through correctly encoded URLs", async () => {
      const held = await (await open()).ensureLatest(119);
      expect(readFileSync(held.path, "utf8")).toBe("opcs");
      expect(fake.server.requests.at(-1)?.path).toContain("/OPCS-4.11%20Data%20files%20txt.zip");
    });

    test("requests go through the injected fetch, or through the built-in transport when none is injected", async () => {
      const calls: string[] = [];
      const counting: FetchLike | undefined =
        fetch === undefined
          ? undefined
          : (url, init) => {
              calls.push(url);
              return fetch(url, init);
            };
      const global = vi.spyOn(globalThis, "fetch");
      try {
        const held = await (await open(counting ? { fetch: counting } : {})).ensureLatest(341);
        expect(sha256(held.path)).toBe(held.manifest.sha256);
        expect(calls).toHaveLength(fetch === undefined ? 0 : 2); // the list, then the archive
        expect(global).not.toHaveBeenCalled();
      } finally {
        global.mockRestore();
      }
    });

    test("a redirect on the TRUD origin is followed; one to another origin is refused", async () => {
      const target = `/download/api/v1/keys/${KEY}/content/items/341/ods_3.zip`;
      fake.server.route("GET", "/moved/*", (req) => ({
        status: 302,
        headers: {
          location: req.url.pathname.includes("away") ? "http://127.0.0.2:9/ods_3.zip" : target,
        },
        body: "",
      }));
      fake.addRelease(
        341,
        release("ods_3.zip", "2026-08-28", "ods_3", {
          overrides: { archiveFileUrl: `${fake.url}/moved/api/v1/keys/${KEY}/content/items/341/ods_3.zip` },
        }),
      );
      const held = await (await open()).ensureLatest(341);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
      expect(fake.server.requests.map((r) => r.path.split("/")[1])).toEqual(["trud", "moved", "download"]);

      fake.addRelease(
        341,
        release("ods_4.zip", "2026-09-25", "ods_4", {
          overrides: { archiveFileUrl: `${fake.url}/moved/away/api/v1/keys/${KEY}/content/ods_4.zip` },
        }),
      );
      const error = await failure((await open()).ensureLatest(341));
      expect(error.code).toBe("unsafe-url");
      expect(error.message).not.toContain(KEY);
    });

    test("ensureRelease fetches an older release without moving the current pointer", async () => {
      const trud = await open();
      const latest = await trud.ensureLatest(341);
      const old = await trud.ensureRelease(341, "ods_1.zip");
      expect(old.downloaded).toBe(true);
      expect((await trud.store.current(341))?.dir).toBe(latest.dir);
      await expect(trud.ensureRelease(341, "nope.zip")).rejects.toMatchObject({ code: "release-not-found" });
    });
  });

  describe("interrupted downloads", () => {
    test("a download killed half way is resumed with Range by the next run", async () => {
      fake.faults.add({ path: "/download/", fault: { kind: "truncate", bytes: 1_200_000 }, times: 1 });
      const error = await failure((await open({ retry: { retries: 0 } })).ensureLatest(341));
      expect(error.code).toBe("network");
      const parts = tree(join(dir, "store")).filter((f) => f.endsWith(".part"));
      expect(parts).toHaveLength(1);

      events = [];
      const held = await (await open()).ensureLatest(341);
      const ranged = fake.server.requests.filter((r) => r.headers.range !== undefined);
      expect(ranged).toHaveLength(1);
      expect(ranged[0]!.headers.range).toMatch(/^bytes=\d+-$/);
      const resumedFrom = Number(/bytes=(\d+)-/.exec(ranged[0]!.headers.range!)?.[1]);
      expect(resumedFrom).toBeGreaterThan(0);
      expect(ranged[0]!.headers["if-range"]).toBeDefined();
      expect(held.manifest.transfer).toMatchObject({
        resumedFrom,
        transferred: SIZE - resumedFrom,
        restarts: 0,
      });
      expect(sha256(held.path)).toBe(held.manifest.sha256);
      expect(events.find((e) => e.type === "resume")).toMatchObject({ offset: resumedFrom });
      expect(tree(held.dir)).toEqual(["manifest.json", "ods_2.zip"]);
    });

    test("within one run, a cut connection is retried from where it stopped", async () => {
      fake.faults.add({ path: "/download/", fault: { kind: "truncate", bytes: 1_000_000 }, times: 1 });
      const held = await (await open()).ensureLatest(341);
      expect(held.manifest.transfer.transferred).toBe(SIZE);
      expect(fake.server.requests.filter((r) => r.headers.range !== undefined)).toHaveLength(1);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
    });

    test("a server that ignores Range is restarted cleanly from byte 0", async () => {
      fake.faults.add({ path: "/download/", fault: { kind: "truncate", bytes: 1_000_000 }, times: 1 });
      fake.ignoreRange = true;
      const held = await (await open()).ensureLatest(341);
      expect(events.find((e) => e.type === "restart")).toMatchObject({ reason: "range-ignored" });
      expect(held.manifest.transfer.restarts).toBe(1);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
    });

    test("a reissue between runs (If-Range no longer matches) restarts instead of mixing bytes", async () => {
      fake.faults.add({ path: "/download/", fault: { kind: "truncate", bytes: 1_000_000 }, times: 1 });
      await failure((await open({ retry: { retries: 0 } })).ensureLatest(341));
      fake.reissue(341, "ods_2.zip", {
        content: { size: SIZE, seed: "new bytes" },
        lastModified: "2026-08-03T09:00:00.000Z",
      });
      const held = await (await open()).ensureLatest(341);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
      expect(held.manifest.transfer.resumedFrom).toBe(0);
    });

    test("a stalled body hits the idle timeout and resumes", async () => {
      fake.stallDownloads(500_000);
      const held = await (await open({ idleTimeoutMs: 1000 })).ensureLatest(341);
      expect(events.some((e) => e.type === "retry" && e.reason.includes("sent nothing"))).toBe(true);
      expect(fake.server.requests.filter((r) => r.headers.range === "bytes=500000-")).toHaveLength(1);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
    });

    test("aborting the caller's signal stops a body that is streaming, and leaves no file", async () => {
      fake.stallDownloads(500_000);
      const controller = new AbortController();
      const trud = await open({ idleTimeoutMs: 60_000 });
      const pending = trud.ensureLatest(341, { signal: controller.signal });
      // Abort once the body has started (the fake then holds the rest back, so only the abort can end it).
      const started = Date.now();
      const downloading = (): boolean =>
        events.some((e) => e.type === "request" && JSON.stringify(e).includes("/download/"));
      while (!downloading() && Date.now() - started < 10_000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      controller.abort();
      const error = await failure(pending);
      expect(error.code).toBe("aborted");
      expect(downloading()).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(tree(join(dir, "store")).filter((f) => f.endsWith(".zip"))).toEqual([]);
    });

    test("a download that never answers times out per request, then retries", async () => {
      fake.faults.add({ path: "/download/", fault: { kind: "hang" }, times: 1 });
      const held = await (await open({ requestTimeoutMs: 1000 })).ensureLatest(341);
      expect(events.some((e) => e.type === "retry" && e.reason.includes("no answer"))).toBe(true);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
    });

    test("429, 5xx and resets on the download are retried", async () => {
      const queue = [{ kind: "status", status: 503 }, { kind: "reset" }] as const;
      fake.faults.add({
        path: "/download/",
        fault: { kind: "status", status: 429, retryAfterSeconds: 1 },
        times: 1,
      });
      const sleep = (): Promise<void> => {
        const fault = queue[events.filter((e) => e.type === "retry").length - 1];
        if (fault) {
          fake.faults.add({ path: "/download/", fault, times: 1 });
        }
        return Promise.resolve();
      };
      const held = await (await open({ sleep })).ensureLatest(341);
      expect(events.filter((e) => e.type === "retry")).toHaveLength(3);
      expect(sha256(held.path)).toBe(held.manifest.sha256);
    });
  });

  describe("checks that fail leave nothing in the store", () => {
    test("a hash mismatch: no archive, no partial file, no manifest", async () => {
      fake.addRelease(
        341,
        release("ods_3.zip", "2026-08-28", "ods_3", { overrides: { archiveFileSha256: "AB".repeat(32) } }),
      );
      const error = await failure((await open()).ensureLatest(341));
      expect(error.code).toBe("hash-mismatch");
      expect(error.message).toContain("SHA-256");
      expect(tree(join(dir, "store")).filter((f) => f.includes("ods_3"))).toEqual([]);
      expect(await (await open()).store.current(341)).toBeUndefined();
    });

    test("more bytes than announced are stopped at the announced size (chunked: no length to go by)", async () => {
      fake.chunked = true;
      const big = 64 * 1024 * 1024;
      fake.addRelease(341, {
        id: "ods_3.zip",
        releaseDate: "2026-08-28",
        content: { size: big, seed: "big" },
        overrides: { archiveFileSizeBytes: 1_000_000 },
      });
      const error = await failure((await open()).ensureLatest(341));
      expect(error.code).toBe("size-mismatch");
      expect(error.message).toContain("more than the 1000000 bytes");
      expect(tree(join(dir, "store")).filter((f) => f.includes("ods_3"))).toEqual([]);
      expect(fake.archiveBytesServed).toBeLessThan(big / 2); // we hung up; the server did not get to send it all
    });

    test("a Content-Length that contradicts the list is refused before the body is read", async () => {
      fake.addRelease(
        341,
        release("ods_3.zip", "2026-08-28", "ods_3", { overrides: { archiveFileSizeBytes: 2_000_000 } }),
      );
      const error = await failure((await open()).ensureLatest(341));
      expect(error.code).toBe("size-mismatch");
      expect(tree(join(dir, "store")).filter((f) => f.includes("ods_3"))).toEqual([]);
    });

    test("fewer bytes than announced: the resume finds the server's file is short, and it is refused", async () => {
      fake.addRelease(
        341,
        release("ods_3.zip", "2026-08-28", "ods_3", { overrides: { archiveFileSizeBytes: SIZE + 10 } }),
      );
      fake.chunked = true;
      const error = await failure((await open({ retry: { retries: 2 } })).ensureLatest(341));
      expect(error.code).toBe("size-mismatch");
      expect(error.message).toContain(`holds ${SIZE} bytes`);
      expect(tree(join(dir, "store")).filter((f) => f.includes("ods_3"))).toEqual([]);
    });

    test("a missing SHA-256 is refused unless allowed", async () => {
      fake.addRelease(341, release("ods_3.zip", "2026-08-28", "ods_3", { omit: ["archiveFileSha256"] }));
      expect((await failure((await open()).ensureLatest(341))).code).toBe("hash-missing");
      const held = await (await open({ requireSha256: false })).ensureLatest(341);
      expect(held.manifest.checks.sha256).toBe("not-published");
    });
  });
});

describe("bad input", () => {
  test.each(["../evil.zip", "a/b.zip", "a\\b.zip", "..", "x\u0000.zip"])(
    "file name %j is refused before any download",
    async (name) => {
      fake.addRelease(
        341,
        release("ods_3.zip", "2026-08-28", "ods_3", { overrides: { archiveFileName: name } }),
      );
      const error = await failure((await open()).ensureLatest(341));
      expect(error.code).toBe("unsafe-file-name");
      expect(fake.server.count("/download/")).toBe(0);
    },
  );

  test("a release id with a separator is refused (it names a folder)", async () => {
    fake.addRelease(341, release("../../etc", "2026-08-28", "x", { archiveFileName: "fine.zip" }));
    expect((await failure((await open()).ensureLatest(341))).code).toBe("unsafe-file-name");
  });

  test("a download URL on another origin is refused", async () => {
    fake.addRelease(
      341,
      release("ods_3.zip", "2026-08-28", "ods_3", {
        overrides: { archiveFileUrl: "http://127.0.0.2:9/x/ods_3.zip" },
      }),
    );
    expect((await failure((await open()).ensureLatest(341))).code).toBe("unsafe-url");
    expect(fake.server.count("/download/")).toBe(0);
  });

  test("an unwritable store is reported before any request", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const error = await failure(open({ storeDir: join(file, "store") }));
    expect(error.code).toBe("store-unwritable");
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe("reissues and the store", () => {
  test("a reissue is kept beside the original and becomes current", async () => {
    const trud = await open();
    const original = await trud.ensureLatest(341);
    fake.reissue(341, "ods_2.zip", {
      content: { size: SIZE, seed: "reissued" },
      lastModified: "2026-08-05T10:00:00.000Z",
    });
    const reissue = await trud.ensureLatest(341);
    expect(reissue.downloaded).toBe(true);
    expect(reissue.dir).not.toBe(original.dir);
    expect(reissue.reissueOf).toBe(original.dir);
    expect(existsSync(original.path)).toBe(true);
    expect(sha256(original.path)).toBe(original.manifest.sha256);
    expect(reissue.manifest.sha256).not.toBe(original.manifest.sha256);
    expect((await trud.store.current(341))?.dir).toBe(reissue.dir);
    expect(events.find((e) => e.type === "reissue")).toMatchObject({
      releaseId: "ods_2.zip",
      lastModified: "2026-08-05T10:00:00.000Z",
    });
    expect((await trud.store.list(341)).map((h) => h.dir)).toEqual([reissue.dir, original.dir]);
  });

  test("prune keeps the current release and the newest others; never touches partial downloads", async () => {
    const trud = await open();
    const old = await trud.ensureRelease(341, "ods_1.zip");
    const current = await trud.ensureLatest(341);
    fake.reissue(341, "ods_1.zip", {
      content: { size: SIZE, seed: "r" },
      lastModified: "2026-07-01T00:00:00.000Z",
    });
    const reissued = await trud.ensureRelease(341, "ods_1.zip");
    const partial = join(trud.store.itemDir(341), "ods_9.zip--0000", "ods_9.zip.part");
    rmSync(join(partial, ".."), { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(join(partial, ".."), { recursive: true }));
    writeFileSync(partial, "half");

    expect(await trud.store.prune(341, { keep: 2, dryRun: true })).toEqual([old.dir]);
    expect(existsSync(old.dir)).toBe(true);
    expect(await trud.store.prune(341, { keep: 1 })).toEqual([reissued.dir, old.dir]);
    expect(existsSync(current.path)).toBe(true);
    expect(existsSync(partial)).toBe(true);
    await expect(trud.store.prune(341, { keep: 0 })).rejects.toMatchObject({ code: "invalid-options" });
  });

  test("verify re-hashes a held archive and notices corruption", async () => {
    const trud = await open();
    const held = await trud.ensureLatest(341);
    expect((await trud.store.verify(held)).ok).toBe(true);
    expect((await trud.store.findByPath(held.path))?.dir).toBe(held.dir);
    writeFileSync(held.path, "corrupted");
    expect((await trud.store.verify(held)).ok).toBe(false);
    // A damaged held file is no longer "held": the next ensure downloads it again.
    const again = await trud.ensureLatest(341);
    expect(again.downloaded).toBe(true);
    expect((await trud.store.verify(again)).ok).toBe(true);
  });
});

describe("sync", () => {
  test("three items at once, then a second run that transfers nothing", async () => {
    const trud = await open();
    const first = await trud.sync([341, 58, 101], { concurrency: 3 });
    expect(first.status).toBe("updated");
    expect(first.exitCode).toBe(3);
    expect(first.results.map((r) => [r.item, r.status])).toEqual([
      [341, "updated"],
      [58, "updated"],
      [101, "updated"],
    ]);
    const served = fake.archiveBytesServed;
    const second = await trud.sync([341, 58, 101], { concurrency: 3 });
    expect(second.status).toBe("up-to-date");
    expect(second.exitCode).toBe(0);
    expect(fake.archiveBytesServed).toBe(served);
    expect(fake.server.count("/download/")).toBe(3);
  });

  test("one failing item fails the run (exit 1) but the others complete", async () => {
    const report = await (await open()).sync([58, 4242, 101]);
    expect(report.exitCode).toBe(1);
    expect(report.results.map((r) => r.status)).toEqual(["updated", "failed", "updated"]);
    expect(report.results[1]!.error).toMatchObject({ code: "item-not-found" });
    expect(report.results[1]!.error!.message).not.toContain(KEY);
  });

  test("a second sync while one runs is refused by the lock (exit 4); a dead holder's lock is taken over", async () => {
    const trud = await open();
    const [a, b] = await Promise.all([trud.sync([341]), trud.sync([58])]);
    expect([a.status, b.status].sort()).toEqual(["locked", "updated"]);
    expect([a.exitCode, b.exitCode].sort()).toEqual([3, 4]);
    writeFileSync(
      join(trud.store.root, ".trud-sync.lock"),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import("node:os")).hostname(),
        startedAt: "2026-01-01",
      }),
    );
    expect((await trud.sync([101])).status).toBe("updated");
    expect(existsSync(join(trud.store.root, ".trud-sync.lock"))).toBe(false);
  });

  test("bad sync options are refused", async () => {
    const trud = await open();
    await expect(trud.sync([341], { concurrency: 0 })).rejects.toMatchObject({ code: "invalid-options" });
    await expect(trud.sync([])).rejects.toMatchObject({ code: "invalid-options" });
  });
});

describe.each(TRANSPORTS)("through %s", (_name, fetch) => {
  beforeEach(() => {
    transport = fetch === undefined ? {} : { fetch };
  });
  afterEach(() => {
    transport = {};
  });

  describe("the key never surfaces", () => {
    test("not in events, errors, manifests, pointers or inspect output, across failures and successes", async () => {
      const trud = await open({ retry: { retries: 1 } });
      await trud.sync([341, 58, 4242, 119]);
      fake.faults.add({ path: "/download/", fault: { kind: "truncate", bytes: 100 }, times: 1 });
      fake.addRelease(
        58,
        release("w2.zip", "2025-05-15", "w2", { overrides: { archiveFileSha256: "CD".repeat(32) } }),
      );
      const errors: unknown[] = [];
      for (const item of [58, 4242]) {
        await trud.ensureLatest(item).catch((e: unknown) => errors.push(e));
      }
      await (
        await open({ apiKey: "ffffffffffffffffffffffffffffffffffffffff" })
      )
        .ensureLatest(341)
        .catch((e: unknown) => errors.push(e));
      expect(errors).toHaveLength(3);
      const text = [
        JSON.stringify(events),
        ...errors.map((e) => `${inspect(e, { depth: 10 })}${JSON.stringify(e)}${String((e as Error).cause)}`),
        ...tree(join(dir, "store")).map((f) =>
          f.endsWith(".zip") ? "" : readFileSync(join(dir, "store", f), "utf8"),
        ),
        inspect(trud, { depth: 6 }),
        JSON.stringify(trud.client),
      ].join("\n");
      expect(text).not.toContain(KEY);
      expect(text).not.toContain("ffffffffffffffffffffffffffffffffffffffff");
      expect(text).toContain("<REDACTED>");
    });
  });
});
