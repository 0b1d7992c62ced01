import { createHash, timingSafeEqual } from "node:crypto";

import { parseScopes } from "./scopes.js";
import type { ScopeGrant } from "./scopes.js";

/**
 * One API key as configured: a name (shown in logs and metrics), the SHA-256 of the key (hex; the key
 * itself is never stored), and the SMART scopes it grants.
 *
 * Why SHA-256 and not a slow password hash: API keys are long random tokens (generate them with
 * `openssl rand -base64 32`), so a fast hash cannot be brute-forced, and a per-request bcrypt/scrypt
 * would cost milliseconds on the read path. GitHub and Stripe store API tokens the same way.
 */
export interface ApiKeyRecord {
  readonly name: string;
  /** Lower-case hex SHA-256 of the UTF-8 key. */
  readonly sha256: string;
  readonly scopes: readonly string[];
}

/** An authenticated caller. */
export interface Client {
  /** The API key's name, or the JWT's `client_id` / `azp` / `sub`. */
  readonly name: string;
  readonly kind: "api-key" | "jwt" | "anonymous";
  readonly grants: readonly ScopeGrant[];
}

/** Hex SHA-256 of an API key, as stored in `FACADE_API_KEYS`. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Shortest key accepted: a key shorter than this cannot be a random token (see {@link ApiKeyRecord}). */
export const MIN_API_KEY_LENGTH = 20;

/**
 * Builds a lookup from presented keys to clients. The lookup hashes the presented key and compares the
 * digest in constant time against the stored one found by its first bytes.
 */
export function createApiKeyVerifier(
  records: readonly ApiKeyRecord[],
): (presented: string) => Client | undefined {
  const byHash = new Map<string, { digest: Buffer; client: Client }>();
  for (const r of records) {
    byHash.set(r.sha256, {
      digest: Buffer.from(r.sha256, "hex"),
      client: { name: r.name, kind: "api-key", grants: parseScopes(r.scopes) },
    });
  }
  return (presented) => {
    if (presented.length < MIN_API_KEY_LENGTH || presented.length > 512) {
      return undefined;
    }
    const digest = createHash("sha256").update(presented, "utf8").digest();
    const entry = byHash.get(digest.toString("hex"));
    return entry !== undefined && timingSafeEqual(entry.digest, digest) ? entry.client : undefined;
  };
}
