/* eslint-disable @typescript-eslint/no-explicit-any -- reads arbitrary ORD JSON fixtures */
import { FakeServer, createOdsModel, startFakeOrd, type FakeOrd } from "@fhir-facade/testkit";
import nodeFetch from "node-fetch";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { ordRecords } from "../test/fixtures.js";
import { OdsError } from "./errors.js";
import { OrdClient, type OrdClientOptions } from "./ord-client.js";
import type { OrdClientEvent } from "./ord-http.js";
import { parseOrdOrganisation } from "./ord-json.js";
import type { OdsClock } from "./token-bucket.js";

const records = ordRecords();
const model = createOdsModel({ seed: 5, organisations: 300 });
let ord: FakeOrd;

beforeAll(async () => {
  ord = await startFakeOrd({
    organisations: model.organisations(),
    now: () => new Date("2026-11-15T00:00:00Z"),
  });
});
afterAll(async () => {
  await ord.close();
});
afterEach(() => {
  ord.server.faults.clear();
  ord.server.requests.length = 0;
});

/** Virtual time: `sleep` advances `now` instantly, so rate limiting and backoff are observable without waiting. */
function virtualClock(): OdsClock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted === true) throw signal.reason;
      slept.push(ms);
      t += ms;
      await Promise.resolve();
    },
  };
}

function client(options: OrdClientOptions = {}): OrdClient {
  return new OrdClient({
    baseUrl: ord.baseUrl,
    clock: virtualClock(),
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<OdsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OdsError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

const fetchImpls = [
  ["global fetch", globalThis.fetch],
  ["node-fetch v3", nodeFetch],
] as const;

describe.each(fetchImpls)("OrdClient with %s against the fake ORD", (_name, fetchImpl) => {
  const c = () => client({ fetch: fetchImpl as NonNullable<OrdClientOptions["fetch"]> });

  test("organisation(): the real RA9 record, as the model", async () => {
    expect(await c().organisation("RA9")).toEqual(parseOrdOrganisation(records.get("RA9")));
    expect(ord.server.requests[0]?.headers.accept).toBe("application/json");
  });

  test("an unknown code is ORD_NOT_FOUND with the status and ORD's errorText", async () => {
    const error = await failure(c().organisation("ZZZ99"));
    expect(error).toMatchObject({
      name: "OdsError",
      code: "ORD_NOT_FOUND",
      details: { status: 404, errorText: "Not Found" },
    });
  });

  test("search(): follows Next-Page to the end and checks X-Total-Count", async () => {
    const expected = [...model.organisations()].filter((o) => o.Status === "Active").length + 0;
    const rows = await all(c().search({ status: "Active", limit: 37 }));
    const referenceActive = [...records.values()].filter(
      (r: any) => r.Organisation.Status === "Active",
    ).length;
    expect(rows).toHaveLength(expected + referenceActive);
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
    expect(rows.every((r) => r.status === "Active" && r.orgLink?.startsWith(ord.baseUrl))).toBe(true);
    expect(ord.server.count("/ORD/2-0-0/organisations")).toBe(Math.ceil(rows.length / 37));
  });

  test("sync(): the codes changed since a date; beyond 185 days ORD_NOT_ACCEPTABLE", async () => {
    const result = await c().sync("2026-10-01");
    const expected = [...model.organisations(), ...[...records.values()].map((r: any) => r.Organisation)]
      .filter((o) => o.LastChangeDate >= "2026-10-01")
      .map((o) => o.OrgId.extension)
      .sort();
    expect([...result.codes].sort()).toEqual(expected);
    const error = await failure(c().sync("2020-01-01"));
    expect(error).toMatchObject({ code: "ORD_NOT_ACCEPTABLE", details: { status: 406 } });
    expect(error.details.errorText).toContain("185");
  });

  test('roles(): primaryRole "true"/"false" strings become booleans; one role; rels; record classes', async () => {
    const roles = await c().roles();
    expect(roles.find((r) => r.id === "RO197")).toMatchObject({
      code: "197",
      displayName: "NHS TRUST",
      primaryRole: true,
    });
    expect(roles.find((r) => r.id === "RO57")?.primaryRole).toBe(false);
    expect(await c().roles("RO177")).toEqual([expect.objectContaining({ id: "RO177", primaryRole: true })]);
    expect((await c().rels()).map((r) => r.id)).toContain("RE6");
    expect((await c().recordClasses()).map((r) => r.id).sort()).toEqual(["RC1", "RC2"]);
    expect((await failure(c().roles("RO99999"))).code).toBe("ORD_NOT_FOUND");
    const catalogue = await c().catalogue();
    expect(catalogue.roles.get("RO76")?.displayName).toBe("GP PRACTICE");
  });

  test("503 twice then success: retried with backoff, events emitted", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/organisations/RA9",
      fault: { kind: "status", status: 503 },
      times: 2,
    });
    const events: OrdClientEvent[] = [];
    const org = await client({
      fetch: fetchImpl as NonNullable<OrdClientOptions["fetch"]>,
      onEvent: (e) => events.push(e),
    }).organisation("RA9");
    expect(org.code).toBe("RA9");
    expect(events.filter((e) => e.type === "retry").map((e) => e.type === "retry" && e.attempt)).toEqual([
      1, 2,
    ]);
    expect(ord.server.count("/ORD/2-0-0/organisations/RA9")).toBe(3);
  });

  test.each(["reset", "truncate", "wrong-length"] as const)("a %s fault is retried", async (kind) => {
    // (one rule per test: every matching rule applies to the same request)
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations/RA9", fault: { kind }, times: 1 });
    expect((await c().organisation("RA9")).code).toBe("RA9");
    expect(ord.server.count("/ORD/2-0-0/organisations/RA9")).toBe(2);
  });

  test("a hanging server: ORD_TIMEOUT after the retries", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations/RA9", fault: { kind: "hang" } });
    const error = await failure(
      client({
        fetch: fetchImpl as NonNullable<OrdClientOptions["fetch"]>,
        timeoutMs: 150,
        retry: { retries: 1, baseDelayMs: 1 },
      }).organisation("RA9"),
    );
    expect(error.code).toBe("ORD_TIMEOUT");
    expect(ord.server.count("/ORD/2-0-0/organisations/RA9")).toBe(2);
  });
});

