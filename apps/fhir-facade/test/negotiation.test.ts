import { gunzipSync, brotliDecompressSync } from "node:zlib";
import { request } from "node:http";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

let app: Running;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

const FHIR_JSON = "application/fhir+json; fhirVersion=4.0; charset=utf-8";
const FHIR_XML = "application/fhir+xml; fhirVersion=4.0; charset=utf-8";

/** A raw request (fetch always adds accept and accept-encoding). */
function raw(
  url: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("content negotiation", () => {
  const cases: [string | undefined, string][] = [
    [undefined, FHIR_JSON],
    ["*/*", FHIR_JSON],
    ["application/fhir+json", FHIR_JSON],
    ["application/json+fhir", FHIR_JSON],
    ["application/json", "application/json; charset=utf-8"],
    ["application/fhir+json, */*; q=0.1", FHIR_JSON],
    ["application/fhir+xml", FHIR_XML],
    ["application/xml", "application/xml; charset=utf-8"],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml; charset=utf-8"],
    ["application/fhir+json; fhirVersion=4.0", FHIR_JSON],
    ["application/fhir+json; fhirVersion=4.0.1", FHIR_JSON],
    ["application/fhir+json; fhirVersion=3.0, application/fhir+xml", FHIR_XML],
  ];
  for (const [accept, type] of cases) {
    test(`Accept: ${accept ?? "(none)"} → ${type}`, async () => {
      const res = await raw(`${app.base}/Organization/RR8`, accept === undefined ? {} : { accept });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe(type);
      if (type.includes("json")) {
        expect((JSON.parse(res.body.toString()) as { id: string }).id).toBe("RR8");
      } else {
        expect(res.body.toString()).toContain('<Organization xmlns="http://hl7.org/fhir">');
      }
    });
  }

  test("an Accept with no supported type is 406 with a JSON OperationOutcome", async () => {
    const { status, body, headers } = await getJson(`${app.base}/Organization/RR8`, {
      headers: { accept: "application/pdf" },
    });
    expect(status).toBe(406);
    expect(headers.get("content-type")).toBe(FHIR_JSON);
    expect(body.issue[0].code).toBe("not-supported");
  });

  test("fhirVersion other than 4.0 in Accept is 406", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/RR8`, {
      headers: { accept: "application/fhir+json; fhirVersion=3.0" },
    });
    expect(status).toBe(406);
    expect(body.issue[0].diagnostics).toContain("3.0");
  });

  test("fhirVersion other than 4.0 in a POST Content-Type is 415", async () => {
    const { status, body } = await getJson(`${app.base}/Organization/_search`, {
      method: "POST",
      headers: { "content-type": "application/fhir+json; fhirVersion=3.0" },
      body: "{}",
    });
    expect(status).toBe(415);
    expect(body.issue[0].code).toBe("not-supported");
  });

  const formats: [string, string][] = [
    ["json", FHIR_JSON],
    ["xml", FHIR_XML],
    ["application/fhir+xml", FHIR_XML],
    ["application/fhir+json", FHIR_JSON],
    ["text/xml", "application/xml; charset=utf-8"],
    ["application/json", "application/json; charset=utf-8"],
  ];
  for (const [format, type] of formats) {
    test(`_format=${format} overrides Accept → ${type}`, async () => {
      const res = await raw(`${app.base}/Organization/RR8?_format=${encodeURIComponent(format)}`, {
        accept: "application/fhir+json",
      });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe(type);
    });
  }

  test("an unsupported _format is 406", async () => {
    const { status } = await getJson(`${app.base}/Organization/RR8?_format=ttl`);
    expect(status).toBe(406);
  });

  test("_format on a search keeps XML on every paging link", async () => {
    const res = await raw(`${app.base}/Organization?address-city=WAKEFIELD&_count=10&_format=xml`, {});
    expect(res.headers["content-type"]).toBe(FHIR_XML);
    const xml = res.body.toString();
    expect(xml).toContain("<Bundle");
    expect(xml).toMatch(/relation value="next"\/>\s*<url value="[^"]*_format=xml/);
  });

  test("errors are XML when XML was asked for", async () => {
    const res = await raw(`${app.base}/Organization/NOPE1`, { accept: "application/fhir+xml" });
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toBe(FHIR_XML);
    expect(res.body.toString()).toContain("<OperationOutcome");
  });

  test("_pretty=true indents JSON; without it the stored bytes are compact", async () => {
    const pretty = await raw(`${app.base}/Organization/RR8?_pretty=true`, {});
    expect(pretty.body.toString()).toContain('\n  "resourceType": "Organization"');
    const compact = await raw(`${app.base}/Organization/RR8`, {});
    expect(compact.body.toString()).not.toContain("\n");
  });
});

describe("compression", () => {
  test("a small body is not compressed even when gzip is accepted", async () => {
    const res = await raw(`${app.base}/Organization/RR8`, { "accept-encoding": "gzip, br" });
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.headers.vary).toBe("Accept, Accept-Encoding");
  });

  test("a large body is br-compressed when br is accepted, gzip when only gzip is", async () => {
    const url = `${app.base}/Organization?_count=50`;
    const br = await raw(url, { "accept-encoding": "gzip, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    const bundle = JSON.parse(brotliDecompressSync(br.body).toString()) as { total: number };
    expect(bundle.total).toBeGreaterThan(40);
    expect(Number(br.headers["content-length"])).toBe(br.body.length);
    const gz = await raw(url, { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect((JSON.parse(gunzipSync(gz.body).toString()) as { total: number }).total).toBe(bundle.total);
    const none = await raw(url, { "accept-encoding": "identity" });
    expect(none.headers["content-encoding"]).toBeUndefined();
    const refused = await raw(url, { "accept-encoding": "br;q=0, gzip;q=0" });
    expect(refused.headers["content-encoding"]).toBeUndefined();
  });
});
