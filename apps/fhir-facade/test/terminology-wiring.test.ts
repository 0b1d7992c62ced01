import { inspect } from "node:util";

import { createTokenClient } from "@fhir-facade/auth-client-credentials";
import { startFakeTerminologyServer } from "@fhir-facade/testkit";
import type { FakeTerminologyServer } from "@fhir-facade/testkit";
import { afterEach, describe, expect, test, vi } from "vitest";

import { loadConfig } from "../src/config.js";
import { createNodeHttpFetch, terminologyGatewayFromConfig } from "../src/terminology/index.js";
import type { TerminologyEvent, TerminologyGateway } from "../src/terminology/index.js";
import { startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let tx: FakeTerminologyServer | undefined;
let app: Running | undefined;
let gateway: TerminologyGateway | undefined;
afterEach(async () => {
  await app?.close();
  await gateway?.close();
  await tx?.close();
  tx = undefined;
  app = undefined;
  gateway = undefined;
});

const LOOKUP = "CodeSystem/$lookup?system=http%3A%2F%2Fsnomed.info%2Fsct&code=291446002&property=inactive";

async function wire(
  secretOverride?: string,
): Promise<{ base: string; events: TerminologyEvent[]; tx: FakeTerminologyServer }> {
  tx = await startFakeTerminologyServer();
  const config = loadConfig({
    FACADE_TERMINOLOGY_BASE_URL: tx.fhirBase,
    FACADE_TERMINOLOGY_TOKEN_URL: tx.keycloakTokenUrl,
    FACADE_TERMINOLOGY_CLIENT_ID: tx.credentials.keycloak.clientId,
    FACADE_TERMINOLOGY_CLIENT_SECRET: secretOverride ?? tx.credentials.keycloak.clientSecret,
    FACADE_TERMINOLOGY_CACHE_TTL_S: "120",
  });
  const t = config.terminology;
  if (t === undefined) {
    throw new Error("terminology config missing");
  }
  const tokenClient = createTokenClient({
    tokenUrl: t.tokenUrl,
    clientId: t.clientId,
    clientSecret: t.clientSecret?.reveal() ?? "",
    allowInsecureLoopback: true,
    deadlineMs: secretOverride === undefined ? 10_000 : 500,
    fetch: createNodeHttpFetch() as unknown as typeof globalThis.fetch,
  });
  const events: TerminologyEvent[] = [];
  gateway = terminologyGatewayFromConfig({ config: t, tokenClient, onEvent: (e) => events.push(e) });
  app = await startApp({ config, terminology: gateway.middleware });
  return { base: app.base, events, tx };
}

describe("wiring from the facade's configuration", () => {
  test("FACADE_TERMINOLOGY_* settings drive the gateway (upstream, token, cache TTL)", async () => {
    const { base, events } = await wire();
    expect((await fetch(`${base}/${LOOKUP}`)).headers.get("x-cache")).toBe("MISS");
    expect((await fetch(`${base}/${LOOKUP}`)).headers.get("x-cache")).toBe("HIT");
    expect(events.filter((e) => e.type === "upstream")).toHaveLength(1);
    expect(events.filter((e) => e.type === "cache").map((e) => (e.type === "cache" ? e.status : ""))).toEqual(
      ["MISS", "HIT"],
    );
  });

  test("no secret or token in answers, events, errors or the gateway's printed form", async () => {
    const { base, events, tx: fake } = await wire("wrong-secret-value-123");
    const refused = await fetch(`${base}/${LOOKUP}`);
    expect(refused.status).toBe(503);
    const body = await refused.text();
    const printed = [
      body,
      JSON.stringify(events),
      inspect(events, { depth: 10 }),
      inspect(gateway, { depth: 10 }),
      JSON.stringify(gateway),
    ].join("\n");
    for (const secret of ["wrong-secret-value-123", fake.credentials.keycloak.clientSecret]) {
      expect(printed).not.toContain(secret);
    }
    expect(events.some((e) => e.type === "error" && e.code === "token-unavailable")).toBe(true);
  });
});
