import { afterEach, describe, expect, test, vi } from "vitest";

import { startGatewayHarness } from "./terminology-harness.js";
import type { GatewayHarness, HarnessOptions } from "./terminology-harness.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const LOOKUP = "CodeSystem/$lookup?system=http%3A%2F%2Fsnomed.info%2Fsct&code=291446002&property=inactive";
const UPSTREAM_LOOKUP = "/production1/fhir/CodeSystem/$lookup";

let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  h = await startGatewayHarness({
    ...options,
    gateway: { cache: false, timeoutMs: 2000, ...options.gateway },
  });
  return h;
}

interface Outcome {
  resourceType: string;
  issue: { code: string; diagnostics: string }[];
}

/** Asserts an OperationOutcome with the issue code, and that no credential or token appears anywhere in it. */
async function expectOutcome(g: GatewayHarness, res: Response, status: number, issue: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/fhir+json");
  const text = await res.text();
  const body = JSON.parse(text) as Outcome;
  expect(body.resourceType).toBe("OperationOutcome");
  expect(body.issue[0]?.code).toBe(issue);
  const secrets = [
    g.tx.credentials.keycloak.clientSecret,
    g.tx.credentials.nhs.privateKeyPem.slice(40, 80),
    g.tx.keycloakTokenUrl,
  ];
  for (const r of g.tx.server.requests) {
    const bearer = r.headers.authorization;
    if (typeof bearer === "string") {
      secrets.push(bearer.replace(/^Bearer /, ""));
    }
  }
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    const values: string[] = [];
    res.headers.forEach((v) => values.push(v));
    expect(values.join(" ")).not.toContain(secret);
  }
}

describe("upstream failures map to 502/504 with an OperationOutcome", () => {
  test("a hanging upstream → 504 timeout", async () => {
    const g = await harness();
    expect((await g.get(LOOKUP)).status).toBe(200); // a token is cached: the timeout below is the upstream's
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "hang" } });
    await expectOutcome(g, await g.get(LOOKUP), 504, "timeout");
  });

  test("latency under the timeout is fine; over it → 504", async () => {
    const g = await harness();
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "latency", ms: 100 }, times: 1 });
    expect((await g.get(LOOKUP)).status).toBe(200);
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "latency", ms: 5000 }, times: 1 });
    await expectOutcome(g, await g.get(LOOKUP), 504, "timeout");
  });

  test("connection reset → retried (idempotent), then 502 transient", async () => {
    const g = await harness();
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "reset" } });
    await expectOutcome(g, await g.get(LOOKUP), 502, "transient");
    expect(g.tx.server.count(UPSTREAM_LOOKUP)).toBe(3);
  });

  test("one reset then success: the retry answers 200", async () => {
    const g = await harness();
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "reset" }, times: 1 });
    expect((await g.get(LOOKUP)).status).toBe(200);
  });

  test("connection refused → 502", async () => {
    const g = await harness();
    const port = new URL(g.tx.fhirBase).port;
    const closed = await startGatewayHarness({
      gateway: { upstreamBaseUrl: `http://127.0.0.1:1/production1/fhir`, cache: false, timeoutMs: 2000 },
    });
    try {
      expect(port).not.toBe("1");
      await expectOutcome(closed, await closed.get(LOOKUP), 502, "transient");
    } finally {
      await closed.close();
    }
  });

  test("truncated body and wrong Content-Length → 502 when buffered (cached path)", async () => {
    const g = await harness({ gateway: { cache: {} } });
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "truncate", bytes: 30 }, times: 1 });
    await expectOutcome(g, await g.get(LOOKUP), 502, "transient");
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "wrong-length", delta: 80 }, times: 1 });
    await expectOutcome(g, await g.get(LOOKUP), 502, "transient");
    const ok = await g.get(LOOKUP);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-cache")).toBe("MISS"); // the broken answers were never cached
  });

  test("truncated body on the streamed path cuts the caller's connection (never a wrong complete answer)", async () => {
    const g = await harness();
    g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "truncate", bytes: 30 }, times: 1 });
    await expect(g.get(LOOKUP).then((r) => r.text())).rejects.toThrow();
  });

  test("500/502/503 once → retried with backoff → 200", async () => {
    const g = await harness();
    for (const status of [500, 502, 503]) {
      g.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "status", status }, times: 1 });
      expect((await g.get(LOOKUP)).status).toBe(200);
    }
    expect(g.tx.server.count(UPSTREAM_LOOKUP)).toBe(6);
  });

  test("a persistent 503 is passed through after the retries (never cached)", async () => {
    const g = await harness({ gateway: { cache: {} } });
    g.tx.server.faults.add({
      path: UPSTREAM_LOOKUP,
      fault: {
        kind: "status",
        status: 503,
        body: '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient"}]}',
      },
    });
    const res = await g.get(LOOKUP);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("OperationOutcome");
    expect(g.tx.server.count(UPSTREAM_LOOKUP)).toBe(3);
  });

  test("upstream 429: retried after a short Retry-After; a long one is passed on with Retry-After", async () => {
    const g = await harness({ gateway: { retry: { maxDelayMs: 1500, baseDelayMs: 5 }, timeoutMs: 3000 } });
    g.tx.server.faults.add({
      path: UPSTREAM_LOOKUP,
      fault: { kind: "status", status: 429, retryAfterSeconds: 1 },
      times: 1,
    });
    expect((await g.get(LOOKUP)).status).toBe(200);
    g.tx.server.faults.add({
      path: UPSTREAM_LOOKUP,
      fault: { kind: "status", status: 429, retryAfterSeconds: 60 },
      times: 1,
    });
    const res = await g.get(LOOKUP);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
  });
});