describe("OrdClient: errors, retries and limits", () => {
  test("persistent 500: ORD_UNAVAILABLE after 1 + retries attempts", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/roles", fault: { kind: "status", status: 500 } });
    const error = await failure(client({ retry: { retries: 3, baseDelayMs: 1 } }).roles());
    expect(error).toMatchObject({ code: "ORD_UNAVAILABLE", details: { status: 500 } });
    expect(ord.server.count("/ORD/2-0-0/roles")).toBe(4);
  });

  test("429 Retry-After is honoured (capped by maxDelayMs)", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/rels",
      fault: { kind: "status", status: 429, retryAfterSeconds: 2 },
      times: 1,
    });
    const clock = virtualClock();
    await new OrdClient({
      baseUrl: ord.baseUrl,
      clock,
      random: () => 0,
      retry: { baseDelayMs: 5, maxDelayMs: 60_000 },
    }).rels();
    expect(clock.slept).toContain(2000);
    ord.server.faults.add({
      path: "/ORD/2-0-0/rels",
      fault: { kind: "status", status: 429, retryAfterSeconds: 3600 },
      times: 1,
    });
    const capped = virtualClock();
    await new OrdClient({
      baseUrl: ord.baseUrl,
      clock: capped,
      random: () => 0,
      retry: { maxDelayMs: 700 },
    }).rels();
    expect(capped.slept).toContain(700);
  });

  test("backoff is exponential with full jitter", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/recordclasses",
      fault: { kind: "status", status: 502 },
      times: 3,
    });
    const clock = virtualClock();
    await new OrdClient({
      baseUrl: ord.baseUrl,
      clock,
      random: () => 0.5,
      requestsPerSecond: 1000,
      retry: { baseDelayMs: 100, maxDelayMs: 10_000 },
    }).recordClasses();
    expect(clock.slept.filter((ms) => ms >= 50)).toEqual([50, 100, 200]);
  });

  test("400/403 are not retried: ORD_CLIENT_ERROR", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/organisations/RA9",
      fault: { kind: "status", status: 403, body: '{"errorCode":403,"errorText":"Forbidden"}' },
    });
    const error = await failure(client().organisation("RA9"));
    expect(error).toMatchObject({
      code: "ORD_CLIENT_ERROR",
      details: { status: 403, errorText: "Forbidden" },
    });
    expect(ord.server.count("/ORD/2-0-0/organisations/RA9")).toBe(1);
  });

  test("a 200 that is not JSON is ORD_BAD_RESPONSE; an oversized answer is ODS_TOO_LARGE", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/roles",
      fault: { kind: "status", status: 200, body: "<html>maintenance</html>", contentType: "text/html" },
      times: 1,
    });
    expect((await failure(client().roles())).code).toBe("ORD_BAD_RESPONSE");
    expect((await failure(client({ maxResponseBytes: 100 }).roles())).code).toBe("ODS_TOO_LARGE");
  });

  test("a malformed organisation record is ODS_INVALID_RECORD naming organisation and field", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/organisations/RA9",
      fault: {
        kind: "status",
        status: 200,
        body: JSON.stringify({
          Organisation: {
            Name: "X",
            OrgId: { extension: "RA9" },
            orgRecordClass: "RC1",
            Status: "Active",
            LastChangeDate: "2023-13-01",
          },
        }),
      },
      times: 1,
    });
    const error = await failure(client().organisation("RA9"));
    expect(error).toMatchObject({
      code: "ODS_INVALID_RECORD",
      details: { organisation: "RA9", field: "LastChangeDate" },
    });
  });

  test("the caller's abort signal stops the request: ORD_ABORTED", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations/RA9", fault: { kind: "hang" } });
    const controller = new AbortController();
    const pending = failure(client({ timeoutMs: 60_000 }).organisation("RA9", controller.signal));
    setTimeout(() => {
      controller.abort(new Error("stop"));
    }, 50);
    expect((await pending).code).toBe("ORD_ABORTED");
  });

  test("invalid arguments are refused before any request", async () => {
    const c = client();
    for (const params of [
      { offset: 1 },
      { offset: 0 },
      { limit: 1001 },
      { limit: 0 },
      { lastChangeDate: "01/01/2026" },
      { relTypeId: ["RE4"] },
      { primaryRoleId: "RO1;DROP" },
      { name: "" },
    ]) {
      expect((await failure(all(c.search(params as never)))).code).toBe("ODS_INVALID_ARGUMENT");
    }
    expect((await failure(c.organisation("../roles"))).code).toBe("ODS_INVALID_ARGUMENT");
    expect(ord.server.requests).toHaveLength(0);
    for (const options of [
      { baseUrl: "not a url" },
      { baseUrl: "ftp://x/ORD" },
      { requestsPerSecond: 0 },
      { timeoutMs: -1 },
      { burst: 0.5 },
      { retry: { retries: -1 } },
    ]) {
      expect(() => new OrdClient(options as OrdClientOptions)).toThrow(OdsError);
    }
  });

  test("every search parameter is sent with ORD's names", async () => {
    await all(
      client().search({
        name: "trust",
        postCode: "TQ2",
        status: "Active",
        primaryRoleId: "RO197",
        nonPrimaryRoleId: "RO57",
        roles: ["RO197", "RO107"],
        orgRecordClass: "RC1",
        lastChangeDate: "2026-10-01",
        relTypeId: ["RE4", "RE6"],
        targetOrgId: "QJK",
        limit: 10,
        offset: 2,
      }),
    );
    const url = new URL(ord.server.requests[0]!.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Name: "trust",
      PostCode: "TQ2",
      Status: "Active",
      PrimaryRoleId: "RO197",
      NonPrimaryRoleId: "RO57",
      Roles: "RO197,RO107",
      OrgRecordClass: "RC1",
      LastChangeDate: "2026-10-01",
      RelTypeId: "RE4,RE6",
      TargetOrgId: "QJK",
      Limit: "10",
      Offset: "2",
    });
  });
});

