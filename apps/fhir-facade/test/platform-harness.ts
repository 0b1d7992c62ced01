// Shared set-up for the platform tests: a captured logger, an app with the platform installed around a
// few stand-in FHIR routes, on 127.0.0.1, closed by the caller.
import { createHash, createHmac, generateKeyPairSync } from "node:crypto";
import type { Server } from "node:http";

import express from "express";
import type { Express } from "express";
import jwt from "jsonwebtoken";

import { feedSecretGuard, registerTestSecret } from "@fhir-facade/testkit";

import { loadConfig } from "../src/config.js";
import type { Config } from "../src/config.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createPlatform } from "../src/platform/platform.js";
import type { Platform, PlatformOptions } from "../src/platform/platform.js";
import { createHttpServer, listen } from "../src/platform/server.js";
import { secretValues } from "../src/config.js";

export const ISSUER = "https://issuer.test.invalid";
export const AUDIENCE = "https://facade.test.invalid/fhir";

/** An RSA key pair for signing test tokens. */
export const rsa = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

registerTestSecret(rsa.privateKey);

/**
 * Random API keys, and the `FACADE_API_KEYS` value that holds their hashes. Registered with the suite-wide secret
 * guard: no test's output may show them.
 */
export const KEYS = {
  reader: registerTestSecret("rk_3c9f1a7e55d24b0f9e8a6c1d2b3a4f5e"),
  terminologyOnly: registerTestSecret("rk_7b1e2d3c4a5f60718293a4b5c6d7e8f9"),
  metrics: registerTestSecret("rk_0a1b2c3d4e5f60718293a4b5c6d7e8f0"),
};
export const API_KEYS_JSON = JSON.stringify([
  {
    name: "reader",
    sha256: sha256(KEYS.reader),
    scopes: ["system/Organization.read", "system/CodeSystem.read"],
  },
  { name: "terminology-only", sha256: sha256(KEYS.terminologyOnly), scopes: ["system/ValueSet.rs"] },
  { name: "prometheus", sha256: sha256(KEYS.metrics), scopes: ["system/metrics.read"] },
]);

export function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** Signs a JWT with the test RSA key; `claims` override the defaults (valid for an hour). */
export function signJwt(claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const all: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "svc-1",
    client_id: "ward-system",
    scope: "system/Organization.read",
    iat: now,
    exp: now + 3600,
    ...claims,
  };
  // `undefined` removes a claim (jsonwebtoken refuses undefined values).
  const payload = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  return jwt.sign(payload, rsa.privateKey, { algorithm: "RS256", keyid: "k1", ...options });
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** A token with `alg: none` (no signature). */
export function unsignedJwt(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ iss: ISSUER, aud: AUDIENCE, exp: now + 600, scope: "system/*.read", ...claims })}.`;
}

/** The classic key-confusion attack: HS256 with the public key as the HMAC secret (RFC 8725 §2.1). */
export function hs256WithPublicKey(): string {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64url({ alg: "HS256", typ: "JWT", kid: "k1" })}.${b64url({ iss: ISSUER, aud: AUDIENCE, exp: now + 600, scope: "system/*.read" })}`;
  return `${head}.${createHmac("sha256", rsa.publicKey).update(head).digest("base64url")}`;
}

/** A logger whose JSON lines are kept in memory. */
export function captureLogs(
  config: Config,
  level = "info",
): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    secrets: secretValues(config),
    destination: {
      write(line: string) {
        lines.push(line);
        feedSecretGuard(line); // every captured log line is scanned by the suite-wide secret guard
      },
    },
  });
  return { lines, logger };
}

export interface Running {
  readonly base: string;
  readonly platform: Platform;
  readonly config: Config;
  readonly lines: string[];
  readonly server: Server;
  close(): Promise<void>;
}

/** Stand-in FHIR routes, enough to exercise the platform (the real ones live in src/http). */
export function addStandInRoutes(app: Express): void {
  const send = (res: express.Response, body: unknown, status = 200): void => {
    res.status(status).type("application/fhir+json; charset=utf-8").send(JSON.stringify(body));
  };
  app.get("/fhir/metadata", (_req, res) => {
    send(res, { resourceType: "CapabilityStatement", status: "active" });
  });
  app.get("/fhir/Organization/:id", (req, res) => {
    send(res, { resourceType: "Organization", id: req.params.id });
  });
  app.get("/fhir/Organization", (_req, res) => {
    send(res, { resourceType: "Bundle", type: "searchset", total: 0 });
  });
  app.get("/fhir/CodeSystem/\\$lookup", (_req, res) => {
    res.setHeader("X-Cache", "HIT");
    (res.locals as { upstreamStatus?: number }).upstreamStatus = 200;
    send(res, { resourceType: "Parameters" });
  });
  app.get("/fhir/ValueSet", (_req, res) => {
    send(res, { resourceType: "Bundle", type: "searchset", total: 0 });
  });
  app.get("/fhir/slow/:ms", (req, res) => {
    setTimeout(() => {
      send(res, { resourceType: "Parameters" });
    }, Number(req.params.ms));
  });
}

/** Starts an Express app with the platform around the stand-in routes, on 127.0.0.1. */
export async function startPlatform(
  env: Record<string, string>,
  options: Partial<Omit<PlatformOptions, "config">> & { readonly level?: string } = {},
): Promise<Running> {
  const config = loadConfig({ FACADE_LOG_LEVEL: "info", ...env });
  const { lines, logger } = captureLogs(config, options.level);
  const platform = createPlatform({ logger, ...options, config });
  const app = express();
  platform.install(app);
  addStandInRoutes(app);
  platform.installFallback(app);
  const server = createHttpServer(app, config.limits);
  const address = await listen(server, 0, "127.0.0.1");
  return {
    base: `http://127.0.0.1:${address.port}`,
    platform,
    config,
    lines,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
