import { randomUUID } from "node:crypto";

import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";

import { MemoryCacheStore, RedisCacheStore, RedisRequestBudget } from "../src/terminology/index.js";
import type { CacheEntry } from "../src/terminology/index.js";
import { startGatewayHarness } from "./terminology-harness.js";
import type { GatewayHarness } from "./terminology-harness.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const LOOKUP = "CodeSystem/$lookup?system=http%3A%2F%2Fsnomed.info%2Fsct&code=291446002&property=inactive";
const SIMPLE = "http://hl7.org/fhir/test/CodeSystem/simple";
const FHIR = "/production1/fhir";

let now = Date.UTC(2026, 10, 21, 12);
const clock = (): number => now;
let h: GatewayHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(extra: Parameters<typeof startGatewayHarness>[0] = {}): Promise<GatewayHarness> {
  now = Date.UTC(2026, 10, 21, 12);
  h = await startGatewayHarness({ ...extra, gateway: { now: clock, ...extra.gateway } });
  return h;
}

function upstreamCount(g: GatewayHarness, path = `${FHIR}/CodeSystem/$lookup`): number {
  return g.tx.server.count(path);
}

describe("memory cache", () => {
  test("a repeated GET is a hit: one upstream request, X-Cache HIT, identical bytes", async () => {
    const g = await harness();
    const first = await g.get(LOOKUP);
    const firstBody = await first.text();
    expect(first.headers.get("x-cache")).toBe("MISS");
    const second = await g.get(LOOKUP);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await second.text()).toBe(firstBody);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(upstreamCount(g)).toBe(1);
    expect(g.gateway.stats.cacheHits).toBe(1);
  });

  test("GET and POST forms (query, form, JSON Parameters in any order) share one entry; XML bodies are keyed by their bytes", async () => {
    const g = await harness();
    await g.get(`CodeSystem/$lookup?system=${encodeURIComponent(SIMPLE)}&code=code1`);
    const form = await g.post(
      "CodeSystem/$lookup",
      `code=code1&system=${encodeURIComponent(SIMPLE)}`,
      "application/x-www-form-urlencoded",
    );
    expect(form.headers.get("x-cache")).toBe("HIT");
    const json = await g.post(
      "CodeSystem/$lookup",
      JSON.stringify({
        resourceType: "Parameters",
        parameter: [
          { name: "code", valueCode: "code1" },
          { name: "system", valueUri: SIMPLE },
        ],
      }),
      "application/fhir+json",
    );
    expect(json.headers.get("x-cache")).toBe("HIT");
    // FHIR.js reads XML leniently (a foreign namespace, unknown elements, a repeated value): pairs read from it
    // could name another call than the bytes upstream receives, so an XML body never meets another form.
    const xmlBody = await g.post(
      "CodeSystem/$lookup",
      `<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="system"/><valueUri value="${SIMPLE}"/></parameter>` +
        `<parameter><name value="code"/><valueCode value="code1"/></parameter></Parameters>`,
      "application/fhir+xml",
    );
    expect(xmlBody.status).toBe(200);
    expect(xmlBody.headers.get("x-cache")).not.toBe("HIT");
    const foreign = await g.post(
      "CodeSystem/$lookup",
      `<Parameters xmlns="urn:evil"><parameter><name value="system"/><valueUri value="${SIMPLE}"/></parameter>` +
        `<parameter><name value="code"/><valueCode value="nope"/><valueCode value="code1"/></parameter></Parameters>`,
      "application/fhir+xml",
    );
    expect(foreign.headers.get("x-cache")).not.toBe("HIT");
    // A JSON body nested deeply enough to exhaust the stack when canonicalised is keyed by its bytes, not a 500.
    const deep = await g.post(
      "CodeSystem/$lookup",
      `{"resourceType":"Parameters","parameter":[{"name":"x","part":${"[".repeat(100_000)}${"]".repeat(100_000)}}]}`,
      "application/fhir+json",
    );
    expect(deep.status).not.toBe(500);
    expect(upstreamCount(g)).toBe(4);
    // Accept and Accept-Language are part of the key.
    const xml = await g.get(`CodeSystem/$lookup?system=${encodeURIComponent(SIMPLE)}&code=code1`, {
      accept: "application/fhir+xml",
    });
    expect(xml.headers.get("x-cache")).toBe("MISS");
    const de = await g.get(`CodeSystem/$lookup?system=${encodeURIComponent(SIMPLE)}&code=code1`, {
      "accept-language": "de",
    });
    expect(de.headers.get("x-cache")).toBe("MISS");
    expect(upstreamCount(g)).toBe(6);
  });

  test("after the TTL the entry is revalidated with If-None-Match (304 upstream) and served again", async () => {
    const g = await harness({ gateway: { cache: { ttlMs: 60_000 } } });
    await g.get(LOOKUP);
    now += 61_000;
    const res = await g.get(LOOKUP);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-cache")).toBe("REVALIDATED");
    expect(await res.text()).toContain("291446002");
    const lookups = g.tx.server.requests.filter((r) => r.path === `${FHIR}/CodeSystem/$lookup`);
    expect(lookups).toHaveLength(2);
    expect(lookups[1]?.headers["if-none-match"]).toBe('W/"1667879415644"');
    now += 30_000;
    expect((await g.get(LOOKUP)).headers.get("x-cache")).toBe("HIT");
  });

  test("a changed upstream ETag replaces the entry", async () => {
    const g = await harness({ gateway: { cache: { ttlMs: 1000 } } });
    await g.get("CodeSystem/simple");
    g.tx.setContentVersion(1800000000000);
    now += 2000;
    const res = await g.get("CodeSystem/simple");
    expect(res.headers.get("x-cache")).toBe("MISS");
    expect(res.headers.get("etag")).toBe('W/"1800000000000"');
  });

  test("a caller's If-None-Match is answered 304 from the cache", async () => {
    const g = await harness();
    const first = await g.get(LOOKUP);
    const again = await g.get(LOOKUP, { "if-none-match": first.headers.get("etag") ?? "" });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(upstreamCount(g)).toBe(1);
  });

  test("stale-if-error: after the TTL, upstream 503 / reset / timeout serve the stale entry within the grace", async () => {
    const g = await harness({
      gateway: { cache: { ttlMs: 1000, staleIfErrorMs: 60_000 }, timeoutMs: 3000, retry: { maxAttempts: 1 } },
    });
    const fresh = await (await g.get(LOOKUP)).text();
    now += 2000;
    g.tx.server.faults.add({
      path: `${FHIR}/CodeSystem/$lookup`,
      fault: { kind: "status", status: 503 },
      times: 1,
    });
    const stale = await g.get(LOOKUP);
    expect(stale.status).toBe(200);
    expect(stale.headers.get("x-cache")).toBe("STALE");
    expect(await stale.text()).toBe(fresh);
    g.tx.server.faults.add({ path: `${FHIR}/CodeSystem/$lookup`, fault: { kind: "reset" }, times: 1 });
    expect((await g.get(LOOKUP)).headers.get("x-cache")).toBe("STALE");
    g.tx.server.faults.add({ path: `${FHIR}/CodeSystem/$lookup`, fault: { kind: "hang" }, times: 1 });
    expect((await g.get(LOOKUP)).headers.get("x-cache")).toBe("STALE");
    now += 120_000; // past the grace: the failure shows
    g.tx.server.faults.add({
      path: `${FHIR}/CodeSystem/$lookup`,
      fault: { kind: "status", status: 503 },
      times: 1,
    });
    const late = await g.get(LOOKUP);
    expect(late.status).toBe(503);
    expect(g.gateway.stats.staleServed).toBe(3);
  });

  test("single flight: 50 identical concurrent requests make one upstream request", async () => {
    const g = await harness();
    g.tx.server.faults.add({
      path: `${FHIR}/CodeSystem/$lookup`,
      fault: { kind: "latency", ms: 100 },
      times: 1,
    });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => g.get(LOOKUP).then(async (r) => [r.status, await r.text()] as const)),
    );
    expect(new Set(answers.map(([s, b]) => `${s}${b}`)).size).toBe(1);
    expect(upstreamCount(g)).toBe(1);
  });

  test("1,000 concurrent cold calls make one token request", async () => {
    const g = await harness();
    const codes = ["code1", "code2", "code2a", "code2aI", "code2aII", "code2b", "code3"];
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        g
          .get(
            `CodeSystem/$lookup?system=${encodeURIComponent(SIMPLE)}&code=${codes[i % codes.length] ?? ""}`,
          )
          .then((r) => r.status),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    expect(g.tx.keycloak.tokenRequests).toBe(1);
    expect(upstreamCount(g)).toBe(codes.length);
  });

  test("never caches 401/403/5xx; 404 is cached for one minute", async () => {
    const g = await harness({ gateway: { retry: { maxAttempts: 1 } } });
    for (const status of [500, 503, 403]) {
      g.tx.server.faults.add({
        path: `${FHIR}/CodeSystem/simple`,
        fault: { kind: "status", status },
        times: 1,
      });
      expect((await g.get("CodeSystem/simple")).status).toBe(status);
    }
    expect((await g.get("CodeSystem/simple")).status).toBe(200);
    expect(g.tx.server.count(`${FHIR}/CodeSystem/simple`)).toBe(4);
    const missing = "CodeSystem/$lookup?system=http://hl7.org/fhir/test/CodeSystem/simple&code=nope";
    expect((await g.get(missing)).status).toBe(404);
    expect((await g.get(missing)).headers.get("x-cache")).toBe("HIT");
    now += 61_000;
    const after = await g.get(missing);
    expect(after.status).toBe(404);
    expect(after.headers.get("x-cache")).not.toBe("HIT");
  });

  test("answers over maxEntryBytes are streamed through, not cached", async () => {
    const g = await harness({ gateway: { cache: { maxEntryBytes: 200 } } });
    const first = await g.get("CodeSystem/simple");
    expect(first.status).toBe(200);
    const body = (await first.json()) as { id: string };
    expect(body.id).toBe("simple");
    expect((await g.get("CodeSystem/simple")).headers.get("x-cache")).toBe("BYPASS");
    expect(g.tx.server.count(`${FHIR}/CodeSystem/simple`)).toBe(2);
  });
});

