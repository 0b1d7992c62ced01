import { request } from "node:http";
import { connect } from "node:net";

import { afterEach, describe, expect, test } from "vitest";

import { PlatformError } from "../src/platform/errors.js";
import { createRateLimiter } from "../src/platform/limits/rate-limit.js";
import { createUpstreamLimiter } from "../src/platform/limits/upstream-limit.js";
import { API_KEYS_JSON, KEYS, startPlatform } from "./platform-harness.js";
import type { Running } from "./platform-harness.js";

let app: Running | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface Outcome {
  resourceType: string;
  issue: { code: string }[];
}

/** Sends raw bytes and returns the raw response (for requests fetch would refuse to send). */
function raw(base: string, text: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let out = "";
    socket.on("data", (d: Buffer) => (out += d.toString()));
    socket.on("end", () => {
      resolve(out);
    });
    socket.on("close", () => {
      resolve(out);
    });
    socket.on("error", reject);
    socket.end(text);
  });
}

describe("per-client rate limit", () => {
  test("a client over its burst gets 429 OperationOutcome `throttled` with Retry-After; others are unaffected", async () => {
    let now = 1_000_000;
    app = await startPlatform(
      { FACADE_API_KEYS: API_KEYS_JSON, FACADE_RATE_LIMIT_PER_S: "1", FACADE_RATE_LIMIT_BURST: "3" },
      { now: () => now },
    );
    const as = (key: string) => ({ headers: { "x-api-key": key } });
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${app.base}/fhir/Organization/X`, as(KEYS.reader))).status).toBe(200);
    }
    const limited = await fetch(`${app.base}/fhir/Organization/X`, as(KEYS.reader));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(((await limited.json()) as Outcome).issue[0]?.code).toBe("throttled");
    // Another client has its own bucket.
    expect((await fetch(`${app.base}/fhir/ValueSet`, as(KEYS.terminologyOnly))).status).toBe(200);
    // After a second, one more request is allowed.
    now += 1000;
    expect((await fetch(`${app.base}/fhir/Organization/X`, as(KEYS.reader))).status).toBe(200);
  });

  test("the limiter unit: refill, Retry-After rounding, bounded key count", () => {
    let t = 0;
    const limit = createRateLimiter({ perSecond: 2, burst: 2, now: () => t, maxKeys: 3 });
    expect([limit("a"), limit("a"), limit("a")]).toEqual([0, 0, 1]);
    t = 500;
    expect(limit("a")).toBe(0);
    for (const k of ["b", "c", "d", "e"]) {
      expect(limit(k)).toBe(0);
    }
    expect(createRateLimiter({ perSecond: 0, burst: 1 })("x")).toBe(0);
  });
});

describe("request size limits", () => {
  test("a body over FACADE_MAX_BODY_BYTES: 413 before it is read", async () => {
    app = await startPlatform({ FACADE_MAX_BODY_BYTES: "1024" });
    const res = await fetch(`${app.base}/fhir/Organization/_search`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "name=".padEnd(4096, "x"),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Outcome).issue[0]?.code).toBe("too-long");
  });

  test("a URL over FACADE_MAX_URL_LENGTH: 414", async () => {
    app = await startPlatform({ FACADE_MAX_URL_LENGTH: "256" });
    const res = await fetch(`${app.base}/fhir/Organization?name=${"x".repeat(300)}`);
    expect(res.status).toBe(414);
    expect(((await res.json()) as Outcome).resourceType).toBe("OperationOutcome");
  });

  test("too many headers: 431", async () => {
    app = await startPlatform({ FACADE_MAX_HEADERS: "10" });
    const headers: Record<string, string> = {};
    for (let i = 0; i < 12; i++) {
      headers[`x-h${i}`] = "v";
    }
    const res = await fetch(`${app.base}/fhir/Organization/X`, { headers });
    expect(res.status).toBe(431);
  });

  test("a request head over FACADE_MAX_HEADER_BYTES: 431 OperationOutcome from the parser", async () => {
    app = await startPlatform({ FACADE_MAX_HEADER_BYTES: "2048" });
    const response = await raw(
      app.base,
      `GET /fhir/Organization/X HTTP/1.1\r\nHost: a\r\nX-Big: ${"y".repeat(4000)}\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toContain('"resourceType":"OperationOutcome"');
  });

  test("a malformed request line: 400 OperationOutcome", async () => {
    app = await startPlatform({});
    const response = await raw(app.base, "BLAH\r\n\r\n");
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain('"code":"structure"');
  });

  test("a non-numeric Content-Length: 400", async () => {
    app = await startPlatform({});
    const response = await raw(
      app.base,
      "POST /fhir/Organization/_search HTTP/1.1\r\nHost: a\r\nContent-Length: 12abc\r\n\r\n",
    );
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe("request timeout", () => {
  test("a handler slower than FACADE_REQUEST_TIMEOUT_MS: 503 `timeout`", async () => {
    app = await startPlatform({ FACADE_REQUEST_TIMEOUT_MS: "200" });
    const res = await fetch(`${app.base}/fhir/slow/1000`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as Outcome).issue[0]?.code).toBe("timeout");
  });
});

describe("cap on concurrent upstream calls", () => {
  test("calls over the cap queue; past the queue timeout they fail with upstream-busy (503, Retry-After)", async () => {
    const limiter = createUpstreamLimiter({ maxConcurrency: 2, queueTimeoutMs: 50 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slowFetch = (async () => {
      await gate;
      return new Response("ok");
    }) as typeof fetch;
    const calls: { upstream: string; status: number | "error" }[] = [];
    const f = limiter.wrapFetch(slowFetch, "terminology", (c) => calls.push(c));
    const first = [f("http://127.0.0.1:1/a"), f("http://127.0.0.1:1/b")];
    const third = f("http://127.0.0.1:1/c");
    expect(limiter.active).toBe(2);
    expect(limiter.queued).toBe(1);
    const err = await third.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe("upstream-busy");
    expect((err as PlatformError).status).toBe(503);
    expect((err as PlatformError).headers["Retry-After"]).toBe("1");
    release();
    await Promise.all(first);
    expect(limiter.active).toBe(0);
    expect(calls).toEqual([
      expect.objectContaining({ upstream: "terminology", status: 200 }),
      expect.objectContaining({ upstream: "terminology", status: 200 }),
    ]);
  });

  test("a queued call runs when a slot frees", async () => {
    const limiter = createUpstreamLimiter({ maxConcurrency: 1, queueTimeoutMs: 1000 });
    const order: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((name) =>
        limiter.run(async () => {
          order.push(`start ${name}`);
          await new Promise((r) => setTimeout(r, 5));
          order.push(`end ${name}`);
        }),
      ),
    );
    expect(order).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });
});

describe("HEAD and keep-alive", () => {
  test("a HEAD on a refused request has no body", async () => {
    app = await startPlatform({ FACADE_API_KEYS: API_KEYS_JSON });
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${app!.base}/fhir/Organization/X`, { method: "HEAD" }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(401);
    expect(body).toBe("");
  });
});
