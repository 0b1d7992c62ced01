import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { FakeServer } from "./fake-server.js";

let server: FakeServer;
let base: string;

beforeEach(async () => {
  server = new FakeServer()
    .route("GET", "/things/:id", (req) => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: req.params.id, q: req.url.searchParams.get("q") }),
    }))
    .route("POST", "/echo", (req) => ({ status: 201, body: req.body }));
  base = await server.start();
});
afterEach(async () => {
  await server.close();
});

describe("FakeServer routing", () => {
  test("matches params and records requests", async () => {
    const res = await fetch(`${base}/things/a%20b?q=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "a b", q: "1" });
    expect(server.count("/things", "GET")).toBe(1);
    expect(server.requests[0]?.path).toBe("/things/a%20b");
  });

  test("echoes a POST body and 404s unknown routes", async () => {
    const res = await fetch(`${base}/echo`, { method: "POST", body: "hello" });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("hello");
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe("fault injection", () => {
  test("status 429 with Retry-After, only as many times as asked", async () => {
    server.faults.add({
      path: "/things",
      fault: { kind: "status", status: 429, retryAfterSeconds: 7 },
      times: 1,
    });
    const first = await fetch(`${base}/things/x`);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("7");
    expect((await fetch(`${base}/things/x`)).status).toBe(200);
  });

  test.each([500, 502, 503])("status %i", async (status) => {
    server.faults.add({ path: "/things", fault: { kind: "status", status } });
    expect((await fetch(`${base}/things/x`)).status).toBe(status);
  });

  test("latency delays the answer", async () => {
    server.faults.add({ path: "/things", fault: { kind: "latency", ms: 120 } });
    const started = performance.now();
    const res = await fetch(`${base}/things/x`);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  test("reset drops the connection", async () => {
    server.faults.add({ path: "/things", fault: { kind: "reset" } });
    await expect(fetch(`${base}/things/x`)).rejects.toThrow();
  });

  test("hang never answers", async () => {
    server.faults.add({ path: "/things", fault: { kind: "hang" } });
    await expect(fetch(`${base}/things/x`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });

  test("truncate cuts the body short", async () => {
    server.faults.add({ path: "/things", fault: { kind: "truncate", bytes: 3 } });
    const res = await fetch(`${base}/things/x`);
    await expect(res.text()).rejects.toThrow();
  });

  test("wrong-length announces more bytes than it sends", async () => {
    server.faults.add({ path: "/things", fault: { kind: "wrong-length", delta: 50 } });
    const res = await fetch(`${base}/things/x`);
    await expect(res.text()).rejects.toThrow();
  });

  test("wrong-length announcing fewer bytes gives a short body", async () => {
    server.faults.add({ path: "/things", fault: { kind: "wrong-length", delta: -5 } });
    const res = await fetch(`${base}/things/x`);
    const text = await res.text();
    expect(text.length).toBe(JSON.stringify({ id: "x", q: null }).length - 5);
  });

  test("rules can be removed and filtered by method", async () => {
    const remove = server.faults.add({
      path: /^\/things\//,
      method: "POST",
      fault: { kind: "status", status: 500 },
    });
    expect((await fetch(`${base}/things/x`)).status).toBe(200);
    remove();
    server.faults.add({ path: "/things", fault: { kind: "status", status: 503 } });
    server.faults.clear();
    expect((await fetch(`${base}/things/x`)).status).toBe(200);
  });
});
