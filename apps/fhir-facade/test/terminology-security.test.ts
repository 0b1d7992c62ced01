import { request } from "node:http";

import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";

import { createTerminologyGateway, TerminologyOptionsError } from "../src/terminology/index.js";
import { startGatewayHarness } from "./terminology-harness.js";
import type { GatewayHarness } from "./terminology-harness.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let h: GatewayHarness;
let port: number;

beforeAll(async () => {
  h = await startGatewayHarness();
  port = Number(new URL(h.base).port);
});
afterAll(async () => {
  await h.close();
});

/** Sends a request with the exact request target given (no client-side normalisation). */
function raw(
  method: string,
  target: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("path-escape attempts are refused and never reach the upstream", () => {
  const attempts = [
    "/fhir/CodeSystem/..",
    "/fhir/CodeSystem/../metadata",
    "/fhir/CodeSystem/%2e%2e/%2e%2e/admin",
    "/fhir/CodeSystem/..%2F..%2Fadmin",
    "/fhir/CodeSystem/x%2F..%2F..%2Fsecret",
    "/fhir/CodeSystem//$lookup",
    "/fhir/CodeSystem/a/b/c/d",
    "/fhir/CodeSystem/x%5C..%5Cy",
    "/fhir/CodeSystem/x/$closure",
    "/fhir/ValueSet/$lookup",
    "/fhir/ConceptMap/x/_history/..",
    "/fhir/CodeSystem/" + "a".repeat(65),
    "/fhir/CodeSystem/%00",
    "/fhir/ValueSet/@evil.example/$expand",
  ];

  test.each(attempts)("%s", async (target) => {
    const before = h.tx.fhirRequests;
    const res = await raw("GET", target);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(h.tx.fhirRequests).toBe(before);
    expect(res.body).toContain("OperationOutcome");
  });

  test("absolute-form request targets cannot pick the host", async () => {
    const before = h.tx.server.requests.length;
    const res = await raw("GET", `http://evil.example/fhir/CodeSystem/$lookup?system=x&code=y`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(h.tx.server.requests.length).toBe(before);
  });

  test("absolute URLs in parameters are forwarded as parameters to the configured host only", async () => {
    const before = h.tx.server.requests.length;
    const res = await raw("GET", "/fhir/ValueSet/$expand?url=http%3A%2F%2Fevil.example%2Fpwn&_format=json");
    expect(res.status).toBe(404); // the fake upstream's own answer: unknown value set
    const seen = h.tx.server.requests.slice(before).filter((r) => r.path.startsWith("/production1/fhir"));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toBe("/production1/fhir/ValueSet/$expand");
    expect(new URL(seen[0]?.url ?? "").searchParams.get("url")).toBe("http://evil.example/pwn");
  });

  test("methods that change state are refused: 405 with Allow", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const res = await raw(method, "/fhir/CodeSystem/simple", "{}", {
        "content-type": "application/fhir+json",
      });
      expect(res.status).toBe(405);
    }
    expect(
      (await raw("POST", "/fhir/CodeSystem", "{}", { "content-type": "application/fhir+json" })).status,
    ).toBe(405);
  });
});

describe("hostile and oversized bodies", () => {
  test("POST with an unsupported media type is 415", async () => {
    const res = await h.post("CodeSystem/$lookup", "code=1", "text/plain");
    expect(res.status).toBe(415);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe("OperationOutcome");
    expect((await h.post("CodeSystem/_search", "{}", "application/fhir+json")).status).toBe(415);
  });

  test("a body over the limit is 413 and is not forwarded", async () => {
    const before = h.tx.fhirRequests;
    const res = await h.post(
      "CodeSystem/$lookup",
      JSON.stringify({ resourceType: "Parameters", pad: "x".repeat(2 * 1024 * 1024) }),
      "application/fhir+json",
    );
    expect(res.status).toBe(413);
    expect(h.tx.fhirRequests).toBe(before);
  });

  test("malformed JSON and XML Parameters are passed to the upstream, whose 400 comes back", async () => {
    const json = await h.post("CodeSystem/$lookup", "{not json", "application/fhir+json");
    expect(json.status).toBe(400);
    const xml = await h.post("CodeSystem/$lookup", "<Parameters><oops>", "application/fhir+xml");
    expect(xml.status).toBe(400);
  });

  test("POST _search with a form body is forwarded (not cached)", async () => {
    const res = await h.post(
      "CodeSystem/_search",
      "url=http%3A%2F%2Fhl7.org%2Ffhir%2Ftest%2FCodeSystem%2Fsimple",
      "application/x-www-form-urlencoded",
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-cache")).toBe("BYPASS");
    const bundle = (await res.json()) as { total: number; entry: { fullUrl: string }[] };
    expect(bundle.total).toBe(1);
    expect(bundle.entry[0]?.fullUrl).toBe(`${h.base}/CodeSystem/simple`);
  });
});

describe("options are validated when the gateway is created", () => {
  const fetchStub = () => Promise.reject(new Error("unused"));
  test.each([
    [{ upstreamBaseUrl: "not a url" }, "upstreamBaseUrl"],
    [{ upstreamBaseUrl: "ftp://x/fhir" }, "upstreamBaseUrl"],
    [{ upstreamBaseUrl: "https://user:pw@x/fhir" }, "upstreamBaseUrl"],
    [{ upstreamBaseUrl: "https://x/fhir?a=1" }, "upstreamBaseUrl"],
    [{ upstreamBaseUrl: "https://x/fhir", timeoutMs: -1 }, "timeoutMs"],
    [{ upstreamBaseUrl: "https://x/fhir", budget: { limit: 0 } }, "budget.limit"],
    [{ upstreamBaseUrl: "https://x/fhir", cache: { ttlMs: Number.NaN } }, "cache.ttlMs"],
    [{ upstreamBaseUrl: "https://x/fhir", basePath: "fhir/../x" }, "basePath"],
  ])("%j", (bad, option) => {
    try {
      createTerminologyGateway({ fetch: fetchStub, ...bad });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TerminologyOptionsError);
      expect((err as TerminologyOptionsError).option).toBe(option);
      expect((err as Error).message).not.toContain("pw");
    }
  });
});
