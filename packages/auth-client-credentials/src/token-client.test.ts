import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { KEYCLOAK_CLIENT, startFakes } from "../test/fixtures.js";
import type { Fakes } from "../test/fixtures.js";
import type { TokenIssuedEvent, TokenRefreshEvent } from "./events.js";
import { createTokenClient } from "./token-client.js";
import type { TokenClientOptions } from "./options.js";

let fakes: Fakes;
beforeEach(async () => {
  fakes = await startFakes();
});
afterEach(async () => {
  await fakes.close();
});

function keycloakClient(extra: Partial<TokenClientOptions> = {}) {
  return createTokenClient({
    tokenUrl: fakes.keycloak.url,
    ...KEYCLOAK_CLIENT,
    clock: fakes.clock.read,
    allowInsecureLoopback: true,
    ...extra,
  });
}

describe("client secret against the Keycloak-style endpoint", () => {
  test.each(["client_secret_post", "client_secret_basic"] as const)(
    "%s obtains a token the endpoint accepts",
    async (authMethod) => {
      const client = keycloakClient({ authMethod });
      const token = await client.getToken();
      expect(fakes.keycloak.isValidAccessToken(token)).toBe(true);
      expect(fakes.keycloak.rejections).toEqual([]);
      const sent = fakes.server.requests.find((r) => r.path === fakes.keycloak.path);
      const form = new URLSearchParams(sent?.body.toString("utf8"));
      expect(form.get("grant_type")).toBe("client_credentials");
      if (authMethod === "client_secret_basic") {
        expect(form.has("client_secret")).toBe(false);
        expect(sent?.headers.authorization).toMatch(/^Basic /);
      } else {
        expect(form.get("client_id")).toBe(KEYCLOAK_CLIENT.clientId);
        expect(sent?.headers.authorization).toBeUndefined();
      }
    },
  );

  test("a warm cache makes no request; the token is reused until its refresh point", async () => {
    const client = keycloakClient();
    const first = await client.getToken();
    for (let i = 0; i < 100; i++) {
      expect(await client.getToken()).toBe(first);
    }
    fakes.clock.advance(239_000); // 300 s lifetime, 60 s skew: refresh starts at 240 s
    expect(await client.getToken()).toBe(first);
    expect(fakes.keycloak.tokenRequests).toBe(1);
  });

  test("1,000 concurrent getToken() calls on a cold cache make exactly one token request", async () => {
    const client = keycloakClient();
    fakes.keycloak.injectFault({ kind: "latency", ms: 50 }, 1);
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(fakes.keycloak.tokenRequests).toBe(1);
  });

  test("refreshes ahead of expiry in the background: callers get the current token without waiting", async () => {
    const client = keycloakClient();
    const refreshes: TokenRefreshEvent[] = [];
    const issued: TokenIssuedEvent[] = [];
    client.on("refresh", (e) => refreshes.push(e));
    const next = new Promise<TokenIssuedEvent>((resolve) => {
      client.on("token", (e) => {
        issued.push(e);
        if (issued.length === 2) {
          resolve(e);
        }
      });
    });
    const first = await client.getToken();
    fakes.clock.advance(250_000); // inside the 60 s skew, before expiry
    // The background request hangs until the endpoint answers; the caller must not wait for it.
    const release = fakes.keycloak.injectFault({ kind: "latency", ms: 200 }, 1);
    expect(await client.getToken()).toBe(first);
    expect(issued).toHaveLength(1); // the caller was served before the new token arrived
    expect(refreshes.map((r) => [r.reason, r.background])).toEqual([
      ["cold", false],
      ["early", true],
    ]);
    // Concurrent callers meanwhile share the one background request.
    expect(await Promise.all([client.getToken(), client.getToken()])).toEqual([first, first]);
    const event = await next;
    release();
    expect(event.background).toBe(true);
    const second = await client.getToken();
    expect(second).not.toBe(first);
    expect(fakes.keycloak.isValidAccessToken(second)).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("an expired token is never handed out: the caller waits for a new one", async () => {
    const client = keycloakClient();
    const first = await client.getToken();
    fakes.clock.advance(300_000);
    expect(fakes.keycloak.isValidAccessToken(first)).toBe(false);
    const second = await client.getToken();
    expect(second).not.toBe(first);
    expect(fakes.keycloak.isValidAccessToken(second)).toBe(true);
  });

  test("a token is not handed out in its last seconds even while a background refresh runs", async () => {
    const client = keycloakClient();
    const first = await client.getToken();
    fakes.clock.advance(296_000); // 4 s left: inside the 5 s margin
    const second = await client.getToken();
    expect(second).not.toBe(first);
  });

  test("the skew never exceeds half the lifetime (short-lived tokens)", async () => {
    await fakes.close();
    fakes = await startFakes({ keycloakExpiresIn: 20 });
    const client = keycloakClient({ refreshSkewSeconds: 60 });
    const refreshAt = new Promise<number>((resolve) => {
      client.on("token", (e) => {
        resolve(e.refreshAt - (e.expiresAt - e.expiresInSeconds * 1000));
      });
    });
    await client.getToken();
    expect(await refreshAt).toBe(10_000);
  });

  test("with backgroundRefresh off, the caller inside the skew waits for the new token", async () => {
    const client = keycloakClient({ backgroundRefresh: false });
    const first = await client.getToken();
    fakes.clock.advance(250_000);
    const second = await client.getToken();
    expect(second).not.toBe(first);
  });

  test("one token per scope; the default scope is reused", async () => {
    const client = keycloakClient({ scope: "system/*.read" });
    const a = await client.getToken();
    const b = await client.getToken({ scope: ["system/*.read"] });
    const c = await client.getToken({ scope: "system/*.write system/*.read" });
    const d = await client.getToken({ scope: ["system/*.read", "system/*.write"] });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).not.toBe(c); // scope order is kept as given: a different key
    expect(fakes.keycloak.describeToken(a)?.scope).toBe("system/*.read");
    expect(fakes.keycloak.describeToken(c)?.scope).toBe("system/*.write system/*.read");
  });

  test("audience and resource parameters are sent", async () => {
    const client = keycloakClient({
      audience: "https://ontology.nhs.uk",
      resource: ["https://ontology.nhs.uk/production1/fhir", "https://example.org/api"],
    });
    await client.getToken();
    const form = new URLSearchParams(fakes.server.requests.at(-1)?.body.toString("utf8"));
    expect(form.get("audience")).toBe("https://ontology.nhs.uk");
    expect(form.getAll("resource")).toEqual([
      "https://ontology.nhs.uk/production1/fhir",
      "https://example.org/api",
    ]);
  });

  test("invalidate(token) drops only that token; invalidate() drops all and discards in-flight results", async () => {
    const client = keycloakClient();
    const first = await client.getToken();
    client.invalidate("some-other-token");
    expect(await client.getToken()).toBe(first);
    client.invalidate(first);
    const second = await client.getToken();
    expect(second).not.toBe(first);

    const issued: TokenIssuedEvent[] = [];
    client.on("token", (e) => issued.push(e));
    client.invalidate();
    fakes.keycloak.injectFault({ kind: "latency", ms: 100 }, 1);
    const pending = client.getToken();
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.invalidate(); // e.g. the credentials were rotated while the request was in flight
    const third = await pending;
    expect(issued[0]?.cached).toBe(false);
    const fourth = await client.getToken();
    expect(fourth).not.toBe(third);
  });

  test("discovers the token endpoint from the realm's openid-configuration, once", async () => {
    const issuer = fakes.keycloak.url.replace(/\/protocol\/openid-connect\/token$/, "");
    const client = createTokenClient({
      issuer,
      ...KEYCLOAK_CLIENT,
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
    });
    expect(client.tokenUrl).toBeUndefined();
    const tokens = await Promise.all([client.getToken(), client.getToken({ scope: "profile" })]);
    expect(fakes.keycloak.isValidAccessToken(tokens[0])).toBe(true);
    expect(client.tokenUrl).toBe(fakes.keycloak.url);
    expect(fakes.server.count("/authorisation/auth/realms/nhs-digital-terminology/.well-known", "GET")).toBe(
      1,
    );
  });

  test("discovery refuses a document whose issuer does not match", async () => {
    const client = createTokenClient({
      issuer: `${fakes.server.url}/authorisation/auth/realms/other`,
      ...KEYCLOAK_CLIENT,
      allowInsecureLoopback: true,
    });
    fakes.server.route("GET", "/authorisation/auth/realms/other/.well-known/openid-configuration", () => ({
      status: 200,
      body: JSON.stringify({ issuer: "https://evil.example", token_endpoint: fakes.keycloak.url }),
    }));
    await expect(client.getToken()).rejects.toMatchObject({ code: "malformed_response" });
    expect(fakes.keycloak.tokenRequests).toBe(0);
  });

  test("a caller's abort signal stops its wait, not the shared request", async () => {
    const client = keycloakClient();
    fakes.keycloak.injectFault({ kind: "latency", ms: 100 }, 1);
    const controller = new AbortController();
    const aborted = client.getToken({ signal: controller.signal });
    const other = client.getToken();
    controller.abort(new Error("caller gave up"));
    await expect(aborted).rejects.toThrow("caller gave up");
    expect(fakes.keycloak.isValidAccessToken(await other)).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(1);
  });

  test("a throwing event listener does not break token handling", async () => {
    const client = keycloakClient();
    client.on("token", () => {
      throw new Error("listener bug");
    });
    const off = client.on("refresh", () => undefined);
    off();
    expect(fakes.keycloak.isValidAccessToken(await client.getToken())).toBe(true);
  });

  test("String(), JSON and inspect of the client describe it without secrets", () => {
    const client = keycloakClient();
    expect(String(client)).toBe(`TokenClient(client_secret_post, ${fakes.keycloak.url})`);
    expect(JSON.parse(JSON.stringify(client))).toMatchObject({
      type: "TokenClient",
      authMethod: "client_secret_post",
      tokenUrl: fakes.keycloak.url,
    });
  });
});
