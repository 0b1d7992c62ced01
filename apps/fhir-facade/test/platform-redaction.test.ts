import { inspect } from "node:util";

import { registerTestSecret } from "@fhir-facade/testkit";
import express from "express";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { loadConfig } from "../src/config.js";
import { PlatformError } from "../src/platform/errors.js";
import { createScrubber } from "../src/platform/observability/logger.js";
import { createPlatform } from "../src/platform/platform.js";
import { createHttpServer, listen } from "../src/platform/server.js";
import type { Server } from "node:http";
import {
  API_KEYS_JSON,
  AUDIENCE,
  ISSUER,
  KEYS,
  addStandInRoutes,
  captureLogs,
  rsa,
  signJwt,
} from "./platform-harness.js";

const SECRETS = {
  clientSecret: registerTestSecret("tc-client-secret-Zq81"),
  trudKey: registerTestSecret("trud-api-key-Hh72kk"),
  redisPassword: registerTestSecret("redis-pw-Kk19"),
  dbPassword: registerTestSecret("db-pw-Ll77"),
};

const env = {
  FACADE_API_KEYS: API_KEYS_JSON,
  FACADE_JWT_ISSUER: ISSUER,
  FACADE_JWT_AUDIENCE: AUDIENCE,
  FACADE_JWT_PUBLIC_KEY: rsa.publicKey,
  FACADE_TERMINOLOGY_CLIENT_ID: "facade-client",
  FACADE_TERMINOLOGY_CLIENT_SECRET: SECRETS.clientSecret,
  FACADE_TRUD_API_KEY: SECRETS.trudKey,
  FACADE_REDIS_URL: `redis://:${SECRETS.redisPassword}@127.0.0.1:6379/0`,
  FACADE_MIRROR_BACKEND: "postgres",
  FACADE_DATABASE_URL: `postgres://facade:${SECRETS.dbPassword}@127.0.0.1:5432/test`,
  FACADE_LOG_LEVEL: "trace",
};

let server: Server;
let base: string;
let lines: string[];
const token = signJwt({ client_id: "jwt-client" });

beforeAll(async () => {
  const config = loadConfig(env);
  const logs = captureLogs(config, "trace");
  lines = logs.lines;
  const platform = createPlatform({ config, logger: logs.logger });
  const app = express();
  platform.install(app);
  // Handlers that misbehave the way real code does: errors quoting a TRUD URL, a secret, a header dump.
  app.get("/fhir/leak/error", () => {
    throw new Error(
      `download failed: GET https://trud.test.invalid/trud/api/v1/keys/${SECRETS.trudKey}/items/341/releases`,
    );
  });
  app.get("/fhir/leak/log", (req, res) => {
    platform.logger.info({ headers: req.headers, clientSecret: SECRETS.clientSecret, config }, "debug dump");
    platform.logger.warn(`token refresh failed for secret ${SECRETS.clientSecret} with Bearer ${token}`);
    platform.logger.error(
      { err: new Error(`redis connect failed: redis://:${SECRETS.redisPassword}@x`) },
      "cache",
    );
    res.json({ ok: true });
  });
  app.get("/fhir/leak/platform-error", () => {
    throw new PlatformError("upstream-busy", "busy", { cause: new Error(SECRETS.dbPassword) });
  });
  addStandInRoutes(app);
  platform.installFallback(app);
  server = createHttpServer(app, config.limits);
  base = `http://127.0.0.1:${(await listen(server, 0, "127.0.0.1")).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

describe("no secret reaches the logs", () => {
  test("a session of good, bad and misbehaving requests logs none of the secrets, keys or tokens", async () => {
    const calls: [string, Record<string, string>][] = [
      ["/fhir/Organization/RR8", { "x-api-key": KEYS.reader }],
      ["/fhir/Organization/RR8", { authorization: `Bearer ${token}` }],
      ["/fhir/Organization/RR8", { authorization: `ApiKey ${KEYS.metrics}` }],
      ["/fhir/Organization/RR8", { "x-api-key": `${KEYS.reader}-wrong` }],
      ["/fhir/Organization/RR8", { authorization: `Bearer ${token}x` }],
      ["/fhir/leak/error", { "x-api-key": KEYS.reader }],
      ["/fhir/leak/log", { "x-api-key": KEYS.reader, cookie: `session=${SECRETS.clientSecret}` }],
      ["/fhir/leak/platform-error", { "x-api-key": KEYS.reader }],
      ["/metrics", { "x-api-key": KEYS.metrics }],
    ];
    const bodies: string[] = [];
    for (const [path, headers] of calls) {
      const res = await fetch(`${base}${path}`, { headers });
      bodies.push(await res.text());
    }
    // A configured secret the caller puts in the path reaches the per-request line (whose logger skips pino's
    // path redaction): scrubbed by value. (The stand-in route echoes the id to its caller: only the log is checked.
    // API keys are known only by their hashes, so a key pasted into a URL cannot be scrubbed by value.)
    await (
      await fetch(`${base}/fhir/Organization/${SECRETS.clientSecret}`, {
        headers: { "x-api-key": KEYS.reader },
      })
    ).text();
    await new Promise((r) => setTimeout(r, 50));
    const log = lines.join("");
    expect(lines.length).toBeGreaterThan(calls.length);
    expect(log).toContain('"path":"/fhir/Organization/[redacted]"');
    expect(log).toContain("debug dump");
    expect(log).toContain("[redacted]");
    const forbidden = [
      ...Object.values(SECRETS),
      KEYS.reader,
      KEYS.metrics,
      token,
      token.split(".")[2] ?? "",
      rsa.privateKey.split("\n")[1] ?? "",
    ];
    for (const secret of forbidden) {
      expect(log).not.toContain(secret);
      for (const body of bodies) {
        expect(body).not.toContain(secret);
      }
    }
    // The public key is not a secret, but the config dump shows it redacted like the rest.
    expect(log).not.toContain(rsa.publicKey.split("\n")[1]);
  });

  test("the scrubber: secrets, their JSON-escaped forms, Bearer tokens, TRUD key paths", () => {
    const scrub = createScrubber(["line1\nline2-secret"]);
    expect(scrub(JSON.stringify({ msg: "line1\nline2-secret" }))).toBe('{"msg":"[redacted]"}');
    expect(scrub("Authorization: Bearer abcdefghijkl")).toBe("Authorization: Bearer [redacted]");
    expect(scrub("GET /trud/api/v1/keys/abc123/items/341")).toBe(
      "GET /trud/api/v1/keys/[redacted]/items/341",
    );
  });

  test("the config's inspect output holds no secret", () => {
    const text = inspect(loadConfig(env), { depth: 20 });
    for (const secret of Object.values(SECRETS)) {
      expect(text).not.toContain(secret);
    }
  });
});