describe("MemoryCacheStore", () => {
  function entry(bytes: number, t = 0): CacheEntry {
    return {
      status: 200,
      headers: [],
      body: Buffer.alloc(bytes),
      etag: undefined,
      storedAt: t,
      freshUntil: t + 1000,
      staleUntil: t + 2000,
    };
  }

  test("evicts least recently used entries to stay under the byte bound", () => {
    const store = new MemoryCacheStore({ maxBytes: 3000, now: () => 0 });
    store.set("a", entry(800));
    store.set("b", entry(800));
    store.set("c", entry(800));
    expect(store.get("a")).toBeDefined(); // a is now most recent
    store.set("d", entry(800));
    expect(store.get("b")).toBeUndefined();
    expect(store.get("a")).toBeDefined();
    expect(store.get("c")).toBeDefined();
    expect(store.get("d")).toBeDefined();
    expect(store.size).toBeLessThanOrEqual(3000);
    store.set("huge", entry(5000));
    expect(store.get("huge")).toBeUndefined();
  });

  test("drops entries past staleUntil", () => {
    let t = 0;
    const store = new MemoryCacheStore({ maxBytes: 10_000, now: () => t });
    store.set("a", entry(10));
    t = 2500;
    expect(store.get("a")).toBeUndefined();
    expect(store.count).toBe(0);
  });
});

