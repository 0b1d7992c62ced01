import { inspect } from "node:util";

import nodeFetch from "node-fetch";
import { afterEach, beforeEach, expect, test } from "vitest";

import { KEYCLOAK_CLIENT, NHS_CLIENT, rsaKey, startFakes } from "../test/fixtures.js";
import type { Fakes } from "../test/fixtures.js";
import type { TokenClient } from "./token-client.js";
import { createTokenClient } from "./token-client.js";
import type { TokenClientOptions } from "./options.js";

let fakes: Fakes;
beforeEach(async () => {
  fakes = await startFakes();
});
afterEach(async () => {
  await fakes.close();
});

/** Every way an app might turn a value into text. */
function renderings(value: unknown): string[] {
  const out = [
    String(value),
    JSON.stringify(value) ?? "",
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  ];
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? "");
  }
  return out;
}

test("no secret appears in any error, event, or rendering of the clients", async () => {
  const observed: unknown[] = [];
  const tokens: string[] = [];
  const fast = { timeoutMs: 3_000, deadlineMs: 6_000, retry: { baseDelayMs: 5, maxDelayMs: 20 } };

  const watch = (client: TokenClient<never>): void => {
    client.on("token", (e) => observed.push(e));
    client.on("refresh", (e) => observed.push(e));
    client.on("error", (e) => observed.push(e, e.error));
    observed.push(client);
  };
  const attempt = async (p: Promise<unknown>): Promise<void> => {
    try {
      const value = await p;
      if (typeof value === "string") {
        tokens.push(value);
      }
    } catch (err) {
      observed.push(err);
    }
  };
  const keycloak = (extra: Partial<TokenClientOptions> = {}) => {
    const c = createTokenClient({
      tokenUrl: fakes.keycloak.url,
      ...KEYCLOAK_CLIENT,
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
      ...fast,
      ...extra,
    });
    watch(c);
    return c;
  };
  const nhs = (extra: Partial<TokenClientOptions> = {}) => {
    const c = createTokenClient({
      tokenUrl: fakes.nhs.url,
      clientId: NHS_CLIENT.clientId,
      privateKey: rsaKey.privatePem,
      keyId: NHS_CLIENT.keyId,
      clock: fakes.clock.read,
      allowInsecureLoopback: true,
      ...fast,
      ...extra,
    });
    watch(c);
    return c;
  };

  // Successes, early refresh, invalidation, 401 retry, through both fetch implementations.
  for (const fetchImpl of [globalThis.fetch, nodeFetch]) {
    for (const make of [keycloak, nhs]) {
      const c = make({ fetch: fetchImpl });
      await attempt(c.getToken());
      fakes.clock.advance(550_000);
      await attempt(c.getToken());
      await new Promise((r) => setTimeout(r, 50));
      await attempt(c.getToken());
      fakes.keycloak.revokeAll();
      fakes.nhs.revokeAll();
      const res = await c.fetch(fakes.resourceUrl);
      observed.push(res.status);
      await attempt(c.getToken());
    }
  }
  fakes.clock.advance(1_000_000);

  // Refusals, including servers that echo what they were sent.
  await attempt(keycloak({ clientSecret: "wrong-secret-value" }).getToken());
  await attempt(keycloak({ authMethod: "client_secret_basic", clientId: "ghost" }).getToken());
  for (const status of [400, 401, 500, 429]) {
    fakes.keycloak.injectFault({
      kind: "status",
      status,
      body: JSON.stringify({
        error: `bad ${KEYCLOAK_CLIENT.clientSecret}`,
        error_description: `you sent client_secret=${encodeURIComponent(KEYCLOAK_CLIENT.clientSecret)} (${KEYCLOAK_CLIENT.clientSecret})`,
      }),
    });
    await attempt(keycloak().getToken());
    fakes.server.faults.clear();
    fakes.nhs.injectFault({
      kind: "status",
      status,
      body: JSON.stringify({
        error: "invalid_request",
        error_description: `unknown key ${NHS_CLIENT.clientId}`,
      }),
    });
    await attempt(nhs().getToken());
    fakes.server.faults.clear();
  }
  await attempt(nhs({ keyId: "unknown-kid" }).getToken());
  await attempt(nhs({ clock: () => fakes.clock.now + 3_600_000 }).getToken());

  // Transport failures and malformed answers (bodies that hold a token must not be quoted).
  for (const fault of [{ kind: "reset" }, { kind: "hang" }, { kind: "truncate", bytes: 5 }] as const) {
    fakes.keycloak.injectFault(fault);
    await attempt(keycloak({ timeoutMs: 200, deadlineMs: 600 }).getToken());
    fakes.server.faults.clear();
  }
  const leakyToken = "eyJleaky.token.value-should-not-appear";
  for (const body of [
    `access_token=${leakyToken}`,
    `{"access_token":"${leakyToken}\\u0000"}`,
    `{"access_token":"${leakyToken}","expires_in":"x"}`,
  ]) {
    fakes.keycloak.injectFault({ kind: "status", status: 200, body }, 1);
    await attempt(keycloak().getToken());
  }

  // Options errors.
  for (const options of [
    {
      tokenUrl: `https://u:${KEYCLOAK_CLIENT.clientSecret}@h.example/t`,
      clientId: "a",
      clientSecret: KEYCLOAK_CLIENT.clientSecret,
    },
    { tokenUrl: "http://h.example/t", clientId: "a", clientSecret: KEYCLOAK_CLIENT.clientSecret },
    {
      tokenUrl: "https://h.example/t",
      clientId: NHS_CLIENT.clientId,
      privateKey: rsaKey.publicPem,
      keyId: "k",
    },
    {
      tokenUrl: "https://h.example/t",
      clientId: NHS_CLIENT.clientId,
      privateKey: rsaKey.privatePem.replace("A", "!"),
      keyId: "k",
    },
  ]) {
    try {
      createTokenClient(options as never);
    } catch (err) {
      observed.push(err);
    }
  }

  const assertions = fakes.server.requests
    .map((r) => new URLSearchParams(r.body.toString("utf8")).get("client_assertion"))
    .filter((a): a is string => a !== null);
  const keyBody = rsaKey.privatePem.split("\n").slice(1, -2).join("");
  const secrets = [
    KEYCLOAK_CLIENT.clientSecret,
    encodeURIComponent(KEYCLOAK_CLIENT.clientSecret),
    NHS_CLIENT.clientId,
    rsaKey.privatePem,
    keyBody.slice(100, 140),
    leakyToken,
    ...tokens,
    ...assertions,
    ...assertions.map((a) => a.split(".")[2] ?? ""),
  ];
  expect(tokens.length).toBeGreaterThan(10);
  expect(assertions.length).toBeGreaterThan(5);
  expect(observed.filter((o) => o instanceof Error).length).toBeGreaterThan(15);
  expect(observed.length).toBeGreaterThan(60);
  for (const value of observed) {
    for (const text of renderings(value)) {
      for (const secret of secrets) {
        expect(text.includes(secret), `a secret leaked into: ${text.slice(0, 200)}`).toBe(false);
      }
    }
  }
});
