import { loadTxEcosystemCases } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";

import { startGatewayHarness } from "./terminology-harness.js";
import type { GatewayHarness } from "./terminology-harness.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/**
 * A sampled pass-through run of the HL7 terminology-ecosystem test cases (the 65-case sample checked in under
 * packages/testkit/fixtures/terminology/tx-ecosystem/): the fake replays each case's expected response for its
 * request, and the gateway must return it unchanged (status and bytes; none of these bodies carries the
 * upstream base, so there is nothing to rewrite).
 */
const cases = loadTxEcosystemCases();
let h: GatewayHarness;

beforeAll(async () => {
  h = await startGatewayHarness({ fake: { replay: cases } });
});
afterAll(async () => {
  await h.close();
});

describe("HL7 tx-ecosystem cases pass through unchanged", () => {
  test("the sample covers every forwarded operation", () => {
    expect(new Set(cases.map((c) => c.operation))).toEqual(
      new Set(["expand", "validate-code", "cs-validate-code", "lookup", "translate"]),
    );
  });

  test.each(cases.map((c) => [`${c.suite}/${c.name}`, c] as const))("%s", async (_name, c) => {
    const headers: Record<string, string> =
      c.acceptLanguage === undefined ? {} : { "accept-language": c.acceptLanguage };
    const res = await h.post(c.path, c.requestBody, "application/fhir+json", headers);
    expect(res.status).toBe(c.status);
    expect(res.headers.get("content-type")).toBe("application/fhir+json;charset=UTF-8");
    expect(await res.text()).toBe(c.responseBody);
    // The same call again is answered by the cache with the same bytes.
    const again = await h.post(c.path, c.requestBody, "application/fhir+json", headers);
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(await again.text()).toBe(c.responseBody);
  });
});