describe("Redis shared cache (real Redis on 127.0.0.1:6379)", () => {
  let redis: Redis;
  const prefix = `fhir-facade-test:${randomUUID()}:`;

  beforeAll(async () => {
    redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    redis.disconnect();
  });

  test("two gateways (two replicas) share entries: the second answers from Redis without going upstream", async () => {
    const store = new RedisCacheStore({ redis, keyPrefix: prefix, now: clock });
    const g = await harness({ gateway: { cache: { store } } });
    const other = await startGatewayHarness({
      gateway: {
        now: clock,
        cache: { store: new RedisCacheStore({ redis, keyPrefix: prefix, now: clock }) },
      },
    });
    try {
      const first = await g.get(LOOKUP);
      expect(first.headers.get("x-cache")).toBe("MISS");
      const text = await first.text();
      const second = await other.get(LOOKUP);
      expect(second.headers.get("x-cache")).toBe("HIT");
      expect(await second.text()).toBe(text);
      expect(upstreamCount(other)).toBe(0);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBe(1);
      const ttl = await redis.pttl(keys[0] ?? "");
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    } finally {
      await other.close();
    }
  });

  test("a Redis budget is shared by two replicas: together they stay within the limit", async () => {
    const key = `${prefix}budget`;
    const budget = () => new RedisRequestBudget({ redis, key, limit: 3, windowMs: 60_000, maxQueueMs: 0 });
    const a = await harness({ gateway: { cache: false, budget: budget() } });
    const b = await startGatewayHarness({ gateway: { cache: false, budget: budget() } });
    try {
      expect((await a.get(LOOKUP)).status).toBe(200);
      expect((await b.get(LOOKUP)).status).toBe(200);
      expect((await a.get(LOOKUP)).status).toBe(200);
      const refused = await b.get(LOOKUP);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(50);
      expect(upstreamCount(a) + upstreamCount(b)).toBe(3);
    } finally {
      await b.close();
    }
  });

  test("a malformed or foreign value under the key is a miss, not a crash; Redis down is a miss", async () => {
    const store = new RedisCacheStore({ redis, keyPrefix: prefix, now: clock });
    const e: CacheEntry = {
      status: 200,
      headers: [["etag", 'W/"1"']],
      body: Buffer.from("{}"),
      etag: 'W/"1"',
      storedAt: now,
      freshUntil: now + 1000,
      staleUntil: now + 5000,
    };
    await store.set("k", e);
    expect((await store.get("k"))?.body.toString()).toBe("{}");
    const keys = await redis.keys(`${prefix}*`);
    for (const k of keys) {
      await redis.set(k, "garbage");
    }
    expect(await store.get("k")).toBeUndefined();
    const errors: unknown[] = [];
    const dead = new Redis({
      host: "127.0.0.1",
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on("error", () => undefined);
    const down = new RedisCacheStore({
      redis: dead,
      keyPrefix: prefix,
      now: clock,
      onError: (err) => errors.push(err),
    });
    expect(await down.get("k")).toBeUndefined();
    await down.set("k", e);
    expect(errors.length).toBe(2);
    dead.disconnect();
  });
});
