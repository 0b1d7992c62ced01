import { afterEach, describe, expect, test } from "vitest";

import { startPlatform } from "./platform-harness.js";
import type { Running } from "./platform-harness.js";

let app: Running | undefined;

interface ReadyBody {
  status: string;
  checks: {
    mirror: unknown;
    upstreams: Record<string, unknown>;
  };
}
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function requestLines(lines: string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request");
}

describe("request ids and request logs", () => {
  test("X-Request-Id is honoured and returned; a hostile one is replaced by a UUID", async () => {
    app = await startPlatform({});
    const mine = await fetch(`${app.base}/fhir/Organization/RR8`, { headers: { "x-request-id": "abc-123" } });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const hostile = await fetch(`${app.base}/fhir/Organization/RR8`, {
      headers: { "x-request-id": '{"level":60} <script>' },
    });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${app.base}/fhir/Organization/RR8`);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("one JSON line per request: id, method, route pattern, status, latency, client, cache hit, upstream status", async () => {
    app = await startPlatform({});
    await fetch(`${app.base}/fhir/CodeSystem/$lookup?system=x&code=y`, {
      headers: { "x-request-id": "req-1" },
    });
    await (await fetch(`${app.base}/fhir/Organization/RR8`, { headers: { "x-request-id": "req-2" } })).text();
    await new Promise((r) => setTimeout(r, 20));
    const [lookup, read] = requestLines(app.lines);
    expect(lookup).toMatchObject({
      reqId: "req-1",
      method: "GET",
      route: "/fhir/CodeSystem/$lookup",
      status: 200,
      client: "anonymous",
      cacheHit: true,
      upstreamStatus: 200,
      service: "fhir-facade",
      level: 30,
    });
    expect(typeof lookup?.latencyMs).toBe("number");
    expect(read).toMatchObject({
      reqId: "req-2",
      route: "/fhir/Organization/:id",
      path: "/fhir/Organization/RR8",
    });
    expect(read?.cacheHit).toBeUndefined();
    // The query string is not logged (it is the caller's data).
    expect(JSON.stringify(lookup)).not.toContain("code=y");
  });
});

describe("metrics", () => {
  test("request counts and latency histograms by route pattern and status; cache hit ratio", async () => {
    app = await startPlatform({});
    for (const id of ["A", "B", "C"]) {
      await (await fetch(`${app.base}/fhir/Organization/${id}`)).text();
    }
    await (await fetch(`${app.base}/fhir/CodeSystem/$lookup?code=1`)).text();
    await (await fetch(`${app.base}/nowhere`)).text();
    const text = await (await fetch(`${app.base}/metrics`)).text();
    expect(text).toContain(
      'facade_http_requests_total{route="/fhir/Organization/:id",method="GET",status="200"} 3',
    );
    expect(text).toContain('facade_http_requests_total{route="other",method="GET",status="404"} 1');
    expect(text).toMatch(
      /facade_http_request_duration_seconds_bucket\{le="0\.5",route="\/fhir\/Organization\/:id",method="GET",status="200"\} 3/,
    );
    expect(text).toContain('facade_cache_lookups_total{cache="terminology",result="hit"} 1');
    expect(text).toContain('facade_cache_hit_ratio{cache="terminology"} 1');
    expect(text).toContain("facade_process_resident_memory_bytes");
  });

  test("upstream calls, token refreshes, in-flight; mirror size, age and sync lag", async () => {
    const now = Date.parse("2026-01-10T12:00:00Z");
    app = await startPlatform({}, { now: () => now });
    const { metrics, upstream } = app.platform;
    const f = upstream.wrapFetch(
      () => Promise.resolve(new Response("{}", { status: 404 })),
      "terminology",
      metrics.observeUpstream,
    );
    await f("http://127.0.0.1:1/CodeSystem/x");
    metrics.tokenRefreshes.inc({ upstream: "terminology", result: "ok" });
    app.platform.setMirror(() => ({
      loaded: true,
      organisations: 1234,
      dataAsOf: new Date("2026-01-09T12:00:00Z"),
      lastSyncAt: new Date("2026-01-10T11:00:00Z"),
    }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('facade_upstream_requests_total{upstream="terminology",status="404"} 1');
    expect(text).toContain('facade_upstream_token_refreshes_total{upstream="terminology",result="ok"} 1');
    expect(text).toContain("facade_upstream_in_flight 0");
    expect(text).toContain("facade_mirror_loaded 1");
    expect(text).toContain("facade_mirror_organisations 1234");
    expect(text).toContain("facade_mirror_age_seconds 86400");
    expect(text).toContain("facade_mirror_sync_lag_seconds 3600");
  });
});

describe("health and readiness", () => {
  test("/healthz is always ok; /readyz follows the mirror and the shutdown, reports upstreams without failing", async () => {
    app = await startPlatform({});
    const ready = async () => {
      const res = await fetch(`${app!.base}/readyz`);
      return { status: res.status, body: (await res.json()) as ReadyBody };
    };
    expect((await ready()).body.checks.mirror).toBe("absent");

    let loaded = false;
    app.platform.setMirror(() => ({ loaded, organisations: loaded ? 10 : 0 }));
    app.platform.addUpstreamProbe("terminology", () =>
      Promise.resolve({
        reachable: false,
        detail: "connection refused",
      }),
    );
    const before = await ready();
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({
      status: "not-ready",
      checks: { mirror: { loaded: false, ready: false } },
    });

    loaded = true;
    await new Promise((r) => setTimeout(r, 1100)); // mirror stats are shared for a second
    const after = await ready();
    expect(after.status).toBe(200);
    expect(after.body.checks.upstreams.terminology).toMatchObject({
      reachable: false,
      detail: "connection refused",
    });

    app.platform.beginShutdown();
    const draining = await fetch(`${app.base}/readyz`);
    expect(draining.status).toBe(503);
    expect(draining.headers.get("connection")).toBe("close");
    expect((await fetch(`${app.base}/healthz`)).status).toBe(200);
  });

  test("a hanging upstream probe is cut at its timeout", async () => {
    app = await startPlatform({});
    app.platform.addUpstreamProbe("terminology", () => new Promise(() => undefined));
    const res = await fetch(`${app.base}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReadyBody;
    expect(body.checks.upstreams.terminology).toMatchObject({ reachable: false, detail: "probe timed out" });
  });
});
