import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { FakeServer } from "@fhir-facade/testkit";
import { createPublicKey } from "node:crypto";

import {
  API_KEYS_JSON,
  AUDIENCE,
  ISSUER,
  KEYS,
  hs256WithPublicKey,
  rsa,
  signJwt,
  startPlatform,
  unsignedJwt,
} from "./platform-harness.js";
import type { Running } from "./platform-harness.js";

interface Outcome {
  resourceType: string;
  issue: { code: string; diagnostics: string }[];
}

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  const text = await res.text();
  return { res, status: res.status, body: text === "" ? undefined : (JSON.parse(text) as Outcome) };
}

describe("API keys and JWTs with a configured public key", () => {
  let app: Running;
  beforeAll(async () => {
    app = await startPlatform({
      FACADE_API_KEYS: API_KEYS_JSON,
      FACADE_JWT_ISSUER: ISSUER,
      FACADE_JWT_AUDIENCE: AUDIENCE,
      FACADE_JWT_PUBLIC_KEY: rsa.publicKey,
      FACADE_JWT_CLOCK_TOLERANCE_S: "30",
    });
  });
  afterAll(async () => {
    await app.close();
  });

  test("no credential: 401 OperationOutcome `login` with a bare Bearer challenge", async () => {
    const { status, res, body } = await get(app.base, "/fhir/Organization/RR8");
    expect(status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="fhir-facade"');
    expect(res.headers.get("content-type")).toBe("application/fhir+json; charset=utf-8");
    expect(body?.resourceType).toBe("OperationOutcome");
    expect(body?.issue[0]?.code).toBe("login");
  });

  test("the CapabilityStatement and health endpoints need no credential", async () => {
    expect((await get(app.base, "/fhir/metadata")).status).toBe(200);
    expect((await get(app.base, "/healthz")).status).toBe(200);
    expect((await get(app.base, "/readyz")).status).toBe(200);
  });

  test("a valid API key in X-API-Key, Authorization: ApiKey or Bearer is accepted", async () => {
    expect((await get(app.base, "/fhir/Organization/RR8", { "x-api-key": KEYS.reader })).status).toBe(200);
    expect(
      (await get(app.base, "/fhir/Organization/RR8", { authorization: `ApiKey ${KEYS.reader}` })).status,
    ).toBe(200);
    expect(
      (await get(app.base, "/fhir/Organization/RR8", { authorization: `Bearer ${KEYS.reader}` })).status,
    ).toBe(200);
  });

  test("an unknown API key: 401 invalid_token", async () => {
    const { status, res } = await get(app.base, "/fhir/Organization/RR8", { "x-api-key": `${KEYS.reader}x` });
    expect(status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("an API key outside its scopes: 403 `forbidden` with insufficient_scope and the scope needed", async () => {
    const { status, res, body } = await get(app.base, "/fhir/Organization/RR8", {
      "x-api-key": KEYS.terminologyOnly,
    });
    expect(status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="fhir-facade", error="insufficient_scope", scope="system/Organization.read"',
    );
    expect(body?.issue[0]?.code).toBe("forbidden");
    expect((await get(app.base, "/fhir/ValueSet?url=x", { "x-api-key": KEYS.terminologyOnly })).status).toBe(
      200,
    );
  });

  test("a valid JWT is accepted and its client name is logged", async () => {
    const token = signJwt();
    expect((await get(app.base, "/fhir/Organization/RR8", { authorization: `Bearer ${token}` })).status).toBe(
      200,
    );
    const line = app.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .findLast((l) => l.msg === "request");
    expect(line).toMatchObject({ client: "ward-system", status: 200, route: "/fhir/Organization/:id" });
  });

  test("a JWT within the clock tolerance is accepted; beyond it refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    const slightlyExpired = signJwt({ exp: now - 10 });
    expect(
      (await get(app.base, "/fhir/Organization/A", { authorization: `Bearer ${slightlyExpired}` })).status,
    ).toBe(200);
    const soon = signJwt({ nbf: now + 10 });
    expect((await get(app.base, "/fhir/Organization/A", { authorization: `Bearer ${soon}` })).status).toBe(
      200,
    );
    const later = signJwt({ nbf: now + 120 });
    const { body } = await get(app.base, "/fhir/Organization/A", { authorization: `Bearer ${later}` });
    expect(body?.issue[0]?.diagnostics).toBe("token not yet valid");
  });

  const refused: [string, () => string, string][] = [
    ["expired", () => signJwt({ exp: Math.floor(Date.now() / 1000) - 120 }), "token expired"],
    [
      "wrong audience",
      () => signJwt({ aud: "https://other.test.invalid" }),
      "token audience is not this service",
    ],
    ["wrong issuer", () => signJwt({ iss: "https://evil.test.invalid" }), "token issuer is not trusted"],
    ["alg none", () => unsignedJwt(), "token algorithm not allowed"],
    ["HS256 signed with the public key", hs256WithPublicKey, "token algorithm not allowed"],
    ["no exp", () => signJwt({ exp: undefined }), "token has no expiry (exp)"],
    ["bad signature", () => `${signJwt().slice(0, -4)}AAAA`, "token signature invalid"],
    ["garbage", () => "a.b.c", "token malformed"],
  ];
  test.each(refused)("a JWT that is %s is refused with 401", async (_name, make, message) => {
    const token = make();
    const { status, res, body } = await get(app.base, "/fhir/Organization/RR8", {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(body?.issue[0]?.diagnostics).toBe(message);
    expect(JSON.stringify(body)).not.toContain(token);
  });

  test("a JWT without the scope for the resource is refused with 403", async () => {
    const token = signJwt({ scope: "system/ValueSet.read" });
    const { status, body } = await get(app.base, "/fhir/Organization/RR8", {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(403);
    expect(body?.issue[0]?.code).toBe("forbidden");
  });

  test("SMART v2 letters: .r allows read but not search; .s allows search", async () => {
    const readOnly = signJwt({ scope: "system/Organization.r" });
    expect(
      (await get(app.base, "/fhir/Organization/X", { authorization: `Bearer ${readOnly}` })).status,
    ).toBe(200);
    expect(
      (await get(app.base, "/fhir/Organization?name=x", { authorization: `Bearer ${readOnly}` })).status,
    ).toBe(403);
    const search = signJwt({ scope: "system/Organization.s", client_id: "searcher" });
    expect(
      (await get(app.base, "/fhir/Organization?name=x", { authorization: `Bearer ${search}` })).status,
    ).toBe(200);
  });

  test("/metrics needs system/metrics.read", async () => {
    expect((await get(app.base, "/metrics")).status).toBe(401);
    expect((await get(app.base, "/metrics", { "x-api-key": KEYS.reader })).status).toBe(403);
    const res = await fetch(`${app.base}/metrics`, { headers: { authorization: `ApiKey ${KEYS.metrics}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("facade_http_requests_total");
  });

  test("two credentials at once are refused", async () => {
    const { status } = await get(app.base, "/fhir/Organization/X", {
      "x-api-key": KEYS.reader,
      authorization: `Bearer ${signJwt()}`,
    });
    expect(status).toBe(401);
  });
});

describe("JWTs verified against a JWKS URL", () => {
  let jwks: FakeServer;
  let app: Running;
  beforeAll(async () => {
    jwks = new FakeServer();
    const jwk = {
      ...createPublicKey(rsa.publicKey).export({ format: "jwk" }),
      kid: "k1",
      alg: "RS256",
      use: "sig",
    };
    jwks.route("GET", "/jwks.json", () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ keys: [jwk] }),
    }));
    const url = await jwks.start();
    app = await startPlatform({
      FACADE_JWT_ISSUER: ISSUER,
      FACADE_JWT_AUDIENCE: AUDIENCE,
      FACADE_JWT_JWKS_URL: `${url}/jwks.json`,
    });
  });
  afterAll(async () => {
    await app.close();
    await jwks.close();
  });

  test("a token signed by the JWKS key is accepted; the JWKS is fetched once and cached", async () => {
    for (let i = 0; i < 3; i++) {
      const token = signJwt({ jti: String(i) });
      expect(
        (await get(app.base, "/fhir/Organization/RR8", { authorization: `Bearer ${token}` })).status,
      ).toBe(200);
    }
    expect(jwks.count("/jwks.json")).toBe(1);
  });

  test("a token naming an unknown kid is refused with 401", async () => {
    const token = signJwt({}, { keyid: "other" });
    const { status, body } = await get(app.base, "/fhir/Organization/RR8", {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(401);
    expect(body?.issue[0]?.diagnostics).toBe("token signed by an unknown key");
  });

  test("HS256 with the public key and alg none are refused here too", async () => {
    for (const token of [hs256WithPublicKey(), unsignedJwt()]) {
      expect(
        (await get(app.base, "/fhir/Organization/RR8", { authorization: `Bearer ${token}` })).status,
      ).toBe(401);
    }
  });
});

describe("authentication off (loopback)", () => {
  test("requests pass as the anonymous client", async () => {
    const app = await startPlatform({});
    try {
      expect((await get(app.base, "/fhir/Organization/RR8")).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
