import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";

import { startGatewayHarness } from "./terminology-harness.js";
import type { GatewayHarness } from "./terminology-harness.js";

// These tests start real servers and drive them over loopback; on a loaded 2-core machine they need headroom.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let h: GatewayHarness;
const SCT = "http://snomed.info/sct";
const SIMPLE = "http://hl7.org/fhir/test/CodeSystem/simple";

beforeAll(async () => {
  // Caching off: every call here must reach the fake, so each test sees the upstream's own answer.
  h = await startGatewayHarness({ gateway: { cache: false } });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.tx.server.faults.clear();
});

function params(...parameter: Record<string, unknown>[]): string {
  return JSON.stringify({ resourceType: "Parameters", parameter });
}

function xmlParams(pairs: [string, string, string][]): string {
  return `<Parameters xmlns="http://hl7.org/fhir">${pairs
    .map(([name, type, value]) => `<parameter><name value="${name}"/><${type} value="${value}"/></parameter>`)
    .join("")}</Parameters>`;
}

/** Each operation, as GET, POST form, POST JSON Parameters and POST XML Parameters: one upstream answer. */
const OPERATIONS: {
  name: string;
  path: string;
  query: string;
  json: string;
  xml: string;
  expect: string;
}[] = [
  {
    name: "CodeSystem/$lookup",
    path: "CodeSystem/$lookup",
    query: `system=${encodeURIComponent(SCT)}&code=291446002&property=inactive`,
    json: params({ name: "system", valueUri: SCT }, { name: "code", valueCode: "291446002" }),
    xml: xmlParams([
      ["system", "valueUri", SCT],
      ["code", "valueCode", "291446002"],
    ]),
    expect: "Chloroquine poisoning of undetermined intent",
  },
  {
    name: "CodeSystem/$validate-code",
    path: "CodeSystem/$validate-code",
    query: `url=${encodeURIComponent(SIMPLE)}&code=code1`,
    json: params({ name: "url", valueUri: SIMPLE }, { name: "code", valueCode: "code1" }),
    xml: xmlParams([
      ["url", "valueUri", SIMPLE],
      ["code", "valueCode", "code1"],
    ]),
    expect: '"valueBoolean":true',
  },
  {
    name: "CodeSystem/$subsumes",
    path: "CodeSystem/$subsumes",
    query: `system=${encodeURIComponent(SIMPLE)}&codeA=code2&codeB=code2a`,
    json: params(
      { name: "system", valueUri: SIMPLE },
      { name: "codeA", valueCode: "code2" },
      { name: "codeB", valueCode: "code2a" },
    ),
    xml: xmlParams([
      ["system", "valueUri", SIMPLE],
      ["codeA", "valueCode", "code2"],
      ["codeB", "valueCode", "code2a"],
    ]),
    expect: "subsumes",
  },
  {
    name: "ValueSet/$expand",
    path: "ValueSet/$expand",
    query: `url=${encodeURIComponent("http://hl7.org/fhir/test/ValueSet/simple-all")}&count=2`,
    json: params(
      { name: "url", valueUri: "http://hl7.org/fhir/test/ValueSet/simple-all" },
      { name: "count", valueInteger: 2 },
    ),
    xml: xmlParams([
      ["url", "valueUri", "http://hl7.org/fhir/test/ValueSet/simple-all"],
      ["count", "valueInteger", "2"],
    ]),
    expect: "code1",
  },
  {
    name: "ValueSet/$validate-code",
    path: "ValueSet/$validate-code",
    query: `url=${encodeURIComponent(`${SCT}?fhir_vs`)}&system=${encodeURIComponent(SCT)}&code=44054006`,
    json: params(
      { name: "url", valueUri: `${SCT}?fhir_vs` },
      { name: "system", valueUri: SCT },
      { name: "code", valueCode: "44054006" },
    ),
    xml: xmlParams([
      ["url", "valueUri", `${SCT}?fhir_vs`],
      ["system", "valueUri", SCT],
      ["code", "valueCode", "44054006"],
    ]),
    expect: "Type 2 diabetes mellitus",
  },
  {
    name: "ConceptMap/$translate",
    path: "ConceptMap/$translate",
    query: `url=${encodeURIComponent("http://hl7.org/fhir/test/ConceptMap/full")}&system=${encodeURIComponent("http://hl7.org/fhir/test/CodeSystem/source")}&code=code-1`,
    json: params(
      { name: "url", valueUri: "http://hl7.org/fhir/test/ConceptMap/full" },
      { name: "system", valueUri: "http://hl7.org/fhir/test/CodeSystem/source" },
      { name: "code", valueCode: "code-1" },
    ),
    xml: xmlParams([
      ["url", "valueUri", "http://hl7.org/fhir/test/ConceptMap/full"],
      ["system", "valueUri", "http://hl7.org/fhir/test/CodeSystem/source"],
      ["code", "valueCode", "code-1"],
    ]),
    expect: "equivalent",
  },
];

