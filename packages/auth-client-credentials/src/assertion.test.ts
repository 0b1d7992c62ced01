import jwt from "jsonwebtoken";
import { describe, expect, test } from "vitest";

import { rsaKey } from "../test/fixtures.js";
import { signClientAssertion } from "./assertion.js";

const base = {
  clientId: "api-key",
  tokenUrl: "https://int.api.service.nhs.uk/oauth2/token",
  privateKey: rsaKey.privatePem,
  keyId: "kid-1",
  algorithm: "RS512" as const,
  lifetimeSeconds: 240,
  now: Date.UTC(2026, 0, 1, 0, 0, 0, 999),
};

describe("signClientAssertion", () => {
  test("has the NHS API Platform shape: RS512, kid, typ JWT, iss=sub, aud=token URL, jti, integer exp", () => {
    const token = signClientAssertion(base);
    const decoded = jwt.verify(token, rsaKey.publicPem, {
      algorithms: ["RS512"],
      complete: true,
      ignoreExpiration: true,
    });
    expect(decoded.header).toEqual({ alg: "RS512", typ: "JWT", kid: "kid-1" });
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload.iss).toBe("api-key");
    expect(payload.sub).toBe("api-key");
    expect(payload.aud).toBe(base.tokenUrl);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.iat).toBe(Math.floor(base.now / 1000));
    expect(payload.exp).toBe(Math.floor(base.now / 1000) + 240);
    expect(Number.isInteger(payload.exp)).toBe(true);
  });

  test("a fresh jti every time", () => {
    const jtis = new Set(
      Array.from({ length: 200 }, () => (jwt.decode(signClientAssertion(base)) as jwt.JwtPayload).jti),
    );
    expect(jtis.size).toBe(200);
  });

  test("exp is capped at 5 minutes ahead whatever the lifetime asked", () => {
    const payload = jwt.decode(signClientAssertion({ ...base, lifetimeSeconds: 3600 })) as jwt.JwtPayload;
    expect(payload.exp! - payload.iat!).toBe(300);
  });
});
