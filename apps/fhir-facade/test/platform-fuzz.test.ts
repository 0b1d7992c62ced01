import { request } from "node:http";
import type { Server } from "node:http";

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createPlatform } from "../src/platform/platform.js";
import { createHttpServer, listen } from "../src/platform/server.js";
import { API_KEYS_JSON, KEYS, captureLogs, signJwt } from "./platform-harness.js";

let server: Server;
let port: number;
let lines: string[];

beforeAll(async () => {
  const config = loadConfig({
    FACADE_API_KEYS: API_KEYS_JSON,
    FACADE_RATE_LIMIT_PER_S: "0",
    FACADE_REQUEST_TIMEOUT_MS: "3000",
    FACADE_MAX_URL_LENGTH: "2048",
  });
  const logs = captureLogs(config);
  lines = logs.lines;
  const platform = createPlatform({ config, logger: logs.logger });
  server = createHttpServer(createApp({ config, platform }), config.limits);
  port = (await listen(server, 0, "127.0.0.1")).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, headers, agent: false, timeout: 8000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"] ?? "",
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => {
      req.destroy(new Error(`no answer within 8 s: ${method} ${path}`));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const printable = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""));
const segment = fc.oneof(
  fc.constantFrom(
    "fhir",
    "Organization",
    "OrganizationAffiliation",
    "CodeSystem",
    "ValueSet",
    "metadata",
    "$lookup",
    "$validate-code",
    "$expand",
    "_search",
    "_history",
    "RR8",
    "..",
    "%2e%2e",
    "%2F",
    "%00",
    "%zz",
    "healthz",
    "readyz",
    "metrics",
    "",
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc
  .tuple(fc.boolean(), fc.array(segment, { maxLength: 6 }))
  .map(([fhir, segs]) => `/${fhir ? "fhir/" : ""}${segs.join("/")}`);
const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          "name",
          "name:contains",
          "_count",
          "_format",
          "_summary",
          "_elements",
          "_include",
          "address-postalcode",
          "_lastUpdated",
          "identifier",
          "system",
          "code",
          "url",
          "_id",
          "active",
          "partof:Organization.name",
          "_sort",
          "_offset",
        ),
        fc.string({ maxLength: 10 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(
          "ge2020-01-01",
          "xml",
          "json",
          "count",
          "-1",
          "99999999999",
          "%",
          "a,b,,c",
          "|x",
          "http://x|y",
        ),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) =>
    pairs.length === 0
      ? ""
      : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`,
  );
const credential = fc.constantFrom<Record<string, string>>(
  {},
  { "x-api-key": KEYS.reader },
  { "x-api-key": KEYS.terminologyOnly },
  { authorization: `Bearer ${KEYS.reader}` },
  { authorization: "Bearer a.b.c" },
  { authorization: "Basic Zm9vOmJhcg==" },
);
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "accept",
      "content-type",
      "if-none-match",
      "if-modified-since",
      "prefer",
      "accept-encoding",
      "accept-language",
      "x-request-id",
      "x-forwarded-for",
      "range",
      "authorization",
      "x-http-method-override",
    ),
    fc.stringMatching(/^x-[a-z0-9-]{1,12}$/),
  ),
  fc.oneof(
    printable,
    fc.constantFrom(
      "application/fhir+xml",
      "application/fhir+json; fhirVersion=3.0",
      "*/*",
      "text/html",
      'W/"1"',
      "*",
      "handling=strict",
      "gzip, br",
      "application/x-www-form-urlencoded",
    ),
  ),
  { maxKeys: 6 },
);

describe("fuzzing the running app (platform + FHIR routes)", () => {
  test("random methods, paths, queries, headers and bodies never give a 5xx, a hang, or an error without an OperationOutcome", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        path,
        query,
        headers,
        credential,
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        async (method, p, q, hs, cred, body) => {
          const all = { ...hs, ...cred };
          const reply = await send(
            method,
            `${p}${q}`,
            all,
            method === "POST" || method === "PUT" ? body : undefined,
          );
          expect(reply.status, `${method} ${p}${q} ${JSON.stringify(all)}`).toBeGreaterThanOrEqual(200);
          expect(reply.status, `${method} ${p}${q} ${JSON.stringify(all)}: ${reply.body}`).toBeLessThan(500);
          if (reply.status >= 400 && method !== "HEAD") {
            expect(reply.body, `${method} ${p}${q}`).toMatch(
              /"resourceType":\s*"OperationOutcome"|<OperationOutcome/,
            );
          }
        },
      ),
      { numRuns: 400, interruptAfterTimeLimit: 60_000 },
    );
  }, 120_000);

  test("valid credentials reach the FHIR routes (the fuzz is not all 401s)", async () => {
    const reply = await send("GET", "/fhir/Organization?name=x", { "x-api-key": KEYS.reader });
    expect(reply.status).toBe(200);
    const jwtReply = await send("GET", "/fhir/metadata", { authorization: `Bearer ${signJwt()}` });
    expect(jwtReply.status).toBe(200);
  });

  test("no unhandled error was logged during the fuzz", () => {
    expect(lines.filter((l) => l.includes('"unhandled error"'))).toEqual([]);
  });
});