describe("every operation in GET and POST form", () => {
  test.each(OPERATIONS)("$name: GET, POST form, POST fhir+json, POST fhir+xml", async (op) => {
    const viaGet = await h.get(`${op.path}?${op.query}`);
    expect(viaGet.status).toBe(200);
    expect(viaGet.headers.get("content-type")).toBe("application/fhir+json;charset=UTF-8");
    expect(await viaGet.text()).toContain(op.expect);
    const viaForm = await h.post(op.path, op.query, "application/x-www-form-urlencoded");
    expect(viaForm.status).toBe(200);
    expect(await viaForm.text()).toContain(op.expect);
    const viaJson = await h.post(op.path, op.json, "application/fhir+json");
    expect(viaJson.status).toBe(200);
    expect(await viaJson.text()).toContain(op.expect);
    const viaXml = await h.post(op.path, op.xml, "application/fhir+xml", { accept: "application/fhir+xml" });
    expect(viaXml.status).toBe(200);
    expect(viaXml.headers.get("content-type")).toBe("application/fhir+xml;charset=UTF-8");
    expect(await viaXml.text()).toMatch(/^<\?xml/);
    // The upstream saw the caller's exact bodies and content types.
    const posted = h.tx.server.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith(op.path.split("/")[1] ?? ""),
    );
    const last = posted.slice(-3);
    expect(last.map((r) => r.headers["content-type"])).toEqual([
      "application/x-www-form-urlencoded",
      "application/fhir+json",
      "application/fhir+xml",
    ]);
    expect(last.map((r) => r.body.toString("utf8"))).toEqual([op.query, op.json, op.xml]);
  });

  test("instance-level operations", async () => {
    const expand = await h.get("ValueSet/simple-all/$expand?count=1");
    expect(expand.status).toBe(200);
    expect(await expand.text()).toContain('"total":7');
    const translate = await h.post(
      "ConceptMap/full/$translate",
      params(
        { name: "system", valueUri: "http://hl7.org/fhir/test/CodeSystem/source" },
        { name: "code", valueCode: "code-2" },
      ),
      "application/fhir+json",
    );
    expect(await translate.text()).toContain("wider");
    const validate = await h.get("CodeSystem/simple/$validate-code?code=code2a");
    expect(await validate.text()).toContain('"valueBoolean":true');
    const percentEncoded = await h.get("ValueSet/simple-all/%24expand?count=1");
    expect(percentEncoded.status).toBe(200);
  });
});

