/**
 * Client assertions for `private_key_jwt` (RFC 7523 §2.2 and §3; OIDC Core §9), shaped for the NHS API Platform's
 * "application-restricted, signed JWT" pattern: header `alg` (RS512 by default) + `kid` + `typ: "JWT"`; claims
 * `iss` = `sub` = the client id (API key), `aud` = the exact token URL, a fresh `jti`, integer `iat` and `exp`, with
 * `exp` at most 5 minutes ahead.
 * See https://digital.nhs.uk/developer/guides-and-documentation/security-and-authorisation/application-restricted-restful-apis-signed-jwt-authentication
 *
 * @module
 */
import jwt from "jsonwebtoken";

import type { AssertionAlgorithm } from "./options.js";

/** The `client_assertion_type` of RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The longest assertion lifetime the NHS API Platform accepts, in seconds. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** Inputs of {@link signClientAssertion}. */
export interface ClientAssertionInput {
  readonly clientId: string;
  /** The exact token URL the assertion is sent to (its `aud`). */
  readonly tokenUrl: string;
  readonly privateKey: string;
  readonly privateKeyPassphrase?: string | undefined;
  readonly keyId: string;
  readonly algorithm: AssertionAlgorithm;
  /** Seconds until `exp`; values above 300 are capped to 300. */
  readonly lifetimeSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/**
 * Signs a fresh client assertion (a new random `jti` each call).
 *
 * @example
 * ```ts
 * const assertion = signClientAssertion({
 *   clientId: apiKey, tokenUrl: "https://int.api.service.nhs.uk/oauth2/token", privateKey: pem, keyId: "test-1",
 *   algorithm: "RS512", lifetimeSeconds: 240, now: Date.now(),
 * });
 * ```
 */
export function signClientAssertion(input: ClientAssertionInput): string {
  const iat = Math.floor(input.now / 1000);
  const lifetime = Math.max(1, Math.min(Math.floor(input.lifetimeSeconds), MAX_ASSERTION_LIFETIME_SECONDS));
  const key =
    input.privateKeyPassphrase === undefined
      ? input.privateKey
      : { key: input.privateKey, passphrase: input.privateKeyPassphrase };
  return jwt.sign(
    {
      iss: input.clientId,
      sub: input.clientId,
      aud: input.tokenUrl,
      jti: crypto.randomUUID(),
      iat,
      exp: iat + lifetime,
    },
    key,
    { algorithm: input.algorithm, keyid: input.keyId, header: { alg: input.algorithm, typ: "JWT" } },
  );
}
