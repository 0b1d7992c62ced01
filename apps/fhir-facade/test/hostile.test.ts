import { connect } from "node:net";

import fc from "fast-check";
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

/** Sends raw bytes and returns the status line (for requests fetch refuses to build). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let out = "";
    socket.on("data", (d: Buffer) => (out += d.toString("latin1")));
    socket.on("end", () => {
      resolve(out);
    });
    socket.on("error", reject);
    socket.end(text);
  });
}

describe("hostile and oversized input", () => {
  test("a huge query string is 414 too-long with an OperationOutcome", async () => {
    const { status, body } = await getJson(`${app.base}/Organization?name=${"a".repeat(9000)}`);
    expect(status).toBe(414);
    expect(body.issue[0].code).toBe("too-long");
  });

  test("a value longer than 1024 characters is 414", async () => {
    const { status } = await getJson(`${app.base}/Organization?name=${"a".repeat(2000)}`);
    expect(status).toBe(414);
  });

  test("too many OR values or parameters is 422 too-costly", async () => {
    const many = Array.from({ length: 101 }, (_, i) => `X${i}`).join(",");
    expect((await getJson(`${app.base}/Organization?_id=${many}`)).status).toBe(422);
    const params = Array.from({ length: 51 }, (_, i) => `name=a${i}`).join("&");
    const { status, body } = await getJson(`${app.base}/Organization?${params}`);
    expect(status).toBe(422);
    expect(body.issue[0].code).toBe("too-costly");
  });

  test("SQL / script injection attempts in values are just strings", async () => {
    for (const v of [
      "' OR 1=1 --",
      "%' OR '%'='",
      "<script>alert(1)</script>",
      "${7*7}",
      "\\",
      "zq\\\\,zq",
      "%00",
    ]) {
      const { status, body } = await getJson(`${app.base}/Organization?name=${encodeURIComponent(v)}`);
      expect(status, v).toBe(200);
      expect(body.total, v).toBe(0);
    }
  });

  test("odd encodings: invalid percent-encoding, NUL, overlong UTF-8, RTL marks", async () => {
    for (const q of [
      "name=%",
      "name=%zz",
      "name=%C0%AF",
      "name=%E2%80%AE",
      "name=%00",
      "%%%=1",
      "name=%F0%9F%98%80",
    ]) {
      const { status } = await getJson(`${app.base}/Organization?${q}`);
      expect([200, 400], q).toContain(status);
    }
    const badPath = await getJson(`${app.base}/Organization/%E0%A4%A`);
    expect(badPath.status).toBe(400);
  });

  test("a malformed request line is answered by Node, and the server keeps serving", async () => {
    const port = Number(new URL(app.base).port);
    const reply = await rawRequest(port, "GET /fhir/Organization/RR8 HTTP/9.9\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 (400|505)/);
    expect((await getJson(`${app.base}/Organization/RR8`)).status).toBe(200);
  });

  test("path traversal and odd ids never read outside the store", async () => {
    for (const p of [
      "Organization/..%2F..%2Fetc%2Fpasswd",
      "Organization/%2e%2e",
      "Organization/RR8%00",
      "Organization/a/b/c",
    ]) {
      const { status } = await getJson(`${app.base}/${p}`);
      expect([400, 404], p).toContain(status);
    }
  });

  test("a malformed Host header does not leak into fullUrls (falls back to localhost)", async () => {
    const port = Number(new URL(app.base).port);
    const reply = await rawRequest(
      port,
      "GET /fhir/Organization?_id=RR8 HTTP/1.1\r\nHost: <script>evil</script>\r\nConnection: close\r\n\r\n",
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).not.toContain("evil");
    expect(reply).toContain("http://localhost/fhir/Organization/RR8");
  });

  test("hostile operation bodies (bad XML, entity expansion, odd Parameters, too large) are 4xx, never 500", async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><Parameters xmlns="http://hl7.org/fhir"><parameter><name value="code"/><valueCode value="&lol4;"/></parameter></Parameters>`;
    const bodies: [string, string][] = [
      ["application/fhir+xml", "<Parameters><parameter><name value="],
      ["application/fhir+xml", laughs],
      [
        "application/fhir+xml",
        `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Parameters xmlns="http://hl7.org/fhir"><parameter><name value="code"/><valueCode value="&e;"/></parameter></Parameters>`,
      ],
      ["application/fhir+json", '{"resourceType":"Patient"}'],
      ["application/fhir+json", '{"resourceType":"Parameters","parameter":[{"value":1}]}'],
      [
        "application/fhir+json",
        '{"resourceType":"Parameters","parameter":[{"name":"code","valueQuantity":{"value":1}}]}',
      ],
      ["application/fhir+json", "[]"],
      ["application/fhir+json", "x".repeat(70_000)],
      ["application/x-www-form-urlencoded", `system=${"%".repeat(10)}`],
    ];
    for (const [type, body] of bodies) {
      const res = await fetch(`${app.base}/CodeSystem/$lookup`, {
        method: "POST",
        headers: { "content-type": type },
        body,
      });
      const text = await res.text();
      expect(res.status, `${type} ${body.slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${type} ${body.slice(0, 60)}`).toBeLessThan(500);
      expect(text).toContain("OperationOutcome");
      expect(text).not.toContain("root:");
    }
  });

  test("property: any query string gets 200, 400, 406, 414 or 422 with an OperationOutcome or Bundle, never 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              "name",
              "name:contains",
              "_id",
              "active",
              "lastChangeDate",
              "partof",
              "partof.name",
              "roleCode",
              "_count",
              "_sort",
              "_include",
              "_summary",
              "_elements",
              "x",
              "_format",
              "address-postalcode:exact",
              "identifier",
            ),
            fc.string({ maxLength: 30 }),
          ),
          { maxLength: 5 },
        ),
        async (pairs) => {
          const q = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
          const res = await fetch(`${app.base}/Organization?${q}`);
          expect([200, 400, 406, 414, 422], q).toContain(res.status);
          const text = await res.text();
          if ((res.headers.get("content-type") ?? "").includes("json")) {
            const body = JSON.parse(text) as { resourceType: string };
            expect(["Bundle", "OperationOutcome"]).toContain(body.resourceType);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