describe("faithful pass-through", () => {
  test("status, OperationOutcome, ETag and Cache-Control arrive unchanged; hop-by-hop headers are dropped", async () => {
    const direct = await fetch(
      `${h.tx.fhirBase}/ValueSet/$validate-code?url=urn%3Atest%3Anon-existent-value-set&system=http%3A%2F%2Fsnomed.info%2Fsct&code=45110008`,
      {
        headers: {
          authorization: `Bearer ${await (await import("./terminology-token.js")).fakeToken(h.tx)}`,
        },
      },
    );
    const viaGateway = await h.get(
      "ValueSet/$validate-code?url=urn%3Atest%3Anon-existent-value-set&system=http%3A%2F%2Fsnomed.info%2Fsct&code=45110008",
    );
    expect(viaGateway.status).toBe(404);
    expect(await viaGateway.text()).toBe(await direct.text());
    expect(viaGateway.headers.get("etag")).toBe('W/"1666505719745"');
    expect(viaGateway.headers.get("cache-control")).toBe("max-age=1");
    expect(viaGateway.headers.get("x-request-id")).not.toBeNull();
    // Keep-Alive is not compared: the facade's own test server now announces the same timeout=60 as the fake.
    expect(viaGateway.headers.get("proxy-authenticate")).toBeNull();
    expect(viaGateway.headers.get("x-powered-by")).toBe(
      "HAPI FHIR 6.1.3 REST Server (FHIR Server; FHIR 4.0.1/R4)",
    );
  });

  test("read and vread: Last-Modified kept, Content-Location rewritten, body unchanged", async () => {
    const read = await h.get("CodeSystem/simple");
    expect(read.status).toBe(200);
    expect(read.headers.get("last-modified")).toMatch(/GMT$/);
    expect(read.headers.get("content-location")).toBe(`${h.base}/CodeSystem/simple/_history/1`);
    const body = (await read.json()) as { id: string; url: string };
    expect(body.url).toBe(SIMPLE);
    expect((await h.get("CodeSystem/simple/_history/1")).status).toBe(200);
    expect((await h.get("ConceptMap/full")).status).toBe(200);
    expect((await h.get("ValueSet/nope")).status).toBe(404);
  });

  test("search Bundles: link and fullUrl rewritten to the facade's base; the rest byte-identical", async () => {
    const res = await h.get("CodeSystem?url=http://snomed.info/sct&_elements=id");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(h.tx.fhirBase);
    const bundle = JSON.parse(text) as {
      link: { url: string }[];
      entry: { fullUrl: string }[];
      total: number;
    };
    expect(bundle.total).toBe(28);
    expect(bundle.link[0]?.url).toBe(`${h.base}/CodeSystem?url=http%3A%2F%2Fsnomed.info%2Fsct&_elements=id`);
    expect(bundle.entry.every((e) => e.fullUrl.startsWith(`${h.base}/CodeSystem/`))).toBe(true);
    const paged = (await (await h.get("ValueSet?_count=1")).json()) as {
      link: { relation: string; url: string }[];
    };
    expect(paged.link.every((l) => l.url.startsWith(`${h.base}/ValueSet?`))).toBe(true);
    const xml = await (await h.get("CodeSystem?_count=1&_format=xml")).text();
    expect(xml).toContain(`<fullUrl value="${h.base}/CodeSystem/`);
    expect(xml).not.toContain(h.tx.fhirBase);
  });

  test("CodeSystem searches show the local ODS code systems too", async () => {
    const all = (await (await h.get("CodeSystem")).json()) as {
      total: number;
      entry: { fullUrl: string; resource: { url: string } }[];
    };
    const urls = all.entry.map((e) => e.resource.url);
    expect(urls).toContain(SIMPLE);
    expect(urls).toContain("https://fhir.nhs.uk/Id/ods-organization-code");
    expect(all.total).toBe(all.entry.length);
    const ods = all.entry.find((e) => e.resource.url === "https://fhir.nhs.uk/Id/ods-organization-code");
    expect(ods?.fullUrl.startsWith(`${h.base}/CodeSystem/`)).toBe(true);
    // The XML answer carries the same entries (merged through FHIR.js), and still no upstream URL.
    const xml = await h.get("CodeSystem?_format=xml");
    expect(xml.headers.get("content-type")).toContain("application/fhir+xml");
    const text = await xml.text();
    expect(text).toContain('<url value="https://fhir.nhs.uk/Id/ods-organization-code"/>');
    expect(text).toContain(`<url value="${SIMPLE}"/>`);
    expect(text).toContain(`<total value="${all.total}"/>`);
    expect(text).not.toContain(h.tx.fhirBase);
  });

  test("TerminologyCapabilities: upstream's, rewritten, with the ODS code systems added; /metadata is the facade's", async () => {
    const res = await h.get("metadata?mode=terminology");
    expect(res.status).toBe(200);
    const caps = (await res.json()) as {
      resourceType: string;
      implementation: { url: string };
      url: string;
      codeSystem: { uri: string }[];
    };
    expect(caps.resourceType).toBe("TerminologyCapabilities");
    expect(caps.implementation.url).toBe(h.base);
    expect(caps.url).toBe(`${h.base}/metadata?mode=terminology`);
    const uris = caps.codeSystem.map((c) => c.uri);
    expect(uris).toContain(SCT);
    expect(uris).toContain("https://fhir.nhs.uk/Id/ods-organization-code");
    const xml = await (await h.get("metadata?mode=terminology&_format=xml")).text();
    expect(xml).toContain("<TerminologyCapabilities");
    expect(xml).toContain('<uri value="https://fhir.nhs.uk/Id/ods-organization-code"/>');
    expect(xml).not.toContain(h.tx.fhirBase);
    const cap = (await (await h.get("metadata")).json()) as {
      resourceType: string;
      rest: { resource: { type: string }[] }[];
    };
    expect(cap.resourceType).toBe("CapabilityStatement");
    const types = cap.rest[0]?.resource.map((r) => r.type) ?? [];
    expect(types).toEqual(expect.arrayContaining(["Organization", "CodeSystem", "ValueSet", "ConceptMap"]));
  });
});

