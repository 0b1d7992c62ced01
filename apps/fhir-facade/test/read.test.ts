import { readFileSync } from "node:fs";

import { fixturePath } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { loadConfig } from "../src/config.js";
import { createPlatform } from "../src/platform/platform.js";
import { expectValidFhir, getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";
import { API_KEYS_JSON, KEYS, captureLogs } from "./platform-harness.js";

let app: Running;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

describe("read", () => {
  test("GET /Organization/{id} answers the resource with id, ETag W/version and an HTTP-date Last-Modified", async () => {
    const { status, headers, body } = await getJson(`${app.base}/Organization/RR8`);
    expect(status).toBe(200);
    expect(body.id).toBe("RR8");
    expect(body.resourceType).toBe("Organization");
    expect(headers.get("etag")).toBe('W/"1"');
    expect(headers.get("last-modified")).toBe("Tue, 06 Feb 2024 00:00:00 GMT");
    expect(headers.get("content-type")).toBe("application/fhir+json; fhirVersion=4.0; charset=utf-8");
  });

  test("the IG example G81086 is served and valid", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/G81086`);
    expect(status).toBe(200);
    expect(body.name).toBe("BIRD-IN-EYE SURGERY");
  });

  test("an unknown id is 404 not-found with an OperationOutcome", async () => {
    const { status, body, headers } = await getJson(`${app.base}/Organization/NOPE1`);
    expect(status).toBe(404);
    expect(body.resourceType).toBe("OperationOutcome");
    expect(body.issue[0].code).toBe("not-found");
    expect(headers.get("content-type")).toContain("charset=utf-8");
  });

  test("an organisation removed from ODS is 410 deleted", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/X26`);
    expect(status).toBe(410);
    expect(body.issue[0].code).toBe("deleted");
  });

  test("an unknown resource type is 404 not-supported", async () => {
    const { status, body } = await getJson(`${app.base}/Patient/1`);
    expect(status).toBe(404);
    expect(body.issue[0].code).toBe("not-supported");
  });

  test("a wrong method is 405 with Allow and an OperationOutcome", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const { status, headers, body } = await getJson(`${app.base}/Organization/RR8`, {
        method,
        headers: { "content-type": "application/fhir+json" },
        body: "{}",
      });
      expect(status).toBe(405);
      expect(headers.get("allow")).toBe("GET, HEAD");
      expect(body.issue[0].code).toBe("not-supported");
    }
    const post = await getJson(`${app.base}/Organization`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
  });

  test("an id that is not a FHIR id is 400 value", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/${encodeURIComponent("a b<script>")}`);
    expect(status).toBe(400);
    expect(body.issue[0].code).toBe("value");
  });

  test("HEAD returns the same headers as GET and no body", async () => {
    const get = await fetch(`${app.base}/Organization/RR8`);
    const getBody = await get.arrayBuffer();
    const head = await fetch(`${app.base}/Organization/RR8`, { method: "HEAD" });
    expect(head.status).toBe(200);
    for (const h of ["etag", "last-modified", "content-type", "content-length"]) {
      expect(head.headers.get(h)).toBe(get.headers.get(h));
    }
    expect(Number(head.headers.get("content-length"))).toBe(getBody.byteLength);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  test("HEAD on a search and on a 404 carries headers only", async () => {
    const res = await fetch(`${app.base}/Organization/NOPE1`, { method: "HEAD" });
    expect(res.status).toBe(404);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  test("vread of the current version is 200 with meta.versionId = vid", async () => {
    const { status, body, headers } = await getJson(`${app.base}/Organization/RR8/_history/1`);
    expect(status).toBe(200);
    expect(body.meta.versionId).toBe("1");
    expect(headers.get("etag")).toBe('W/"1"');
  });

  test("vread of another version is 404 saying history is not kept", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/RR8/_history/7`);
    expect(status).toBe(404);
    expect(body.issue[0].code).toBe("not-supported");
    expect(body.issue[0].diagnostics).toContain("history");
  });

  test("instance history is 404 not-supported", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/RR8/_history`);
    expect(status).toBe(404);
    expect(body.issue[0].code).toBe("not-supported");
  });

  test("OrganizationAffiliation read", async () => {
    const { status, body, headers } = await getJson(`${app.base}/OrganizationAffiliation/383689`);
    expect(status).toBe(200);
    expect(body.id).toBe("383689");
    expect(headers.get("etag")).toBe('W/"2"');
  });

  test("_summary=true on read keeps only R4 summary elements and tags SUBSETTED", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/RR8?_summary=true`);
    expect(status).toBe(200);
    expect(body.name).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
    expect(body.identifier).toBeDefined();
    expect(body.address).toBeUndefined();
    expect(body.telecom).toBeUndefined();
    expect(body.extension).toBeUndefined();
    expect(body.meta.tag).toContainEqual(expect.objectContaining({ code: "SUBSETTED" }));
  });

  test("_elements on read keeps the named elements, id and meta", async () => {
    const { body } = await getJson(`${app.base}/Organization/RR8?_elements=name,address`);
    expect(Object.keys(body).sort()).toEqual(["address", "id", "meta", "name", "resourceType"]);
    expect(body.meta.tag).toContainEqual(expect.objectContaining({ code: "SUBSETTED" }));
  });

  test("a malformed _summary value on read is 400", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/RR8?_summary=maybe`);
    expect(status).toBe(400);
    expect(body.issue[0].code).toBe("value");
  });
});

describe("conditional read", () => {
  const spellings = ['W/"1"', '"1"', "W/1", "1", 'W/"9", W/"1"', "*", ' W/"1" '];
  for (const tag of spellings) {
    test(`If-None-Match: ${tag} → 304 without a body`, async () => {
      const res = await fetch(`${app.base}/Organization/RR8`, { headers: { "if-none-match": tag } });
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe('W/"1"');
      expect(res.headers.get("content-length")).toBeNull();
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });
  }

  test("a non-matching If-None-Match answers 200 with the body", async () => {
    const res = await fetch(`${app.base}/Organization/RR8`, { headers: { "if-none-match": 'W/"2", "3"' } });
    expect(res.status).toBe(200);
    expectValidFhir(await res.json());
  });

  test("If-Modified-Since at or after Last-Modified → 304; before → 200", async () => {
    const same = await fetch(`${app.base}/Organization/RR8`, {
      headers: { "if-modified-since": "Tue, 06 Feb 2024 00:00:00 GMT" },
    });
    expect(same.status).toBe(304);
    const earlier = await fetch(`${app.base}/Organization/RR8`, {
      headers: { "if-modified-since": "Mon, 05 Feb 2024 23:59:59 GMT" },
    });
    expect(earlier.status).toBe(200);
    const garbage = await fetch(`${app.base}/Organization/RR8`, {
      headers: { "if-modified-since": "yesterday" },
    });
    expect(garbage.status).toBe(200);
  });

  test("If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)", async () => {
    const res = await fetch(`${app.base}/Organization/RR8`, {
      headers: { "if-none-match": 'W/"2"', "if-modified-since": "Tue, 06 Feb 2099 00:00:00 GMT" },
    });
    expect(res.status).toBe(200);
  });

  test("the full path (XML) honours conditional read too", async () => {
    const res = await fetch(`${app.base}/Organization/RR8?_format=xml`, {
      headers: { "if-none-match": "1" },
    });
    expect(res.status).toBe(304);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });
});

/** Status, the headers a read carries, and the body, for comparing the fast and the full path. */
async function snapshot(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Record<string, string | null>; body: string }> {
  const res = await fetch(url, init);
  const headers: Record<string, string | null> = {};
  for (const h of ["etag", "last-modified", "content-type", "content-length", "vary", "content-encoding"]) {
    headers[h] = res.headers.get(h);
  }
  return { status: res.status, headers, body: await res.text() };
}

describe("fast path and full path agree", () => {
  // The full path: the same app with the read hot path switched off (every request through the engine).
  let full: Running;
  beforeAll(async () => {
    full = await startApp({ fhir: { fastRead: false } });
  });
  afterAll(async () => {
    await full.close();
  });

  test("GET /Organization/RR8 with and without parameters has the same headers and bytes", async () => {
    const fast = await fetch(`${app.base}/Organization/RR8`);
    const viaEngine = await fetch(`${app.base}/Organization/RR8?_format=json`);
    for (const h of ["etag", "last-modified", "content-type", "content-length", "vary"]) {
      expect(fast.headers.get(h)).toBe(viaEngine.headers.get(h));
    }
    expect(await fast.text()).toBe(await viaEngine.text());
  });

  const cases: [string, RequestInit][] = [
    ["GET", {}],
    ["HEAD", { method: "HEAD" }],
    ["Accept: application/json", { headers: { accept: "application/json" } }],
    ["Accept: */*", { headers: { accept: "*/*" } }],
    ["Accept with q-values", { headers: { accept: "application/fhir+json;q=0.9, application/xml;q=0.1" } }],
    ["Accept: FHIR R3 (406)", { headers: { accept: "application/fhir+json; fhirVersion=3.0" } }],
    ["Accept: XML", { headers: { accept: "application/fhir+xml" } }],
    ["If-None-Match (304)", { headers: { "if-none-match": 'W/"1"' } }],
    ["If-None-Match list and *", { headers: { "if-none-match": '"9", W/1' } }],
    ["If-None-Match not matching", { headers: { "if-none-match": '"2"' } }],
    ["If-Modified-Since (304)", { headers: { "if-modified-since": "Wed, 07 Feb 2024 00:00:00 GMT" } }],
    [
      "If-Modified-Since earlier (200)",
      { headers: { "if-modified-since": "Mon, 05 Feb 2024 00:00:00 GMT" } },
    ],
    ["HEAD + If-None-Match", { method: "HEAD", headers: { "if-none-match": "*" } }],
    ["Accept-Encoding (a small body stays identity)", { headers: { "accept-encoding": "br, gzip" } }],
  ];
  for (const [name, init] of cases) {
    test(`${name}: same status, headers and body as the full path`, async () => {
      for (const path of [
        "Organization/RR8",
        "Organization/rr801",
        "Organization/NOPE1",
        "Organization/X26",
      ]) {
        const fast = await snapshot(`${app.base}/${path}`, init);
        const slow = await snapshot(`${full.base}/${path}`, init);
        expect(fast, `${name} ${path}`).toEqual(slow);
      }
    });
  }
});

describe("the read hot path behind the platform (auth, issue 9)", () => {
  let secured: Running;
  let open: Running;
  beforeAll(async () => {
    const config = loadConfig({ FACADE_API_KEYS: API_KEYS_JSON, FACADE_LOG_LEVEL: "warn" });
    const platform = createPlatform({ config, logger: captureLogs(config, "warn").logger });
    secured = await startApp({ config, platform });
    open = await startApp({ fhir: { fastRead: false } });
  });
  afterAll(async () => {
    await secured.close();
    await open.close();
  });

  test("no key, a wrong key or a key without the scope: refused before any ODS bytes", async () => {
    for (const headers of [{}, { "x-api-key": `${KEYS.reader}x` }, { "x-api-key": KEYS.terminologyOnly }]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetch(`${secured.base}/Organization/RR8`, { method, headers });
        expect([401, 403], `${method} ${JSON.stringify(Object.keys(headers))}`).toContain(res.status);
        expect(res.headers.get("etag")).toBeNull();
        expect(await res.text()).not.toContain("LEEDS TEACHING");
      }
    }
  });

  test("with the key: the same status, headers and bytes as without the platform (200, 304, HEAD, 404, 410)", async () => {
    const key = { "x-api-key": KEYS.reader };
    for (const [path, init] of [
      ["Organization/RR8", {}],
      ["Organization/RR8", { method: "HEAD" }],
      ["Organization/RR8", { headers: { "if-none-match": 'W/"1"' } }],
      ["Organization/RR8", { headers: { accept: "application/json" } }],
      ["Organization/RR8?_format=xml", {}],
      ["Organization/NOPE1", {}],
      ["Organization/X26", {}],
    ] as [string, RequestInit][]) {
      const headers = { ...(init.headers as Record<string, string> | undefined) };
      const viaPlatform = await fetch(`${secured.base}/${path}`, {
        ...init,
        headers: { ...headers, ...key },
      });
      expect(viaPlatform.headers.get("x-request-id"), path).not.toBeNull();
      const got = await snapshot(`${secured.base}/${path}`, { ...init, headers: { ...headers, ...key } });
      const want = await snapshot(`${open.base}/${path}`, init);
      expect(got, `${init.method ?? "GET"} ${path}`).toEqual(want);
    }
  });
});

describe("XML", () => {
  test("the R4 golden pair organization-1.json/xml: our XML of the JSON equals FHIR.js's and round-trips", async () => {
    const { MemoryOdsRepository } = await import("../src/fhir/memory-repository.js");
    const repo = new MemoryOdsRepository();
    const json = JSON.parse(
      readFileSync(fixturePath("fhir/organization-1.json"), "utf8"),
    ) as fhir4.Organization;
    repo.put(json);
    const other = await startApp({ ods: repo });
    try {
      const res = await fetch(`${other.base}/Organization/${json.id ?? ""}`, {
        headers: { accept: "application/fhir+xml" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/fhir+xml; fhirVersion=4.0; charset=utf-8");
      const xml = await res.text();
      const { Fhir } = await import("fhir");
      const back = new Fhir().xmlToObj(xml) as fhir4.Organization;
      expect(back.name).toBe(json.name);
      expect(back.address).toEqual(json.address);
      expect(back.meta?.versionId).toBe("1");
    } finally {
      await other.close();
    }
  });
});
