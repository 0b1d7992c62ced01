import { inspect } from "node:util";

import { FAKE_TRUD_API_KEY, FAKE_TRUD_DISABLED_KEY, FakeTrud, recordedItem341 } from "@fhir-facade/testkit";
import type { Fault } from "@fhir-facade/testkit";
import nodeFetch from "node-fetch";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { TrudClient } from "./client.js";
import type { TrudClientOptions } from "./client.js";
import { TrudError } from "./errors.js";
import type { TrudEvent } from "./events.js";
import type { FetchLike } from "./http.js";

// Real sockets and files: generous limits so a heavily loaded CI machine does not turn slowness into failures.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const KEY = FAKE_TRUD_API_KEY;
let trud: FakeTrud;
let events: TrudEvent[];

beforeEach(async () => {
  trud = new FakeTrud({
    items: [
      recordedItem341(),
      {
        item: 58,
        releases: [
          { id: "b.zip", releaseDate: "2025-05-08", content: Buffer.from("bbb") },
          { id: "a.zip", releaseDate: "2025-05-01", content: Buffer.from("aaa") },
        ],
      },
      { item: 77, releases: [], subscribers: ["another-account"] },
    ],
  });
  await trud.start();
  events = [];
});
afterEach(async () => {
  await trud.close();
});

/** The transports the error tests run through: the built-in one (raw-http.ts), and injected fetches. */
const TRANSPORTS: readonly (readonly [string, FetchLike | undefined])[] = [
  ["the built-in transport (no fetch injected)", undefined],
  ["an injected globalThis.fetch", globalThis.fetch],
  ["an injected node-fetch v3", nodeFetch],
];
let transport: Partial<TrudClientOptions> = {};

function client(options: Partial<TrudClientOptions> = {}): TrudClient {
  return new TrudClient({
    apiKey: KEY,
    baseUrl: trud.url,
    sleep: () => Promise.resolve(),
    onEvent: (e) => events.push(e),
    ...transport,
    ...options,
  });
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

/** Everything a user could see: the error's message, name, cause chain and JSON, plus every event. */
function visible(error: unknown): string {
  const parts: string[] = [JSON.stringify(events), inspect(error, { depth: 10 })];
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    parts.push(e.message, e.stack ?? "", JSON.stringify(e));
  }
  return parts.join("\n");
}

describe("listing releases", () => {
  test("the full recorded item-341 list parses: 96 releases, three eras, reissues, 64-bit-safe sizes", async () => {
    const { apiVersion, releases } = await client().listReleases(341);
    expect(apiVersion).toBe("1");
    expect(releases).toHaveLength(96);
    expect(releases[0]).toMatchObject({
      id: "hscorgrefdataxml_data_7.0.0_20260731000001.zip",
      archiveFileSizeBytes: 37983173,
      archiveFileSha256: "8151248DDC290F3AFFDABAE22D88E0BBD118947D948AB7BDD37E74088CFBA933",
      publicKeyId: 6,
      urlEra: "items",
      idEra: "file-name",
    });
    expect(releases.filter((r) => r.idEra === "pack-id").length).toBeGreaterThan(10);
    expect(releases.filter((r) => r.urlEra === "pack").length).toBeGreaterThan(
      releases.filter((r) => r.idEra === "pack-id").length,
    );
    const reissued = releases.find((r) => r.releaseDate === "2018-09-28");
    expect(reissued?.archiveFileLastModifiedTimestamp.startsWith("2019-03-08")).toBe(true);
    const mismatch = releases.find((r) => r.archiveFileName.includes("20220527"));
    expect(mismatch?.releaseDate).toBe("2022-05-30");
    expect(releases.some((r) => r.name === "Release 10.0.0" && r.releaseDate.startsWith("2019"))).toBe(false);
    for (const r of releases) {
      expect(r.archiveFileUrl).not.toContain(KEY);
      expect(r.archiveFileUrl).toContain("/keys/<REDACTED>/");
    }
  });

  test("?latest is sent as a bare flag and gives one release", async () => {
    const latest = await client().latestRelease(58);
    expect(latest.id).toBe("b.zip");
    expect(trud.server.requests.at(-1)?.url).toMatch(/\/items\/58\/releases\?latest$/);
  });

  test("sizes beyond 4 GB stay exact", async () => {
    trud.addRelease(58, {
      id: "big.zip",
      releaseDate: "2025-06-01",
      content: Buffer.from("x"),
      overrides: { archiveFileSizeBytes: 6_442_450_944 },
    });
    expect((await client().latestRelease(58)).archiveFileSizeBytes).toBe(6_442_450_944);
  });

  test("works with node-fetch v3 as the injected fetch", async () => {
    const { releases } = await client({ fetch: nodeFetch as unknown as FetchLike }).listReleases(58);
    expect(releases.map((r) => r.id)).toEqual(["b.zip", "a.zip"]);
  });
});

