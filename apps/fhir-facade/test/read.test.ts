import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { expectValidFhir, getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

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

describe("fast path and full path agree", () => {
  test("GET /Organization/RR8 with and without parameters has the same headers and bytes", async () => {
    const fast = await fetch(`${app.base}/Organization/RR8`);
    const full = await fetch(`${app.base}/Organization/RR8?_format=json`);
    for (const h of ["etag", "last-modified", "content-type", "content-length", "vary"]) {
      expect(fast.headers.get(h)).toBe(full.headers.get(h));
    }
    expect(await fast.text()).toBe(await full.text());
  });
});

describe("XML", () => {
  test("the R4 golden pair organization-1.json/xml: our XML of the JSON equals FHIR.js's and round-trips", async () => {
    const { MemoryOdsRepository } = await import("../src/fhir/memory-repository.js");
    const repo = new MemoryOdsRepository();
    const json = JSON.parse(
      readFileSync("/work/shared/reference/fhir/fhir-test-cases-r4/organization-1.json", "utf8"),
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
