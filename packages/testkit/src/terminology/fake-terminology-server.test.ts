import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";

import { startFakeTerminologyServer } from "./fake-terminology-server.js";
import type { FakeTerminologyServer } from "./fake-terminology-server.js";
import { loadTxEcosystemCases } from "./tx-ecosystem-replay.js";

let tx: FakeTerminologyServer;
let token: string;
const cases = loadTxEcosystemCases();

async function getToken(): Promise<string> {
  const res = await fetch(tx.keycloakTokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: tx.credentials.keycloak.clientId,
      client_secret: tx.credentials.keycloak.clientSecret,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${tx.fhirBase}/${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
}

function post(
  path: string,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${tx.fhirBase}/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType, ...headers },
    body,
  });
}

const LOOKUP_QUERY = "system=http%3A%2F%2Fsnomed.info%2Fsct&code=291446002&property=inactive";

beforeAll(async () => {
  tx = await startFakeTerminologyServer({ replay: cases });
  token = await getToken();
});
afterAll(async () => {
  await tx.close();
});
beforeEach(() => {
  tx.server.faults.clear();
});

describe("authentication", () => {
  test("the FHIR base refuses a missing or unknown bearer token with 401; /metadata is open", async () => {
    const none = await fetch(`${tx.fhirBase}/CodeSystem/$lookup?${LOOKUP_QUERY}`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toBe("unauthorized");
    const bad = await fetch(`${tx.fhirBase}/CodeSystem/$lookup?${LOOKUP_QUERY}`, {
      headers: { authorization: "Bearer not-a-token" },
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: string }).error).toBe("invalid_token");
    expect((await fetch(`${tx.fhirBase}/metadata`)).status).toBe(200);
  });

  test("an expired token is refused; a fresh one works; token requests are counted", async () => {
    const before = tx.tokenRequests;
    const own = await getToken();
    expect(tx.tokenRequests).toBe(before + 1);
    tx.keycloak.expireAll();
    const expired = await fetch(`${tx.fhirBase}/CodeSystem/simple`, {
      headers: { authorization: `Bearer ${own}` },
    });
    expect(expired.status).toBe(401);
    token = await getToken();
    expect((await get("CodeSystem/simple")).status).toBe(200);
  });

  test("a token from the NHS API Platform endpoint is accepted too", async () => {
    const { createSign, randomUUID } = await import("node:crypto");
    const header = Buffer.from(
      JSON.stringify({ alg: "RS512", typ: "JWT", kid: tx.credentials.nhs.kid }),
    ).toString("base64url");
    const claims = {
      iss: tx.credentials.nhs.clientId,
      sub: tx.credentials.nhs.clientId,
      aud: tx.nhsTokenUrl,
      jti: randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 120,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const signature = createSign("RSA-SHA512")
      .update(`${header}.${payload}`)
      .sign(tx.credentials.nhs.privateKeyPem, "base64url");
    const res = await fetch(tx.nhsTokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: `${header}.${payload}.${signature}`,
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; expires_in: string };
    expect(body.expires_in).toBe("599");
    const read = await fetch(`${tx.fhirBase}/ValueSet/simple-all`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(read.status).toBe(200);
  });
});

describe("operations", () => {
  test("$lookup GET answers the recorded Ontoserver response with its headers", async () => {
    const res = await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('W/"1667879415644"');
    expect(res.headers.get("cache-control")).toBe("max-age=1");
    expect(res.headers.get("content-type")).toBe("application/fhir+json;charset=UTF-8");
    expect(res.headers.get("vary")).toContain("Authorization");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { parameter: { name: string; valueString?: string }[] };
    expect(body.parameter.find((p) => p.name === "display")?.valueString).toBe(
      "Chloroquine poisoning of undetermined intent",
    );
  });

  test("GET, POST form, POST JSON Parameters and POST XML Parameters give the same $lookup answer", async () => {
    const viaGet = await (await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`)).text();
    const viaForm = await (
      await post("CodeSystem/$lookup", LOOKUP_QUERY, "application/x-www-form-urlencoded")
    ).text();
    const json = JSON.stringify({
      resourceType: "Parameters",
      parameter: [
        { name: "coding", valueCoding: { system: "http://snomed.info/sct", code: "291446002" } },
        { name: "property", valueCode: "inactive" },
      ],
    });
    const viaJson = await (await post("CodeSystem/$lookup", json, "application/fhir+json")).text();
    const xml =
      '<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="system"/><valueUri value="http://snomed.info/sct"/></parameter>' +
      '<parameter><name value="code"/><valueCode value="291446002"/></parameter></Parameters>';
    const viaXml = await (await post("CodeSystem/$lookup", xml, "application/fhir+xml")).text();
    expect(new Set([viaGet, viaForm, viaJson, viaXml]).size).toBe(1);
  });

  test("304 on If-None-Match with the current ETag; a new content version changes the ETag", async () => {
    const first = await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`);
    const etag = first.headers.get("etag") ?? "";
    const again = await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const read = await get("CodeSystem/simple");
    tx.setContentVersion(1700000000000);
    const changed = await get("CodeSystem/simple", { "if-none-match": read.headers.get("etag") ?? "" });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).toBe('W/"1700000000000"');
  });

  test("$lookup of the HL7 simple code system, and 404 for an unknown code", async () => {
    const res = await get("CodeSystem/$lookup?system=http://hl7.org/fhir/test/CodeSystem/simple&code=code2a");
    const body = (await res.json()) as { parameter: { name: string; valueString?: string }[] };
    expect(body.parameter.find((p) => p.name === "display")?.valueString).toBe("Display 2a");
    const missing = await get(
      "CodeSystem/$lookup?system=http://hl7.org/fhir/test/CodeSystem/simple&code=nope",
    );
    expect(missing.status).toBe(404);
    const oo = (await missing.json()) as { issue: { code: string; diagnostics: string }[] };
    expect(oo.issue[0]?.code).toBe("not-found");
    expect(oo.issue[0]?.diagnostics).toMatch(/^\[[0-9a-f-]{36}\]: /);
  });

  test("$validate-code (ValueSet, recorded true and recorded 404; CodeSystem instance level)", async () => {
    const ok = await get(
      "ValueSet/$validate-code?url=http%3A%2F%2Fsnomed.info%2Fsct%3Ffhir_vs&system=http%3A%2F%2Fsnomed.info%2Fsct&code=44054006",
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe('W/"-1667438239788"');
    const gone = await get(
      "ValueSet/$validate-code?url=urn%3Atest%3Anon-existent-value-set&system=http%3A%2F%2Fsnomed.info%2Fsct&code=45110008",
    );
    expect(gone.status).toBe(404);
    const cs = await get("CodeSystem/simple/$validate-code?code=code3");
    expect(
      ((await cs.json()) as { parameter: { name: string; valueBoolean?: boolean }[] }).parameter[0]
        ?.valueBoolean,
    ).toBe(true);
  });

  test("$subsumes, $expand and $translate at type and instance level", async () => {
    const sub = await get(
      "CodeSystem/$subsumes?system=http://hl7.org/fhir/test/CodeSystem/simple&codeA=code2&codeB=code2aI",
    );
    expect(await sub.json()).toEqual({
      resourceType: "Parameters",
      parameter: [{ name: "outcome", valueCode: "subsumes" }],
    });
    const recorded = await get(
      "CodeSystem/$subsumes?codeA=44054006&codeB=73211009&system=http%3A%2F%2Fsnomed.info%2Fsct",
    );
    expect(await recorded.text()).toContain("subsumed-by");
    const exp = (await (await get("ValueSet/simple-all/$expand?count=2&offset=1")).json()) as {
      expansion: { total: number; contains: { code: string }[] };
    };
    expect(exp.expansion.total).toBe(7);
    expect(exp.expansion.contains.map((c) => c.code)).toEqual(["code2", "code2a"]);
    const sct = await get(
      "ValueSet/$expand?url=http%3A%2F%2Fsnomed.info%2Fsct%3Ffhir_vs%3Disa%2F22253000&count=1",
    );
    expect(await sct.text()).toContain("48429009");
    const map = (await (
      await get("ConceptMap/full/$translate?system=http://hl7.org/fhir/test/CodeSystem/source&code=code-2")
    ).json()) as {
      parameter: { name: string; part?: { name: string; valueCode?: string }[] }[];
    };
    expect(map.parameter.find((p) => p.name === "match")?.part?.[0]?.valueCode).toBe("wider");
  });

  test("read, vread and search, with absolute upstream URLs in Bundles and Content-Location", async () => {
    const read = await get("CodeSystem/simple");
    expect(read.headers.get("last-modified")).toMatch(/GMT$/);
    expect(read.headers.get("content-location")).toBe(`${tx.fhirBase}/CodeSystem/simple/_history/1`);
    expect((await get("CodeSystem/simple/_history/1")).status).toBe(200);
    expect((await get("CodeSystem/simple/_history/2")).status).toBe(404);
    const bundle = (await (await get("CodeSystem?url=http://snomed.info/sct&_elements=id")).json()) as {
      total: number;
      link: { url: string }[];
      entry: { fullUrl: string }[];
    };
    expect(bundle.total).toBe(28);
    expect(bundle.link[0]?.url.startsWith(`${tx.fhirBase}/CodeSystem?`)).toBe(true);
    expect(bundle.entry.every((e) => e.fullUrl.startsWith(`${tx.fhirBase}/CodeSystem/`))).toBe(true);
    const paged = (await (await get("CodeSystem?_count=1")).json()) as {
      link: { relation: string; url: string }[];
    };
    expect(paged.link.find((l) => l.relation === "next")?.url).toContain(`${tx.fhirBase}/CodeSystem?`);
  });

  test("XML on request (_format and Accept)", async () => {
    const res = await get("ValueSet/simple-all?_format=xml");
    expect(res.headers.get("content-type")).toBe("application/fhir+xml;charset=UTF-8");
    expect(await res.text()).toContain('<ValueSet xmlns="http://hl7.org/fhir"><id value="simple-all"/>');
    const byAccept = await get(
      "CodeSystem/$lookup?system=http://hl7.org/fhir/test/CodeSystem/simple&code=code1",
      {
        accept: "application/fhir+xml",
      },
    );
    expect(await byAccept.text()).toContain('<name value="display"/><valueString value="Display 1"/>');
  });

  test("capability statements carry the upstream base and token URL", async () => {
    const cap = (await (await fetch(`${tx.fhirBase}/metadata`)).json()) as {
      implementation: { url: string };
      rest: { security: { extension: { extension: { valueUri: string }[] }[] } }[];
    };
    expect(cap.implementation.url).toBe(tx.fhirBase);
    expect(cap.rest[0]?.security.extension[0]?.extension[0]?.valueUri).toBe(tx.keycloakTokenUrl);
    const terms = (await (await fetch(`${tx.fhirBase}/metadata?mode=terminology`)).json()) as {
      resourceType: string;
      codeSystem: { uri: string }[];
    };
    expect(terms.resourceType).toBe("TerminologyCapabilities");
    expect(terms.codeSystem.map((c) => c.uri)).toContain("http://snomed.info/sct");
  });
});

describe("bad requests", () => {
  test("malformed and hostile bodies get a 4xx OperationOutcome, never a crash", async () => {
    expect((await post("CodeSystem/$lookup", "{not json", "application/fhir+json")).status).toBe(400);
    expect(
      (await post("CodeSystem/$lookup", '{"resourceType":"Patient"}', "application/fhir+json")).status,
    ).toBe(400);
    expect((await post("CodeSystem/$lookup", "<Parameters><unclosed>", "application/fhir+xml")).status).toBe(
      400,
    );
    expect((await post("CodeSystem/$lookup", "<!DOCTYPE x><x/>", "application/fhir+xml")).status).toBe(400);
    expect((await post("CodeSystem/$lookup", "code=1", "text/plain")).status).toBe(415);
    expect((await get("CodeSystem/$lookup")).status).toBe(400);
    expect((await get("CodeSystem/$expand")).status).toBe(400);
    expect((await get("Patient/1")).status).toBe(404);
    expect((await get("CodeSystem/%E0%A4%A")).status).toBe(404);
    expect((await get("ValueSet/$expand?url=x&count=-1")).status).toBe(404);
    expect((await get("ValueSet/simple-all/$expand?count=abc")).status).toBe(400);
  });
});

describe("tx-ecosystem replay", () => {
  test("each sampled case's request gets its expected response, byte for byte", async () => {
    expect(cases.length).toBeGreaterThan(50);
    for (const c of cases.slice(0, 20)) {
      const res = await post(
        c.path,
        c.requestBody,
        "application/fhir+json",
        c.acceptLanguage ? { "accept-language": c.acceptLanguage } : {},
      );
      expect(res.status, c.name).toBe(c.status);
      expect(await res.text(), c.name).toBe(c.responseBody);
    }
  });
});

describe("fault injection on the FHIR routes", () => {
  const path = "/production1/fhir/CodeSystem/$lookup";

  test.each([429, 500, 502, 503])("status %i", async (status) => {
    tx.server.faults.add({ path, fault: { kind: "status", status, retryAfterSeconds: 3 }, times: 1 });
    const res = await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`);
    expect(res.status).toBe(status);
    expect(res.headers.get("retry-after")).toBe("3");
    expect((await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`)).status).toBe(200);
  });

  test("connection reset", async () => {
    tx.server.faults.add({ path, fault: { kind: "reset" }, times: 1 });
    await expect(get(`CodeSystem/$lookup?${LOOKUP_QUERY}`)).rejects.toThrow();
  });

  test("hang: the client gives up by its own timeout", async () => {
    tx.server.faults.add({ path, fault: { kind: "hang" }, times: 1 });
    await expect(
      fetch(`${tx.fhirBase}/CodeSystem/$lookup?${LOOKUP_QUERY}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
  });

  test("truncated body and wrong Content-Length fail the body read", async () => {
    tx.server.faults.add({ path, fault: { kind: "truncate", bytes: 20 }, times: 1 });
    await expect(get(`CodeSystem/$lookup?${LOOKUP_QUERY}`).then((r) => r.text())).rejects.toThrow();
    tx.server.faults.add({ path, fault: { kind: "wrong-length", delta: 50 }, times: 1 });
    await expect(get(`CodeSystem/$lookup?${LOOKUP_QUERY}`).then((r) => r.text())).rejects.toThrow();
  });

  test("latency delays the answer but it arrives intact", async () => {
    tx.server.faults.add({ path, fault: { kind: "latency", ms: 50 }, times: 1 });
    const res = await get(`CodeSystem/$lookup?${LOOKUP_QUERY}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("291446002");
  });

  test("faults on the token endpoint", async () => {
    tx.keycloak.injectFault({ kind: "status", status: 503 }, 1);
    const res = await fetch(tx.keycloakTokenUrl, { method: "POST", body: "grant_type=client_credentials" });
    expect(res.status).toBe(503);
  });
});
