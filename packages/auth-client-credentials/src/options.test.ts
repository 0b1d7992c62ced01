import { generateKeyPairSync } from "node:crypto";

import { describe, expect, test } from "vitest";

import { rsaKey } from "../test/fixtures.js";
import { TokenClientOptionsError } from "./errors.js";
import { createTokenClient } from "./token-client.js";

const SECRET = "do-not-echo-this-secret-1234";
const good = {
  tokenUrl:
    "https://ontology.nhs.uk/authorisation/auth/realms/nhs-digital-terminology/protocol/openid-connect/token",
  clientId: "facade",
  clientSecret: SECRET,
};
const jwtGood = {
  tokenUrl: "https://int.api.service.nhs.uk/oauth2/token",
  clientId: "api-key",
  privateKey: rsaKey.privatePem,
  keyId: "k1",
};

function optionError(options: unknown): TokenClientOptionsError {
  try {
    createTokenClient(options as never);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenClientOptionsError);
    const e = err as TokenClientOptionsError;
    expect(e.code).toBe("invalid_options");
    expect(e.name).toBe("TokenClientOptionsError");
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain("PRIVATE KEY");
    expect(e.message).not.toContain(rsaKey.privatePem.slice(40, 80));
    return e;
  }
  throw new Error("expected a TokenClientOptionsError");
}

describe("valid options", () => {
  test.each([
    ["client_secret_post by default", good],
    ["client_secret_basic", { ...good, authMethod: "client_secret_basic" }],
    ["private_key_jwt inferred from privateKey", jwtGood],
    [
      "a PKCS#1 key",
      {
        ...jwtGood,
        privateKey: generateKeyPairSync("rsa", { modulusLength: 2048 })
          .privateKey.export({ type: "pkcs1", format: "pem" })
          .toString(),
      },
    ],
    [
      "issuer instead of tokenUrl",
      {
        issuer: "https://ontology.nhs.uk/authorisation/auth/realms/nhs-digital-terminology",
        clientId: "a",
        clientSecret: SECRET,
      },
    ],
    [
      "http on loopback when allowed",
      { ...good, tokenUrl: "http://127.0.0.1:8080/token", allowInsecureLoopback: true },
    ],
    [
      "http on localhost when allowed",
      { ...good, tokenUrl: "http://localhost:8080/token", allowInsecureLoopback: true },
    ],
    [
      "http on [::1] when allowed",
      { ...good, tokenUrl: "http://[::1]:8080/token", allowInsecureLoopback: true },
    ],
  ])("%s", (_name, options) => {
    expect(() => createTokenClient(options as never)).not.toThrow();
  });
});