describe("tokens", () => {
  test("the caller's Authorization never reaches the upstream; the upstream token never reaches the caller", async () => {
    const before = h.tx.server.requests.length;
    const res = await h.get("CodeSystem/simple", {
      authorization: "Bearer caller-secret-token",
      cookie: "session=abc",
    });
    expect(res.status).toBe(200);
    const seen = h.tx.server.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    for (const r of seen.filter((x) => x.path.startsWith("/production1/fhir"))) {
      expect(r.headers.authorization).not.toContain("caller-secret-token");
      expect(h.tx.keycloak.isValidAccessToken(r.headers.authorization)).toBe(true);
      expect(r.headers.cookie).toBeUndefined();
      const upstreamToken = (r.headers.authorization ?? "").replace(/^Bearer /, "");
      const pairs: string[] = [];
      res.headers.forEach((v, k) => pairs.push(`${k}: ${v}`));
      const text = pairs.join("\n");
      expect(text).not.toContain(upstreamToken);
    }
  });

  test("token expiry mid-stream: the upstream 401 leads to one fresh token and one retry", async () => {
    await h.get("CodeSystem/simple");
    const tokensBefore = h.tx.keycloak.tokensIssued;
    const upstreamBefore = h.tx.fhirRequests;
    h.tx.keycloak.expireAll();
    const res = await h.get("CodeSystem/simple");
    expect(res.status).toBe(200);
    expect(h.tx.keycloak.tokensIssued).toBe(tokensBefore + 1);
    expect(h.tx.fhirRequests).toBe(upstreamBefore + 2);
  });

  test("private_key_jwt (NHS API Platform) works end to end", async () => {
    const jwt = await startGatewayHarness({ auth: "jwt", gateway: { cache: false } });
    try {
      const res = await jwt.get(
        "CodeSystem/$lookup?system=http://hl7.org/fhir/test/CodeSystem/simple&code=code1",
      );
      expect(res.status).toBe(200);
      expect(jwt.tx.nhs.tokensIssued).toBe(1);
      expect(jwt.tx.keycloak.tokenRequests).toBe(0);
    } finally {
      await jwt.close();
    }
  });
});