describe.each(TRANSPORTS)("through %s", (_name, fetch) => {
  beforeEach(() => {
    transport = fetch === undefined ? {} : { fetch };
  });
  afterEach(() => {
    transport = {};
  });

  describe("errors, each with the key redacted", () => {
    test("400 unknown key", async () => {
      const error = await failure(
        client({ apiKey: "0000000000000000000000000000000000000bad" }).listReleases(58),
      );
      expect(error.code).toBe("invalid-key");
      expect(error.status).toBe(400);
      expect(visible(error)).not.toContain("0000000000000000000000000000000000000bad");
    });

    test("401 disabled key, with TRUD's message and a hint", async () => {
      const error = await failure(client({ apiKey: FAKE_TRUD_DISABLED_KEY }).listReleases(58));
      expect(error.code).toBe("key-disabled");
      expect(error.message).toContain("API access is disabled");
      expect(error.message).toContain("password");
      expect(visible(error)).not.toContain(FAKE_TRUD_DISABLED_KEY);
    });

    test("404 unknown item and unsubscribed item: TRUD's message echoes the key; ours does not", async () => {
      for (const item of [4040, 77]) {
        const error = await failure(client().listReleases(item));
        expect(error.code).toBe("item-not-found");
        expect(error.message).toContain("No releases found for API key <REDACTED>");
        expect(error.message).toContain(`item ${item}`);
        expect(visible(error)).not.toContain(KEY);
      }
    });

    test("403 is mapped", async () => {
      trud.faults.add({ path: "/trud/", fault: { kind: "status", status: 403 } });
      expect((await failure(client().listReleases(58))).code).toBe("forbidden");
    });

    test("429 and 5xx are retried with backoff, honouring Retry-After", async () => {
      // The fake consumes every matching rule on one request, so each next fault is queued while we back off.
      const queue = [500, 502, 503];
      const sleeps: number[] = [];
      trud.faults.add({
        path: "/trud/",
        fault: { kind: "status", status: 429, retryAfterSeconds: 2 },
        times: 1,
      });
      const sleep = (ms: number): Promise<void> => {
        sleeps.push(ms);
        const status = queue.shift();
        if (status !== undefined) {
          trud.faults.add({ path: "/trud/", fault: { kind: "status", status }, times: 1 });
        }
        return Promise.resolve();
      };
      const c = client({ sleep, retry: { retries: 4, baseDelayMs: 100 } });
      expect((await c.listReleases(58)).releases).toHaveLength(2);
      expect(sleeps).toHaveLength(4);
      expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
      expect(events.filter((e) => e.type === "retry")).toHaveLength(4);
      expect(JSON.stringify(events)).not.toContain(KEY);
    });

    test("5xx that never ends is `unavailable` with a maintenance hint (non-JSON body)", async () => {
      trud.faults.add({
        path: "/trud/",
        fault: { kind: "status", status: 503, body: "<html>down</html>", contentType: "text/html" },
      });
      const error = await failure(client({ retry: { retries: 2 } }).listReleases(58));
      expect(error.code).toBe("unavailable");
      expect(error.message).toContain("maintenance");
      expect(trud.server.count("/trud/")).toBe(3);
    });

    test("429 beyond the allowed Retry-After fails at once as rate-limited", async () => {
      trud.faults.add({ path: "/trud/", fault: { kind: "status", status: 429, retryAfterSeconds: 3600 } });
      expect((await failure(client().listReleases(58))).code).toBe("rate-limited");
      expect(trud.server.count("/trud/")).toBe(1);
    });

    test("connection reset, truncated body and wrong Content-Length are retried", async () => {
      const queue: Fault[] = [
        { kind: "truncate", bytes: 20 },
        { kind: "wrong-length", delta: 40 },
      ];
      trud.faults.add({ path: "/trud/", fault: { kind: "reset" }, times: 1 });
      const sleep = (): Promise<void> => {
        const fault = queue.shift();
        if (fault) {
          trud.faults.add({ path: "/trud/", fault, times: 1 });
        }
        return Promise.resolve();
      };
      expect((await client({ sleep }).listReleases(58)).releases).toHaveLength(2);
      expect(events.filter((e) => e.type === "retry")).toHaveLength(3);
    });

    test("a hang times out per request; after the retries it is `timeout`", async () => {
      trud.faults.add({ path: "/trud/", fault: { kind: "hang" } });
      const error = await failure(client({ requestTimeoutMs: 100, retry: { retries: 1 } }).listReleases(58));
      expect(error.code).toBe("timeout");
      expect(trud.server.count("/trud/")).toBe(2);
    });

    test("latency below the timeout is fine", async () => {
      trud.faults.add({ path: "/trud/", fault: { kind: "latency", ms: 50 } });
      expect((await client({ requestTimeoutMs: 5000 }).listReleases(58)).releases).toHaveLength(2);
    });

    test("a network failure (nothing listening) is `network`, with the key redacted", async () => {
      const url = trud.url;
      await trud.close();
      const error = await failure(client({ baseUrl: url, retry: { retries: 1 } }).listReleases(58));
      expect(error.code).toBe("network");
      expect(visible(error)).not.toContain(KEY);
    });
  });
});