describe("OrdClient: rate limiting (token bucket shared by all calls, virtual time)", () => {
  test("5 requests/s by default: 11 concurrent reads span 2 s of virtual time, evenly spaced", async () => {
    const clock = virtualClock();
    const times: number[] = [];
    const c = new OrdClient({
      baseUrl: ord.baseUrl,
      clock,
      onEvent: (e) => {
        if (e.type === "request") times.push(clock.now());
      },
    });
    await Promise.all(Array.from({ length: 11 }, () => c.organisation("RJY")));
    expect(times).toHaveLength(11);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(199.999);
    expect(times.at(-1)! - times[0]!).toBeCloseTo(2000, 0);
  });

  test("different calls (search pages, roles, reads) share one limiter; burst lets N go at once", async () => {
    const clock = virtualClock();
    const times: number[] = [];
    const c = new OrdClient({
      baseUrl: ord.baseUrl,
      clock,
      requestsPerSecond: 2,
      burst: 3,
      onEvent: (e) => {
        if (e.type === "request") times.push(clock.now());
      },
    });
    await Promise.all([c.roles(), c.rels(), c.organisation("RA9"), all(c.search({ limit: 100 }))]);
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(499.999);
  });
});

describe("OrdClient paging against hostile servers (own FakeServer routes)", () => {
  let server: FakeServer;
  let base: string;
  let pages: { rows: number; total: string | undefined; next: string | undefined }[] = [];
  beforeAll(async () => {
    server = new FakeServer();
    server.route("GET", "/ORD/2-0-0/organisations", (req) => {
      const n = Number(req.url.searchParams.get("page") ?? "0");
      const page = pages[n]!;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (page.total !== undefined) headers["X-Total-Count"] = page.total;
      if (page.next !== undefined) headers["Next-Page"] = page.next.replace("$BASE", base);
      const rows = Array.from({ length: page.rows }, (_, i) => ({
        OrgId: `A${n}X${i}`,
        Name: "N",
        Status: "Active",
      }));
      return {
        status: 200,
        headers,
        body: JSON.stringify({ Organisations: rows.length === 1 ? rows[0] : rows }),
      };
    });
    base = `${await server.start()}/ORD/2-0-0`;
  });
  afterAll(async () => {
    await server.close();
  });
  const c = () => new OrdClient({ baseUrl: base, clock: virtualClock() });

  test("fewer rows than X-Total-Count: ORD_COUNT_MISMATCH", async () => {
    pages = [
      { rows: 2, total: "5", next: "$BASE/organisations?page=1" },
      { rows: 2, total: "5", next: undefined },
    ];
    expect((await failure(all(c().search()))).code).toBe("ORD_COUNT_MISMATCH");
  });

  test("pages add up: every row, a single-row page rendered as an object is accepted", async () => {
    pages = [
      { rows: 2, total: "3", next: "$BASE/organisations?page=1" },
      { rows: 1, total: "3", next: undefined },
    ];
    expect((await all(c().search())).map((r) => r.code)).toEqual(["A0X0", "A0X1", "A1X0"]);
  });

  test("a Next-Page loop, a Next-Page to another origin, a bad X-Total-Count: ORD_BAD_RESPONSE", async () => {
    pages = [{ rows: 1, total: "9", next: "$BASE/organisations?page=0" }];
    expect((await failure(all(c().search()))).code).toBe("ORD_BAD_RESPONSE");
    pages = [{ rows: 1, total: "9", next: "http://198.51.100.7/ORD/2-0-0/organisations?page=1" }];
    expect((await failure(all(c().search()))).code).toBe("ORD_BAD_RESPONSE");
    pages = [{ rows: 1, total: "lots", next: undefined }];
    expect((await failure(all(c().search()))).code).toBe("ORD_BAD_RESPONSE");
  });
});
