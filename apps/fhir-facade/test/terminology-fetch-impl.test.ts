import { afterEach, describe, expect, test, vi } from "vitest";

import { startGatewayHarness } from "./terminology-harness.js";
import type { GatewayHarness } from "./terminology-harness.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** The gateway works over any WHATWG-shaped fetch: the global one (other files), node:http (ours), node-fetch v3. */
const LOOKUP = "CodeSystem/$lookup?system=http%3A%2F%2Fsnomed.info%2Fsct&code=291446002&property=inactive";
const UPSTREAM_LOOKUP = "/production1/fhir/CodeSystem/$lookup";
let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each(["node-http", "node-fetch"] as const)("over %s", (fetchImpl) => {
  test("GET and POST pass through; an expired token is renewed once", async () => {
    h = await startGatewayHarness({ fetchImpl, gateway: { cache: false, timeoutMs: 2000 } });
    const res = await h.get(LOOKUP);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Chloroquine");
    const post = await h.post(
      "CodeSystem/$lookup",
      JSON.stringify({
        resourceType: "Parameters",
        parameter: [
          { name: "system", valueUri: "http://hl7.org/fhir/test/CodeSystem/simple" },
          { name: "code", valueCode: "code1" },
        ],
      }),
      "application/fhir+json",
    );
    expect(await post.text()).toContain("Display 1");
    h.tx.keycloak.expireAll();
    expect((await h.get(LOOKUP)).status).toBe(200);
    expect(h.tx.keycloak.tokensIssued).toBe(2);
  });

  test("hang → 504, reset → 502, truncated (cached path) → 502", async () => {
    h = await startGatewayHarness({
      fetchImpl,
      gateway: { cache: {}, timeoutMs: 2000, retry: { maxAttempts: 1 } },
    });
    expect((await h.get("CodeSystem/simple")).status).toBe(200); // a token is cached: the timeout is the upstream's
    h.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "hang" }, times: 1 });
    expect((await h.get(LOOKUP)).status).toBe(504);
    h.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "reset" }, times: 1 });
    expect((await h.get(LOOKUP)).status).toBe(502);
    h.tx.server.faults.add({ path: UPSTREAM_LOOKUP, fault: { kind: "truncate", bytes: 20 }, times: 1 });
    expect((await h.get(LOOKUP)).status).toBe(502);
    expect((await h.get(LOOKUP)).status).toBe(200);
  });

  test("token endpoint hang → 503", async () => {
    h = await startGatewayHarness({
      fetchImpl,
      tokenClient: { timeoutMs: 100, deadlineMs: 250 },
      gateway: { cache: false, timeoutMs: 2000 },
    });
    h.tx.keycloak.injectFault({ kind: "hang" });
    expect((await h.get(LOOKUP)).status).toBe(503);
  });
});