describe("bad input", () => {
  test("a list that is not the documented shape names the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ archiveFileSizeBytes: "12" }, "releases[0].archiveFileSizeBytes"],
      [{ archiveFileSizeBytes: -1 }, "releases[0].archiveFileSizeBytes"],
      [{ archiveFileSizeBytes: 2 ** 60 }, "releases[0].archiveFileSizeBytes"],
      [{ archiveFileSha256: "abc" }, "releases[0].archiveFileSha256"],
      [{ releaseDate: "30/05/2022" }, "releases[0].releaseDate"],
      [{ archiveFileUrl: "ftp://x/y.zip" }, "releases[0].archiveFileUrl"],
      [{ archiveFileLastModifiedTimestamp: "yesterday" }, "releases[0].archiveFileLastModifiedTimestamp"],
      [{ id: 5 }, "releases[0].id"],
    ];
    for (const [overrides, field] of cases) {
      trud.setItem({
        item: 9,
        releases: [{ id: "x.zip", releaseDate: "2025-01-01", content: Buffer.from("x"), overrides }],
      });
      const error = await failure(client().listReleases(9));
      expect(error.code).toBe("invalid-response");
      expect(error.field).toBe(field);
      expect(error.message).toContain(field);
    }
  });

  test("a body that is not JSON, or not an object with releases", async () => {
    trud.faults.add({
      path: "/trud/",
      fault: { kind: "status", status: 200, body: "<html>", contentType: "text/html" },
      times: 1,
    });
    expect((await failure(client().listReleases(58))).field).toBe("(body)");
    trud.faults.add({
      path: "/trud/",
      fault: { kind: "status", status: 200, body: '{"apiVersion":"1"}' },
      times: 1,
    });
    expect((await failure(client().listReleases(58))).field).toBe("releases");
  });

  test("an oversized list body is stopped at the cap", async () => {
    const error = await failure(client({ maxListBytes: 10_000 }).listReleases(341));
    expect(error.code).toBe("too-large");
  });

  test("options are checked up front, without echoing the key", () => {
    expect(() => new TrudClient({ apiKey: "" })).toThrow(TrudError);
    expect(() => new TrudClient({ apiKey: "has space" })).toThrow(/apiKey/);
    expect(() => new TrudClient({ apiKey: KEY, baseUrl: "not a url" })).toThrow(/baseUrl/);
    expect(() => new TrudClient({ apiKey: KEY, requestTimeoutMs: -1 })).toThrow(/requestTimeoutMs/);
    return expect(client().listReleases(0)).rejects.toMatchObject({ code: "invalid-options" });
  });

  test("the client never shows its key", () => {
    const c = client();
    expect(JSON.stringify(c)).not.toContain(KEY);
    expect(inspect(c, { depth: 5, showHidden: true })).not.toContain(KEY);
    expect(Object.prototype.toString.call(c)).not.toContain(KEY);
  });
});