describe("bad options are refused at creation, naming the option, never echoing secrets", () => {
  test.each([
    ["not an object", null, "options"],
    ["an array", [], "options"],
    ["neither tokenUrl nor issuer", { clientId: "a", clientSecret: SECRET }, "tokenUrl"],
    ["both tokenUrl and issuer", { ...good, issuer: "https://a.example" }, "tokenUrl"],
    ["a relative tokenUrl", { ...good, tokenUrl: "/token" }, "tokenUrl"],
    ["a non-https tokenUrl", { ...good, tokenUrl: "http://ontology.nhs.uk/token" }, "tokenUrl"],
    ["http on loopback without the flag", { ...good, tokenUrl: "http://127.0.0.1/token" }, "tokenUrl"],
    [
      "http on a non-loopback host with the flag",
      { ...good, tokenUrl: "http://10.0.0.1/token", allowInsecureLoopback: true },
      "tokenUrl",
    ],
    [
      "credentials in the tokenUrl",
      { ...good, tokenUrl: `https://user:${SECRET}@example.org/token` },
      "tokenUrl",
    ],
    ["a fragment in the tokenUrl", { ...good, tokenUrl: "https://example.org/token#x" }, "tokenUrl"],
    ["a non-string tokenUrl", { ...good, tokenUrl: 42 }, "tokenUrl"],
    ["ftp issuer", { issuer: "ftp://example.org", clientId: "a", clientSecret: SECRET }, "issuer"],
    ["a missing clientId", { ...good, clientId: undefined }, "clientId"],
    ["an empty clientId", { ...good, clientId: "" }, "clientId"],
    ["a clientId with a newline", { ...good, clientId: "a\nb" }, "clientId"],
    ["an oversized clientId", { ...good, clientId: "x".repeat(100_000) }, "clientId"],
    ["a missing secret", { ...good, clientSecret: undefined }, "clientSecret"],
    ["an empty secret", { ...good, clientSecret: "" }, "clientSecret"],
    ["a non-string secret", { ...good, clientSecret: { value: SECRET } }, "clientSecret"],
    ["a secret with a control character", { ...good, clientSecret: `${SECRET}\u0000` }, "clientSecret"],
    ["an unknown authMethod", { ...good, authMethod: "client_secret_jwt" }, "authMethod"],
    [
      "a privateKey with a secret method",
      { ...good, authMethod: "client_secret_post", privateKey: rsaKey.privatePem },
      "privateKey",
    ],
    ["both a secret and a key, no method", { ...good, privateKey: rsaKey.privatePem }, "clientSecret"],
    ["a secret with private_key_jwt", { ...jwtGood, clientSecret: SECRET }, "clientSecret"],
    [
      "private_key_jwt without a key",
      { ...jwtGood, privateKey: undefined, authMethod: "private_key_jwt" },
      "privateKey",
    ],
    ["a public key instead of a private key", { ...jwtGood, privateKey: rsaKey.publicPem }, "privateKey"],
    ["garbage instead of a key", { ...jwtGood, privateKey: `not a key ${SECRET}` }, "privateKey"],
    [
      "a truncated PEM",
      { ...jwtGood, privateKey: rsaKey.privatePem.slice(0, 200) + "\n-----END PRIVATE KEY-----\n" },
      "privateKey",
    ],
    ["an oversized key", { ...jwtGood, privateKey: "x".repeat(100_000) }, "privateKey"],
    [
      "a 1024-bit RSA key (too small for RS512)",
      {
        ...jwtGood,
        privateKey: generateKeyPairSync("rsa", { modulusLength: 1024 })
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
      },
      "privateKey",
    ],
    [
      "an EC key for RS512",
      {
        ...jwtGood,
        privateKey: generateKeyPairSync("ec", { namedCurve: "P-256" })
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
      },
      "privateKey",
    ],
    ["a missing keyId", { ...jwtGood, keyId: undefined }, "keyId"],
    ["an empty keyId", { ...jwtGood, keyId: "" }, "keyId"],
    ["a keyId with a secret method", { ...good, keyId: "k" }, "keyId"],
    ["an unknown algorithm", { ...jwtGood, algorithm: "none" }, "algorithm"],
    ["HS512", { ...jwtGood, algorithm: "HS512" }, "algorithm"],
    [
      "an assertion lifetime over 5 minutes",
      { ...jwtGood, assertionLifetimeSeconds: 301 },
      "assertionLifetimeSeconds",
    ],
    ["a zero assertion lifetime", { ...jwtGood, assertionLifetimeSeconds: 0 }, "assertionLifetimeSeconds"],
    [
      "a fractional assertion lifetime",
      { ...jwtGood, assertionLifetimeSeconds: 10.5 },
      "assertionLifetimeSeconds",
    ],
    ["a scope with a quote", { ...good, scope: 'a"b' }, "scope"],
    ["a scope list with a number", { ...good, scope: ["a", 1] }, "scope"],
    ["a relative resource", { ...good, resource: "/fhir" }, "resource"],
    ["a resource with a fragment", { ...good, resource: "https://a.example/#x" }, "resource"],
    ["an empty audience", { ...good, audience: "" }, "audience"],
    ["fetch not a function", { ...good, fetch: "fetch" }, "fetch"],
    ["clock not a function", { ...good, clock: 5 }, "clock"],
    ["a negative skew", { ...good, refreshSkewSeconds: -1 }, "refreshSkewSeconds"],
    ["NaN skew", { ...good, refreshSkewSeconds: Number.NaN }, "refreshSkewSeconds"],
    ["a zero default lifetime", { ...good, defaultExpiresInSeconds: 0 }, "defaultExpiresInSeconds"],
    ["an infinite timeout", { ...good, timeoutMs: Number.POSITIVE_INFINITY }, "timeoutMs"],
    ["a string deadline", { ...good, deadlineMs: "30s" }, "deadlineMs"],
    ["zero attempts", { ...good, retry: { maxAttempts: 0 } }, "retry.maxAttempts"],
    [
      "maxDelay under baseDelay",
      { ...good, retry: { baseDelayMs: 500, maxDelayMs: 100 } },
      "retry.maxDelayMs",
    ],
    ["an unknown retry option", { ...good, retry: { attempts: 3 } }, "retry.attempts"],
    ["retry not an object", { ...good, retry: 3 }, "retry"],
    ["a tiny maxResponseBytes", { ...good, maxResponseBytes: 10 }, "maxResponseBytes"],
    ["a non-boolean flag", { ...good, backgroundRefresh: "yes" }, "backgroundRefresh"],
    ["a misspelt option", { ...good, clientSecert: SECRET }, "clientSecert"],
  ])("%s", (_name, options, option) => {
    expect(optionError(options).option).toBe(option);
  });

  test("the message names the option", () => {
    const err = optionError({ ...good, clientSecret: "" });
    expect(err.message).toMatch(/option "clientSecret"/);
  });
});
