import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { KEYCLOAK_CLIENT, startFakes } from "../test/fixtures.js";
import type { Fakes } from "../test/fixtures.js";
import { TokenError } from "./errors.js";
import type { TokenErrorEvent } from "./events.js";
import type { TokenClientOptions } from "./options.js";
import { createTokenClient } from "./token-client.js";

let fakes: Fakes;
beforeEach(async () => {
  fakes = await startFakes();
});
afterEach(async () => {
  await fakes.close();
});

function client(extra: Partial<TokenClientOptions> = {}) {
  return createTokenClient({
    tokenUrl: fakes.keycloak.url,
    ...KEYCLOAK_CLIENT,
    clock: fakes.clock.read,
    allowInsecureLoopback: true,
    timeoutMs: 3_000,
    deadlineMs: 6_000,
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<TokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return err as TokenError;
}

describe("transient failures are retried with backoff within the deadline", () => {
  test("500 once, then success: one token, two requests", async () => {
    fakes.keycloak.injectFault({ kind: "status", status: 500 }, 1);
    const token = await client().getToken();
    expect(fakes.keycloak.isValidAccessToken(token)).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("500 every time: server_error after maxAttempts, with the status", async () => {
    fakes.keycloak.injectFault({ kind: "status", status: 500 });
    const err = await failure(client().getToken());
    expect(err).toMatchObject({ code: "server_error", status: 500, attempts: 4 });
    expect(err.transient).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(4);
  });

  test.each([502, 503])("%i is a server_error, retried", async (status) => {
    fakes.keycloak.injectFault({ kind: "status", status }, 2);
    expect(fakes.keycloak.isValidAccessToken(await client().getToken())).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(3);
  });

  test("429 with Retry-After: waits as told, then succeeds", async () => {
    fakes.keycloak.injectFault({ kind: "status", status: 429, retryAfterSeconds: 1 }, 1);
    const token = await client().getToken();
    expect(fakes.keycloak.isValidAccessToken(token)).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("429 whose Retry-After reaches past the deadline: rate_limited at once, no pointless wait", async () => {
    fakes.keycloak.injectFault({ kind: "status", status: 429, retryAfterSeconds: 120 });
    const err = await failure(client().getToken());
    expect(err).toMatchObject({ code: "rate_limited", status: 429, retryAfterMs: 120_000, attempts: 1 });
    expect(fakes.keycloak.tokenRequests).toBe(1);
  });

  test("connection reset once, then success", async () => {
    fakes.keycloak.injectFault({ kind: "reset" }, 1);
    expect(fakes.keycloak.isValidAccessToken(await client().getToken())).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("connection reset every time: network error after maxAttempts", async () => {
    fakes.keycloak.injectFault({ kind: "reset" });
    const err = await failure(client().getToken());
    expect(err).toMatchObject({ code: "network", attempts: 4 });
    expect(err.cause).toBeDefined();
  });

  test("a truncated body is a network failure, retried", async () => {
    fakes.keycloak.injectFault({ kind: "truncate", bytes: 10 }, 1);
    expect(fakes.keycloak.isValidAccessToken(await client().getToken())).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("a Content-Length longer than the body is a network failure, retried", async () => {
    fakes.keycloak.injectFault({ kind: "wrong-length", delta: 50 }, 1);
    expect(fakes.keycloak.isValidAccessToken(await client().getToken())).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("a hang: each attempt times out; timeout error once the deadline is spent", async () => {
    fakes.keycloak.injectFault({ kind: "hang" });
    const c = client({
      timeoutMs: 200,
      deadlineMs: 700,
      retry: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 20 },
    });
    const err = await failure(c.getToken());
    expect(err.code).toBe("timeout");
    // The deadline bounds the attempts: 700 ms of 200 ms attempts (plus short backoffs) leaves room for at most 4
    // (fewer when the machine is slow).
    expect(err.attempts).toBeGreaterThanOrEqual(2);
    expect(err.attempts).toBeLessThanOrEqual(4);
  });

  test("a hang once, then an answer: the retry succeeds", async () => {
    fakes.keycloak.injectFault({ kind: "hang" }, 1);
    expect(fakes.keycloak.isValidAccessToken(await client({ timeoutMs: 200 }).getToken())).toBe(true);
  });
});

describe("refusals are not retried", () => {
  test("wrong secret: unauthorized_client with Keycloak's description, one request, nothing cached", async () => {
    const c = client({ clientSecret: "wrong-secret-value" });
    const err = await failure(c.getToken());
    expect(err).toMatchObject({
      code: "unauthorized_client",
      status: 401,
      error: "unauthorized_client",
      errorDescription: "Invalid client or Invalid client credentials",
      attempts: 1,
    });
    expect(err.transient).toBe(false);
    await failure(c.getToken());
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("unknown client: invalid_client", async () => {
    const err = await failure(client({ clientId: "ghost" }).getToken());
    expect(err).toMatchObject({ code: "invalid_client", status: 401 });
  });

  test.each([
    [400, { error: "invalid_grant" }, "invalid_grant"],
    [400, { error: "invalid_scope", error_description: "Invalid scopes: x" }, "invalid_scope"],
    [400, { error: "unsupported_grant_type" }, "unsupported_grant_type"],
    [
      403,
      { error: "public_key error", error_description: "JWT signature verification failed" },
      "invalid_client",
    ],
    [400, { error: "something_new" }, "invalid_request"],
    [404, "<html>not found</html>", "invalid_request"],
  ])("HTTP %i %j is %s", async (status, body, code) => {
    fakes.keycloak.injectFault({
      kind: "status",
      status,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const err = await failure(client().getToken());
    expect(err.code).toBe(code);
    expect(err.attempts).toBe(1);
  });

  test("an OAuth temporarily_unavailable in a 400 is treated as a server_error and retried", async () => {
    fakes.keycloak.injectFault(
      { kind: "status", status: 400, body: JSON.stringify({ error: "temporarily_unavailable" }) },
      1,
    );
    expect(fakes.keycloak.isValidAccessToken(await client().getToken())).toBe(true);
  });
});

describe("malformed token responses are errors, never cached tokens", () => {
  test.each([
    ["not JSON", "access_token=abc"],
    ["a JSON array", "[]"],
    ["no access_token", JSON.stringify({ expires_in: 300, token_type: "Bearer" })],
    ["an empty access_token", JSON.stringify({ access_token: "", expires_in: 300 })],
    ["a numeric access_token", JSON.stringify({ access_token: 12345, expires_in: 300 })],
    [
      "a header-injecting access_token",
      JSON.stringify({ access_token: "abc\r\nx-evil: 1", expires_in: 300 }),
    ],
    ["a non-Bearer token_type", JSON.stringify({ access_token: "abc", token_type: "mac", expires_in: 300 })],
    ["expires_in 0", JSON.stringify({ access_token: "abc", expires_in: 0 })],
    ["negative expires_in", JSON.stringify({ access_token: "abc", expires_in: -5 })],
    ["non-numeric expires_in", JSON.stringify({ access_token: "abc", expires_in: "soon" })],
    ["boolean expires_in", JSON.stringify({ access_token: "abc", expires_in: true })],
  ])("%s", async (_name, body) => {
    fakes.keycloak.injectFault({ kind: "status", status: 200, body }, 1);
    const c = client();
    const err = await failure(c.getToken());
    expect(err).toMatchObject({ code: "malformed_response", status: 200, attempts: 1 });
    // Nothing was cached: the next call asks again and gets a real token.
    expect(fakes.keycloak.isValidAccessToken(await c.getToken())).toBe(true);
    expect(fakes.keycloak.tokenRequests).toBe(2);
  });

  test("an oversized response is refused without reading it all", async () => {
    const huge = JSON.stringify({ access_token: "a".repeat(2 * 1024 * 1024), expires_in: 300 });
    fakes.keycloak.injectFault({ kind: "status", status: 200, body: huge }, 1);
    const err = await failure(client({ timeoutMs: 10_000, deadlineMs: 10_000 }).getToken());
    expect(err.code).toBe("malformed_response");
    expect(err.message).toContain("limit");
  });

  test("a redirect is not followed (it could carry the secret elsewhere)", async () => {
    fakes.server.route("POST", "/moved", () => ({ status: 307, headers: { location: fakes.keycloak.url } }));
    const c = client({ tokenUrl: `${fakes.server.url}/moved` });
    const err = await failure(c.getToken());
    expect(err).toMatchObject({ code: "malformed_response", status: 307 });
    expect(fakes.keycloak.tokenRequests).toBe(0);
  });

  test("expires_in as a numeric string and a missing expires_in (safe default) are accepted", async () => {
    fakes.keycloak.injectFault(
      { kind: "status", status: 200, body: JSON.stringify({ access_token: "tok-a", expires_in: "120" }) },
      1,
    );
    const lifetimes: number[] = [];
    const c = client({ defaultExpiresInSeconds: 45 });
    c.on("token", (e) => lifetimes.push(e.expiresInSeconds));
    expect(await c.getToken()).toBe("tok-a");
    c.invalidate();
    fakes.keycloak.injectFault(
      { kind: "status", status: 200, body: JSON.stringify({ access_token: "tok-b" }) },
      1,
    );
    expect(await c.getToken()).toBe("tok-b");
    expect(lifetimes).toEqual([120, 45]);
  });
});

describe("errors are reported once per failed request, and foreground callers all see the same error", () => {
  test("concurrent callers share one failing request and one error event", async () => {
    fakes.keycloak.injectFault({
      kind: "status",
      status: 401,
      body: JSON.stringify({ error: "invalid_client" }),
    });
    const c = client();
    const events: TokenErrorEvent[] = [];
    c.on("error", (e) => events.push(e));
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => c.getToken()));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ background: false, error: { code: "invalid_client" } });
    expect(fakes.keycloak.tokenRequests).toBe(1);
  });

  test("a failing background refresh keeps serving the valid token and reports the error", async () => {
    const c = client();
    const first = await c.getToken();
    const events: TokenErrorEvent[] = [];
    const reported = new Promise<void>((resolve) => {
      c.on("error", (e) => {
        events.push(e);
        resolve();
      });
    });
    fakes.keycloak.injectFault({ kind: "status", status: 500 });
    fakes.clock.advance(250_000);
    expect(await c.getToken()).toBe(first);
    await reported;
    expect(events[0]).toMatchObject({ background: true, error: { code: "server_error" } });
    // Paused after a failure: the next calls do not start another background request at once.
    const before = fakes.keycloak.tokenRequests;
    expect(await c.getToken()).toBe(first);
    expect(fakes.keycloak.tokenRequests).toBe(before);
  });
});
