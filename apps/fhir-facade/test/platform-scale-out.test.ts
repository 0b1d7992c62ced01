// Two facade replicas in one process, built exactly as main.ts builds them (buildDeps + createApp + the
// platform), sharing the machine's PostgreSQL (one ODS mirror, a fresh schema) and Redis (one terminology
// cache, a fresh key prefix): both answer, and only one of them syncs at a time (ods-mirror's advisory lock).
import { execFileSync } from "node:child_process";
import type { Server } from "node:http";

import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startFakeOrd, startFakeTerminologyServer } from "@fhir-facade/testkit";
import type { FakeOrd, FakeTerminologyServer } from "@fhir-facade/testkit";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createPlatform } from "../src/platform/platform.js";
import { createHttpServer, listen } from "../src/platform/server.js";
import { buildDeps } from "../src/platform/wiring.js";
import type { BuiltDeps } from "../src/platform/wiring.js";
import { API_KEYS_JSON, KEYS, captureLogs } from "./platform-harness.js";

const DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = "redis://127.0.0.1:6379/0";
const RUN = `scale_${process.pid}_${Date.now()}`;

interface Replica {
  readonly base: string;
  readonly deps: BuiltDeps;
  readonly server: Server;
  readonly lines: string[];
}

let ord: FakeOrd;
let tx: FakeTerminologyServer;
const replicas: Replica[] = [];

async function startReplica(): Promise<Replica> {
  const config = loadConfig({
    FACADE_API_KEYS: API_KEYS_JSON,
    FACADE_MIRROR_BACKEND: "postgres",
    FACADE_DATABASE_URL: DATABASE_URL,
    FACADE_REDIS_URL: REDIS_URL,
    FACADE_ORD_BASE_URL: ord.baseUrl,
    FACADE_ODS_READ_THROUGH: "false",
    FACADE_MIRROR_SYNC_INTERVAL_S: "0",
    FACADE_TERMINOLOGY_BASE_URL: tx.fhirBase,
    FACADE_TERMINOLOGY_TOKEN_URL: tx.keycloakTokenUrl,
    FACADE_TERMINOLOGY_CLIENT_ID: tx.credentials.keycloak.clientId,
    FACADE_TERMINOLOGY_CLIENT_SECRET: tx.credentials.keycloak.clientSecret,
  });
  const { lines, logger } = captureLogs(config, "debug");
  const platform = createPlatform({ config, logger });
  const deps = await buildDeps({ config, platform, postgresSchema: RUN, redisKeyPrefix: `${RUN}:` });
  const server = createHttpServer(createApp({ config, platform, ...deps.app }), config.limits);
  const { port } = await listen(server, 0, "127.0.0.1");
  return { base: `http://127.0.0.1:${port}`, deps, server, lines };
}

beforeAll(async () => {
  ord = await startFakeOrd();
  tx = await startFakeTerminologyServer();
  // One after the other: the first loads the sample baseline into the shared mirror, the second finds it.
  replicas.push(await startReplica());
  replicas.push(await startReplica());
}, 120_000);

afterAll(async () => {
  for (const r of replicas) {
    r.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      r.server.close(() => {
        resolve();
      });
    });
    await r.deps.close();
  }
  await ord.close();
  await tx.close();
  // The app does not depend on pg itself (ods-mirror does): drop the test schema with psql.
  execFileSync("psql", [
    "-h",
    "127.0.0.1",
    "-U",
    "postgres",
    "-d",
    "test",
    "-qc",
    `DROP SCHEMA IF EXISTS "${RUN}" CASCADE`,
  ]);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${RUN}:*`);
  if (keys.length > 0) {
    await redis.del(...keys);
  }
  await redis.quit();
});

const auth = { headers: { "x-api-key": KEYS.reader } };

describe("two replicas on one PostgreSQL mirror and one Redis cache", { timeout: 120_000 }, () => {
  test("both answer reads and searches from the same mirror", async () => {
    const status = await replicas[0]!.deps.mirror.status();
    expect(status.backend).toBe("postgres");
    expect(status.organisations).toBeGreaterThan(0);
    const search = await fetch(`${replicas[0]!.base}/fhir/Organization?_count=1`, auth);
    expect(search.status).toBe(200);
    const bundle = (await search.json()) as { entry?: { resource: { id: string } }[] };
    const code = bundle.entry?.[0]?.resource.id;
    expect(code).toBeDefined();
    for (const r of replicas) {
      const read = await fetch(`${r.base}/fhir/Organization/${code}`, auth);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { id: string }).id).toBe(code);
      const ready = await fetch(`${r.base}/readyz`);
      expect(ready.status).toBe(200);
    }
    // Only the first replica loaded the baseline.
    const loads = replicas.map((r) => r.lines.filter((l) => l.includes("loaded the sample ODS file")).length);
    expect(loads).toEqual([1, 0]);
  });

  test("started together, only one replica syncs; the other is told another holds the lock", async () => {
    const remove = ord.server.faults.add({ path: "/ORD/2-0-0/sync", fault: { kind: "latency", ms: 1500 } });
    const before = ord.server.count("/ORD/2-0-0/sync");
    try {
      const outcomes = await Promise.all(replicas.map((r) => r.deps.syncOnce()));
      const kinds = outcomes.map((o) => o.kind).sort();
      expect(kinds).toEqual(["busy", "synced"]);
      expect(ord.server.count("/ORD/2-0-0/sync") - before).toBe(1);
    } finally {
      remove();
    }
    // Once the leader is done, the other replica can sync (no fixed leader).
    const later = await replicas[1]!.deps.syncOnce();
    expect(later.kind).toBe("synced");
  });

  test("the terminology cache is shared: a lookup answered by one replica is a hit on the other", async () => {
    const path = "/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&code=22298006";
    const first = await fetch(`${replicas[0]!.base}${path}`, auth);
    await first.text();
    const upstreamAfterFirst = tx.fhirRequests;
    const second = await fetch(`${replicas[1]!.base}${path}`, auth);
    await second.text();
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.status).toBe(first.status);
    expect(tx.fhirRequests).toBe(upstreamAfterFirst);
  });
});
