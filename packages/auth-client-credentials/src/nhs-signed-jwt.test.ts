import fc from "fast-check";
import jwt from "jsonwebtoken";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { NHS_CLIENT, rsaKey, startFakes } from "../test/fixtures.js";
import type { Fakes } from "../test/fixtures.js";
import { TokenError } from "./errors.js";
import { createTokenClient } from "./token-client.js";
import type { TokenClientOptions } from "./options.js";

let fakes: Fakes;
beforeEach(async () => {
  fakes = await startFakes();
});
afterEach(async () => {
  await fakes.close();
});

function nhsClient(extra: Partial<TokenClientOptions> = {}) {
  return createTokenClient({
    tokenUrl: fakes.nhs.url,
    clientId: NHS_CLIENT.clientId,
    privateKey: rsaKey.privatePem,
    keyId: NHS_CLIENT.keyId,
    clock: fakes.clock.read,
    allowInsecureLoopback: true,
    ...extra,
  });
}

function sentAssertions(): jwt.Jwt[] {
  return fakes.server.requests
    .filter((r) => r.path === fakes.nhs.path)
    .map((r) =>
      jwt.decode(new URLSearchParams(r.body.toString("utf8")).get("client_assertion") ?? "", {
        complete: true,
      })!,
    );
}

describe("private_key_jwt against the NHS-API-Platform-style endpoint", () => {
  test('obtains a token; expires_in "599" (a string) sets the lifetime', async () => {
    const client = nhsClient();
    const expiresIn = new Promise<number>((resolve) => {
      client.on("token", (e) => {
        resolve(e.expiresInSeconds);
      });
    });
    expect(client.authMethod).toBe("private_key_jwt");
    const token = await client.getToken();
    expect(fakes.nhs.isValidAccessToken(token)).toBe(true);
    expect(await expiresIn).toBe(599);
    fakes.clock.advance(538_000); // refresh point: 599 - 60 s
    expect(await client.getToken()).toBe(token);
    expect(fakes.nhs.tokenRequests).toBe(1);
  });

  test("no assertion the endpoint would reject is ever produced (many refreshes, varied lifetimes and clocks)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        async (lifetime, offsetMs) => {
          fakes.clock.advance(offsetMs);
          const client = nhsClient({ assertionLifetimeSeconds: lifetime });
          const token = await client.getToken();
          expect(fakes.nhs.isValidAccessToken(token)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
    expect(fakes.nhs.rejections).toEqual([]);
    const assertions = sentAssertions();
    expect(assertions).toHaveLength(60);
    const jtis = new Set(assertions.map((a) => (a.payload as jwt.JwtPayload).jti));
    expect(jtis.size).toBe(60);
    for (const a of assertions) {
      expect(a.header.alg).toBe("RS512");
      expect(a.header.kid).toBe(NHS_CLIENT.keyId);
      const p = a.payload as jwt.JwtPayload;
      expect(p.aud).toBe(fakes.nhs.url);
      expect(p.iss).toBe(p.sub);
    }
  });

  test("each retry signs a new assertion (fresh jti), so a retried request is never refused as a replay", async () => {
    fakes.nhs.injectFault({ kind: "status", status: 503 }, 2);
    const client = nhsClient({ retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    expect(fakes.nhs.isValidAccessToken(await client.getToken())).toBe(true);
    const jtis = sentAssertions().map((a) => (a.payload as jwt.JwtPayload).jti);
    expect(jtis).toHaveLength(3);
    expect(new Set(jtis).size).toBe(3);
    expect(fakes.nhs.rejections).toEqual([]);
  });

  test("the platform's refusals become typed errors with its error and description", async () => {
    const other = createTokenClient({
      tokenUrl: fakes.nhs.url,
      clientId: NHS_CLIENT.clientId,
      privateKey: rsaKey.privatePem,
      keyId: "not-registered",
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
    });
    const err = await other.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect(err).toMatchObject({
      code: "invalid_request",
      status: 401,
      error: "invalid_request",
      errorDescription: "Invalid 'kid' header in client_assertion JWT - no matching public key",
      attempts: 1,
    });
  });

  test("an assertion refused because of clock skew is reported with the platform's message, not retried", async () => {
    // The client signs with its own clock; when the server's clock is 10 minutes behind, exp is more than 5 minutes
    // ahead by the server's clock, and the refusal is reported as such (not retried, not cached).
    const skewed = nhsClient({ clock: () => fakes.clock.now + 600_000 });
    await expect(skewed.getToken()).rejects.toMatchObject({
      code: "invalid_request",
      errorDescription: "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
    });
    expect(fakes.nhs.tokenRequests).toBe(1);
  });
});
