import { generateKeyPairSync, randomUUID } from "node:crypto";

import jwt from "jsonwebtoken";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { FakeServer } from "../http/fake-server.js";
import { addKeycloakTokenEndpoint, addNhsApiPlatformTokenEndpoint } from "./token-endpoints.js";
import type { TokenEndpoint } from "./token-endpoints.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherPrivatePem = other.privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let server: FakeServer;
let now: number;
const clock = (): number => now;
let keycloak: TokenEndpoint;
let nhs: TokenEndpoint;

beforeEach(async () => {
  now = Date.UTC(2026, 10, 21, 12, 0, 0);
  server = new FakeServer();
  keycloak = addKeycloakTokenEndpoint(server, {
    clients: [
      { clientId: "facade", clientSecret: "kc-secret:+/ é" },
      { clientId: "scoped", clientSecret: "s2", scopes: ["system/*.read"] },
    ],
    clock,
  });
  nhs = addNhsApiPlatformTokenEndpoint(server, {
    clients: [
      { clientId: "api-key-1", publicKeyPem: publicPem, kid: "kid-1" },
      { clientId: "no-key", kid: "kid-x" },
    ],
    clock,
  });
  await server.start();
});
afterEach(async () => {
  await server.close();
});

async function post(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("Keycloak-style token endpoint", () => {
  test("issues a token for form credentials, with Keycloak's response shape", async () => {
    const { status, body } = await post(keycloak.url, {
      grant_type: "client_credentials",
      client_id: "facade",
      client_secret: "kc-secret:+/ é",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ expires_in: 300, token_type: "Bearer", refresh_expires_in: 0 });
    expect(body).not.toHaveProperty("refresh_token");
    const token = body.access_token as string;
    expect(keycloak.isValidAccessToken(token)).toBe(true);
    expect(keycloak.isValidAccessToken(`Bearer ${token}`)).toBe(true);
    expect(keycloak.isValidAccessToken("nope")).toBe(false);
    expect(keycloak.tokenRequests).toBe(1);
    expect(keycloak.tokensIssued).toBe(1);
  });

  test("accepts HTTP Basic with form-urlencoded id and secret (RFC 6749 §2.3.1)", async () => {
    const basic = btoa(`${encodeURIComponent("facade")}:${encodeURIComponent("kc-secret:+/ é")}`);
    const { status, body } = await post(
      keycloak.url,
      { grant_type: "client_credentials" },
      { authorization: `Basic ${basic}` },
    );
    expect(status).toBe(200);
    expect(keycloak.isValidAccessToken(body.access_token as string)).toBe(true);
  });

  test("tokens expire by the clock, and expireAll/revokeAll end them at once", async () => {
    const form = { grant_type: "client_credentials", client_id: "facade", client_secret: "kc-secret:+/ é" };
    const first = (await post(keycloak.url, form)).body.access_token as string;
    now += 299_000;
    expect(keycloak.isValidAccessToken(first)).toBe(true);
    now += 1_000;
    expect(keycloak.isValidAccessToken(first)).toBe(false);
    const second = (await post(keycloak.url, form)).body.access_token as string;
    keycloak.expireAll();
    expect(keycloak.isValidAccessToken(second)).toBe(false);
    const third = (await post(keycloak.url, form)).body.access_token as string;
    expect(keycloak.isValidAccessToken(third)).toBe(true);
    keycloak.revokeAll();
    expect(keycloak.isValidAccessToken(third)).toBe(false);
    expect(keycloak.describeToken(third)?.clientId).toBe("facade");
  });

  test.each([
    [
      { grant_type: "client_credentials", client_id: "facade", client_secret: "wrong" },
      401,
      "unauthorized_client",
    ],
    [{ grant_type: "client_credentials", client_id: "ghost", client_secret: "x" }, 401, "invalid_client"],
    [{ grant_type: "client_credentials" }, 401, "invalid_client"],
    [{ client_id: "facade", client_secret: "kc-secret:+/ é" }, 400, "invalid_request"],
    [{ grant_type: "password", client_id: "facade" }, 400, "unsupported_grant_type"],
    [
      { grant_type: "client_credentials", client_id: "scoped", client_secret: "s2", scope: "system/*.write" },
      400,
      "invalid_scope",
    ],
  ])("refuses %o with %i %s", async (form, status, error) => {
    const res = await post(keycloak.url, form);
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.error_description).toBe("string");
    expect(keycloak.rejections).toHaveLength(1);
    expect(keycloak.tokensIssued).toBe(0);
  });

  test("refuses both Basic and form secret, and a non-form body", async () => {
    const basic = btoa("facade:x");
    const both = await post(
      keycloak.url,
      { grant_type: "client_credentials", client_secret: "kc-secret" },
      { authorization: `Basic ${basic}` },
    );
    expect(both.status).toBe(400);
    const res = await fetch(keycloak.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    expect(res.status).toBe(400);
    const malformed = await post(
      keycloak.url,
      { grant_type: "client_credentials" },
      { authorization: "Basic !!" },
    );
    expect(malformed.status).toBe(400);
  });

  test("serves the realm's discovery document pointing at the token URL", async () => {
    const issuer = keycloak.url.replace(/\/protocol\/openid-connect\/token$/, "");
    const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.issuer).toBe(issuer);
    expect(doc.token_endpoint).toBe(keycloak.url);
  });

  test("fault injection applies to the token path only, for as many requests as asked", async () => {
    keycloak.injectFault({ kind: "status", status: 503 }, 1);
    const form = { grant_type: "client_credentials", client_id: "facade", client_secret: "kc-secret:+/ é" };
    expect((await post(keycloak.url, form)).status).toBe(503);
    expect((await post(keycloak.url, form)).status).toBe(200);
    expect(keycloak.tokenRequests).toBe(2);
  });
});

