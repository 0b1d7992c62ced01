import { Readable } from "node:stream";

import nodeFetch from "node-fetch";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { KEYCLOAK_CLIENT, NHS_CLIENT, rsaKey, startFakes } from "../test/fixtures.js";
import type { Fakes } from "../test/fixtures.js";
import { createTokenClient } from "./token-client.js";

let fakes: Fakes;
beforeEach(async () => {
  fakes = await startFakes();
});
afterEach(async () => {
  await fakes.close();
});

const fetches = [
  ["global fetch", globalThis.fetch],
  ["node-fetch v3", nodeFetch],
] as const;

function resourceHits(): number {
  return fakes.server.requests.filter((r) => r.path.startsWith("/fhir/")).length;
}

describe.each(fetches)("authenticated fetch through %s", (_name, fetchImpl) => {
  function keycloakClient() {
    return createTokenClient({
      tokenUrl: fakes.keycloak.url,
      ...KEYCLOAK_CLIENT,
      fetch: fetchImpl,
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
    });
  }

  test("adds the bearer token and keeps the caller's headers", async () => {
    const client = keycloakClient();
    const res = await client.fetch(`${fakes.resourceUrl}?code=56265001`, {
      headers: { accept: "application/fhir+json", "X-Request-Id": "r-1" },
    });
    expect(res.status).toBe(200);
    const seen = fakes.server.requests.at(-1)!;
    expect(fakes.keycloak.isValidAccessToken(seen.headers.authorization)).toBe(true);
    expect(seen.headers.accept).toBe("application/fhir+json");
    expect(seen.headers["x-request-id"]).toBe("r-1");
  });

  test("a 401 (token expired mid-stream) leads to exactly one new token and one retry", async () => {
    const client = keycloakClient();
    expect((await client.fetch(fakes.resourceUrl)).status).toBe(200);
    fakes.keycloak.expireAll();
    const res = await client.fetch(fakes.resourceUrl, {
      method: "POST",
      body: '{"resourceType":"Parameters"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: "POST", body: '{"resourceType":"Parameters"}' });
    expect(fakes.keycloak.tokenRequests).toBe(2);
    expect(resourceHits()).toBe(3);
  });

  test("concurrent 401s share one new token", async () => {
    const client = keycloakClient();
    await client.fetch(fakes.resourceUrl);
    fakes.keycloak.revokeAll();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.fetch(fakes.resourceUrl)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("a second 401 is returned, not retried again", async () => {
    const client = keycloakClient();
    fakes.server.faults.add({ path: "/fhir/", fault: { kind: "status", status: 401 } });
    const res = await client.fetch(fakes.resourceUrl);
    expect(res.status).toBe(401);
    expect(resourceHits()).toBe(2);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("a Request object's headers are used when init has none", async () => {
    const RequestImpl = fetchImpl === nodeFetch ? (await import("node-fetch")).Request : Request;
    const client = keycloakClient();
    const request = new RequestImpl(fakes.resourceUrl, { headers: { accept: "application/fhir+json" } });
    const res = await client.fetch(request);
    expect(res.status).toBe(200);
    expect(fakes.server.requests.at(-1)!.headers.accept).toBe("application/fhir+json");
  });
});

describe("replayable bodies only", () => {
  test("a stream body is not replayed: the 401 is returned, and the next call uses a fresh token", async () => {
    const client = createTokenClient({
      tokenUrl: fakes.keycloak.url,
      ...KEYCLOAK_CLIENT,
      fetch: nodeFetch,
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
    });
    await client.fetch(fakes.resourceUrl);
    fakes.keycloak.revokeAll();
    const res = await client.fetch(fakes.resourceUrl, { method: "POST", body: Readable.from(["once"]) });
    expect(res.status).toBe(401);
    expect(resourceHits()).toBe(2);
    expect((await client.fetch(fakes.resourceUrl)).status).toBe(200);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test.each([
    ["URLSearchParams", () => new URLSearchParams({ a: "1" })],
    ["Uint8Array", () => new TextEncoder().encode("bytes")],
    ["Blob", () => new Blob(["blob"])],
  ])("a %s body is replayed after a 401", async (_name, body) => {
    const client = createTokenClient({
      tokenUrl: fakes.keycloak.url,
      ...KEYCLOAK_CLIENT,
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
    });
    await client.fetch(fakes.resourceUrl);
    fakes.keycloak.expireAll();
    const res = await client.fetch(fakes.resourceUrl, { method: "POST", body: body() });
    expect(res.status).toBe(200);
    expect(resourceHits()).toBe(3);
  });
});

test("the NHS API Platform pattern end to end: signed JWT, then an authenticated call", async () => {
  const client = createTokenClient({
    tokenUrl: fakes.nhs.url,
    clientId: NHS_CLIENT.clientId,
    privateKey: rsaKey.privatePem,
    keyId: NHS_CLIENT.keyId,
    fetch: nodeFetch,
    clock: fakes.clock.read,
    allowInsecureLoopback: true,
  });
  const res = await client.fetch(fakes.resourceUrl);
  expect(res.status).toBe(200);
  fakes.clock.advance(600_000); // the 599 s token has expired by the server's clock
  expect((await client.fetch(fakes.resourceUrl)).status).toBe(200);
  expect(fakes.nhs.tokenRequests).toBe(2);
  expect(fakes.nhs.rejections).toEqual([]);
});
