import { OrdClient } from "@fhir-facade/ods-core";
import { startFakeOrd } from "@fhir-facade/testkit";
import type { FakeOrd } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { MemoryOdsRepository } from "../src/fhir/memory-repository.js";
import { ordLiveSource } from "../src/fhir/ord-live-source.js";
import { ReadThroughCache } from "../src/fhir/read-through.js";
import { getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

let ord: FakeOrd;
let app: Running;
let off: Running;

beforeAll(async () => {
  ord = await startFakeOrd();
  const client = new OrdClient({
    baseUrl: ord.baseUrl,
    requestsPerSecond: 50,
    burst: 10,
    retry: { retries: 0 },
  });
  const readThrough = new ReadThroughCache({ source: ordLiveSource(client) });
  // An empty mirror: every organisation comes from live ORD.
  app = await startApp({ ods: new MemoryOdsRepository(), readThrough });
  off = await startApp({ ods: new MemoryOdsRepository() });
});
afterAll(async () => {
  await app.close();
  await off.close();
  await ord.close();
});

function codes(): string[] {
  return ord.store.all().map((o) => o.OrgId.extension);
}
const ORG_PATH = /\/organisations\//;

describe("read-through to live ORD", () => {
  test("a code missing from the mirror is read from ORD, mapped, and announced in X-Facade-Source", async () => {
    const code = codes()[0] ?? "RR8";
    const { status, body, headers } = await getJson(`${app.base}/Organization/${code}`);
    expect(status).toBe(200);
    expect(body.id).toBe(code);
    expect(headers.get("x-facade-source")).toBe("ord-live");
    expect(headers.get("etag")).toMatch(/^W\/"/);
  });

  test("repeated reads are served from the cache (one upstream call)", async () => {
    const code = codes()[1] ?? "RR8";
    const before = ord.server.count(ORG_PATH);
    await getJson(`${app.base}/Organization/${code}`);
    await getJson(`${app.base}/Organization/${code}`);
    await getJson(`${app.base}/Organization/${code}`);
    expect(ord.server.count(ORG_PATH) - before).toBe(1);
  });

  test("a code ORD does not know either is 404", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/ZZZ999`);
    expect(status).toBe(404);
    expect(body.issue[0].code).toBe("not-found");
  });

  test("ORD failing is 502 transient, not a crash", async () => {
    ord.server.faults.add({ path: ORG_PATH, fault: { kind: "status", status: 503 }, times: 5 });
    try {
      const { status, body } = await getJson(`${app.base}/Organization/Y12345`);
      expect(status).toBe(502);
      expect(body.issue[0].code).toBe("transient");
    } finally {
      ord.server.faults.clear();
    }
  });

  test("switched off: a missing code is a plain 404 and ORD is never asked", async () => {
    const before = ord.server.count(ORG_PATH);
    const code = codes()[2] ?? "RR8";
    const { status, headers } = await getJson(`${off.base}/Organization/${code}`);
    expect(status).toBe(404);
    expect(headers.get("x-facade-source")).toBeNull();
    expect(ord.server.count(ORG_PATH)).toBe(before);
  });
});