describe("token endpoint failures → 503 with Retry-After", () => {
  const tokenClient = { timeoutMs: 150, deadlineMs: 300 };

  test.each([
    ["503", { kind: "status", status: 503 }],
    ["reset", { kind: "reset" }],
    ["hang", { kind: "hang" }],
    ["500", { kind: "status", status: 500 }],
  ] as const)("token endpoint %s", async (_name, fault) => {
    const g = await harness({ tokenClient, gateway: { timeoutMs: 2000 } });
    g.tx.keycloak.injectFault(fault);
    const res = await g.get(LOOKUP);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectOutcome(g, res, 503, "transient");
    expect(g.tx.server.count(UPSTREAM_LOOKUP)).toBe(0);
  });

  test("refused credentials → 503, and the secret is not in the answer", async () => {
    const g = await harness({
      tokenClient,
      fake: { keycloakClients: [{ clientId: "facade", clientSecret: "a-different-secret" }] },
    });
    await expectOutcome(g, await g.get(LOOKUP), 503, "transient");
  });
});

describe("the budget limiter keeps the facade under the upstream's rate limit", () => {
  test("past the budget: 429 with Retry-After, without calling the upstream", async () => {
    const g = await harness({ gateway: { budget: { limit: 3, windowMs: 60_000, maxQueueMs: 0 } } });
    for (let i = 0; i < 3; i++) {
      expect((await g.get(LOOKUP)).status).toBe(200);
    }
    const res = await g.get(LOOKUP);
    await expectOutcome(g, res, 429, "throttled");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(50);
    expect(g.tx.server.count(UPSTREAM_LOOKUP)).toBe(3);
  });

  test("a short wait is queued rather than refused", async () => {
    const g = await harness({
      gateway: { budget: { limit: 2, windowMs: 300, maxQueueMs: 1000 }, timeoutMs: 2000 },
    });
    const statuses = await Promise.all(Array.from({ length: 5 }, () => g.get(LOOKUP).then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(g.tx.server.count(UPSTREAM_LOOKUP)).toBe(5);
  });
});

describe("the facade's own ODS API keeps serving while the upstream is down", () => {
  test("ODS reads and ODS code-system lookups answer; terminology answers 502", async () => {
    const g = await harness();
    expect((await g.get(LOOKUP)).status).toBe(200); // a token is cached now
    await g.tx.close();
    await expectOutcome(g, await g.get(LOOKUP), 502, "transient");
    const org = await g.get("Organization/RR8");
    expect(org.status).toBe(200);
    const ods = await g.get(
      "CodeSystem/$lookup?system=https://fhir.nhs.uk/Id/ods-organization-code&code=RR8",
    );
    expect(ods.status).toBe(200);
    expect(await ods.text()).toContain("Parameters");
  });
});