interface AssertionParts {
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  key?: string;
  algorithm?: jwt.Algorithm;
}

function assertion(parts: AssertionParts = {}): string {
  const payload = Object.fromEntries(
    Object.entries({
      iss: "api-key-1",
      sub: "api-key-1",
      aud: nhs.url,
      jti: randomUUID(),
      exp: Math.floor(now / 1000) + 300,
      ...parts.payload,
    }).filter(([, v]) => v !== undefined),
  );
  return jwt.sign(payload, parts.key ?? privatePem, {
    algorithm: parts.algorithm ?? "RS512",
    header: { alg: parts.algorithm ?? "RS512", kid: "kid-1", typ: "JWT", ...parts.header },
    noTimestamp: true,
  });
}

function nhsForm(clientAssertion: string): Record<string, string> {
  return {
    grant_type: "client_credentials",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: clientAssertion,
  };
}

describe("NHS API Platform signed-JWT token endpoint", () => {
  test("issues a token with expires_in as the string 599", async () => {
    const { status, body } = await post(nhs.url, nhsForm(assertion()));
    expect(status).toBe(200);
    expect(body).toMatchObject({ expires_in: "599", token_type: "Bearer" });
    expect(typeof body.issued_at).toBe("string");
    expect(nhs.isValidAccessToken(body.access_token as string)).toBe(true);
    now += 599_000;
    expect(nhs.isValidAccessToken(body.access_token as string)).toBe(false);
  });

  test("refuses a reused jti", async () => {
    const jti = randomUUID();
    expect((await post(nhs.url, nhsForm(assertion({ payload: { jti } })))).status).toBe(200);
    const again = await post(nhs.url, nhsForm(assertion({ payload: { jti } })));
    expect(again).toMatchObject({
      status: 400,
      body: { error: "invalid_request", error_description: "Non-unique 'jti' claim in client_assertion JWT" },
    });
    expect(typeof again.body.message_id).toBe("string");
  });

  const cases: [string, () => Record<string, string>, number, string, string][] = [
    ["no grant_type", () => ({}), 400, "invalid_request", "grant_type is missing"],
    [
      "wrong grant_type",
      () => ({ grant_type: "password" }),
      400,
      "unsupported_grant_type",
      "grant_type is invalid",
    ],
    [
      "no assertion type",
      () => ({ grant_type: "client_credentials", client_assertion: assertion() }),
      400,
      "invalid_request",
      "Missing or invalid client_assertion_type - must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'",
    ],
    [
      "no assertion",
      () => ({ ...nhsForm(""), client_assertion: "" }),
      400,
      "invalid_request",
      "Missing client_assertion",
    ],
    ["malformed", () => nhsForm("not.a.jwt"), 400, "invalid_request", "Malformed JWT in client_assertion"],
    [
      "RS256",
      () => nhsForm(assertion({ algorithm: "RS256" })),
      400,
      "invalid_request",
      "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'",
    ],
    [
      "no kid",
      () => nhsForm(assertion({ header: { kid: undefined } })),
      400,
      "invalid_request",
      "Missing 'kid' header in client_assertion JWT",
    ],
    [
      "unknown kid",
      () => nhsForm(assertion({ header: { kid: "kid-2" } })),
      401,
      "invalid_request",
      "Invalid 'kid' header in client_assertion JWT - no matching public key",
    ],
    [
      "typ not JWT",
      () => nhsForm(assertion({ header: { typ: "at+jwt" } })),
      400,
      "invalid_request",
      "Invalid 'typ' header in client_assertion JWT - must be 'JWT'",
    ],
    [
      "iss != sub",
      () => nhsForm(assertion({ payload: { sub: "other" } })),
      400,
      "invalid_request",
      "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT",
    ],
    [
      "unknown api key",
      () => nhsForm(assertion({ payload: { iss: "ghost", sub: "ghost" } })),
      401,
      "invalid_request",
      "Invalid 'iss'/'sub' claims in client_assertion JWT",
    ],
    [
      "no jti",
      () => nhsForm(assertion({ payload: { jti: undefined } })),
      400,
      "invalid_request",
      "Missing 'jti' claim in client_assertion JWT",
    ],
    [
      "aud = issuer, not token URL",
      () => nhsForm(assertion({ payload: { aud: server.url } })),
      401,
      "invalid_request",
      "Missing or invalid 'aud' claim in client_assertion JWT",
    ],
    [
      "no exp",
      () => nhsForm(assertion({ payload: { exp: undefined } })),
      400,
      "invalid_request",
      "Missing 'exp' claim in client_assertion JWT",
    ],
    [
      "exp not integer",
      () => nhsForm(assertion({ payload: { exp: Math.floor(now / 1000) + 10.5 } })),
      400,
      "invalid_request",
      "Invalid 'exp' claim in client_assertion JWT - must be an integer",
    ],
    [
      "expired",
      () => nhsForm(assertion({ payload: { exp: Math.floor(now / 1000) - 1 } })),
      400,
      "invalid_request",
      "Invalid 'exp' claim in client_assertion JWT - JWT has expired",
    ],
    [
      "exp over 5 minutes",
      () => nhsForm(assertion({ payload: { exp: Math.floor(now / 1000) + 301 } })),
      400,
      "invalid_request",
      "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
    ],
    [
      "wrong key",
      () => nhsForm(assertion({ key: otherPrivatePem })),
      401,
      "public_key error",
      "JWT signature verification failed",
    ],
    [
      "no key registered",
      () => nhsForm(assertion({ payload: { iss: "no-key", sub: "no-key" }, header: { kid: "kid-x" } })),
      403,
      "public_key error",
      "You need to register a public key to use this authentication method - please contact support to configure",
    ],
  ];
  test.each(cases)("refuses %s", async (_name, form, status, error, description) => {
    const res = await post(nhs.url, form());
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, error_description: description });
    expect(typeof res.body.message_id).toBe("string");
    expect(nhs.rejections).toEqual([{ status, error, errorDescription: description }]);
    expect(nhs.tokensIssued).toBe(0);
  });
});
