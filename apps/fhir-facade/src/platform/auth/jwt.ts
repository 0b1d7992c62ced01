import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";

import jwt from "jsonwebtoken";
import type { Algorithm, JwtPayload } from "jsonwebtoken";
import { JwksClient } from "jwks-rsa";

import { PlatformError } from "../errors.js";
import { DEFAULT_JWT_ALGORITHMS } from "../settings.js";
import type { Client } from "./api-keys.js";
import { parseScopes } from "./scopes.js";

/** Options of {@link createJwtVerifier}. Exactly one of `jwksUrl` and `publicKey`. */
export interface JwtVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl?: string;
  /** PEM public key (RSA, EC or Ed25519). */
  readonly publicKey?: string;
  /** Allow-list; only asymmetric algorithms are accepted whatever is passed. */
  readonly algorithms: readonly string[];
  readonly clockToleranceS: number;
  readonly jwksCacheTtlS: number;
  /** Clock in ms (default `Date.now`). */
  readonly now?: () => number;
  /** Verified tokens remembered (by exact token string) until they expire; default 5,000. */
  readonly cacheSize?: number;
}

/** Verifies inbound bearer JWTs. */
export interface JwtVerifier {
  /** @throws {PlatformError} `invalid-token` (401) or `auth-unavailable` (503, JWKS unreachable). */
  verify(token: string): Promise<Client>;
}

/** The JWT algorithms the facade can accept: asymmetric only (never `none`, never HS*). */
export const ASYMMETRIC_JWT_ALGORITHMS: ReadonlySet<string> = new Set([...DEFAULT_JWT_ALGORITHMS, "EdDSA"]);
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN = 16_384;

interface Cached {
  readonly client: Client;
  readonly expMs: number;
  readonly nbfMs: number;
}

function invalid(message: string, cause?: unknown): PlatformError {
  return new PlatformError("invalid-token", message, cause === undefined ? {} : { cause });
}

/** Maps jsonwebtoken's failures to fixed messages (theirs may quote claim values). */
function describeJwtError(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) {
    return "token expired";
  }
  if (err instanceof jwt.NotBeforeError) {
    return "token not yet valid";
  }
  const message = err instanceof Error ? err.message : "";
  if (message.includes("audience")) {
    return "token audience is not this service";
  }
  if (message.includes("issuer")) {
    return "token issuer is not trusted";
  }
  if (message.includes("algorithm")) {
    return "token algorithm not allowed";
  }
  if (message.includes("signature")) {
    return "token signature invalid";
  }
  return "token invalid";
}

/**
 * Verifies bearer JWTs (RFC 7519) with jsonwebtoken against a JWKS (RFC 7517, fetched with jwks-rsa and
 * cached) or a configured public key: signature, `iss`, `aud`, `exp` (required), `nbf`, with a clock
 * tolerance and an algorithm allow-list that can only hold asymmetric algorithms — `none` and HS* are
 * never accepted, so a token "signed" with the public key as an HMAC secret fails (RFC 8725 §2.1, §3.1).
 * Successful verifications are remembered per token string until the token expires, so a client that
 * reuses its token pays for the signature check once.
 *
 * Scopes come from `scope` (space-separated, RFC 8693 §4.2) or `scp`; the client name from `client_id`,
 * `azp` or `sub`.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const algorithms = options.algorithms.filter((a) => ASYMMETRIC_JWT_ALGORITHMS.has(a)) as Algorithm[];
  if (algorithms.length === 0) {
    throw new TypeError("JWT verifier: no asymmetric algorithm allowed");
  }
  if ((options.jwksUrl === undefined) === (options.publicKey === undefined)) {
    throw new TypeError("JWT verifier: set exactly one of jwksUrl and publicKey");
  }
  const now = options.now ?? Date.now;
  const toleranceMs = options.clockToleranceS * 1000;
  const cacheSize = options.cacheSize ?? 5000;
  const cache = new Map<string, Cached>();
  const staticKey: KeyObject | undefined =
    options.publicKey === undefined ? undefined : createPublicKey(options.publicKey);
  const jwks =
    options.jwksUrl === undefined
      ? undefined
      : new JwksClient({
          jwksUri: options.jwksUrl,
          cache: true,
          cacheMaxAge: options.jwksCacheTtlS * 1000,
          rateLimit: true,
          jwksRequestsPerMinute: 10,
          timeout: 5000,
        });

  async function keyFor(kid: string | undefined): Promise<KeyObject | string> {
    if (staticKey !== undefined) {
      return staticKey;
    }
    if (jwks === undefined) {
      throw invalid("no verification key");
    }
    try {
      return (await jwks.getSigningKey(kid)).getPublicKey();
    } catch (err) {
      if (
        err instanceof Error &&
        (err.name === "SigningKeyNotFoundError" || err.name === "JwksRateLimitError")
      ) {
        throw invalid("token signed by an unknown key", err);
      }
      throw new PlatformError("auth-unavailable", "the token issuer's keys cannot be fetched", {
        cause: err,
        headers: { "Retry-After": "5" },
      });
    }
  }

  return {
    async verify(token) {
      const t = now();
      const hit = cache.get(token);
      if (hit !== undefined) {
        if (t > hit.expMs + toleranceMs) {
          cache.delete(token);
          throw invalid("token expired");
        }
        if (t + toleranceMs >= hit.nbfMs) {
          return hit.client;
        }
        throw invalid("token not yet valid");
      }
      if (token.length > MAX_TOKEN || !JWT_SHAPE.test(token)) {
        throw invalid("token malformed");
      }
      const decoded = jwt.decode(token, { complete: true });
      if (decoded === null || typeof decoded.payload === "string") {
        throw invalid("token malformed");
      }
      const alg = decoded.header.alg;
      if (!(algorithms as string[]).includes(alg)) {
        throw invalid("token algorithm not allowed");
      }
      const key = await keyFor(decoded.header.kid);
      let payload: JwtPayload;
      try {
        payload = jwt.verify(token, key, {
          algorithms: [alg as Algorithm],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceS,
          clockTimestamp: Math.floor(t / 1000),
        }) as JwtPayload;
      } catch (err) {
        throw invalid(describeJwtError(err), err);
      }
      if (typeof payload.exp !== "number") {
        throw invalid("token has no expiry (exp)");
      }
      const client = toClient(payload);
      if (cache.size >= cacheSize) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) {
          cache.delete(oldest.value);
        }
      }
      cache.set(token, { client, expMs: payload.exp * 1000, nbfMs: (payload.nbf ?? 0) * 1000 });
      return client;
    },
  };
}

function toClient(payload: JwtPayload): Client {
  const raw = payload as Record<string, unknown>;
  const scope = raw.scope ?? raw.scp;
  const scopes =
    typeof scope === "string"
      ? scope
      : Array.isArray(scope)
        ? scope.filter((s) => typeof s === "string")
        : [];
  const name = [raw.client_id, raw.azp, payload.sub].find((v) => typeof v === "string" && v !== "");
  return {
    name: typeof name === "string" ? name.slice(0, 128) : "jwt",
    kind: "jwt",
    grants: parseScopes(scopes),
  };
}
