/**
 * @fhir-facade/auth-client-credentials: OAuth 2.0 client credentials (RFC 6749 §4.4) for system-to-system NHS
 * APIs: client secret (NHS England Terminology Server, Keycloak) or signed JWT (NHS API Platform,
 * `private_key_jwt`), with a token cache that refreshes ahead of expiry, one request in flight, an authenticated
 * `fetch` that retries once on 401, typed errors and no secret in any output.
 *
 * @packageDocumentation
 */
export { createTokenClient, TokenClient } from "./token-client.js";
export type { GetTokenOptions } from "./token-client.js";
export type { AssertionAlgorithm, ClientAuthMethod, RetryOptions, TokenClientOptions } from "./options.js";
export { TokenClientOptionsError, TokenError } from "./errors.js";
export type { TokenErrorCode, TokenErrorDetails } from "./errors.js";
export type {
  RefreshReason,
  TokenClientEvents,
  TokenClientListener,
  TokenErrorEvent,
  TokenIssuedEvent,
  TokenRefreshEvent,
} from "./events.js";
export type { FetchLike, FetchLikeInit, ResponseLike } from "./fetch-like.js";
export {
  JWT_BEARER_ASSERTION_TYPE,
  MAX_ASSERTION_LIFETIME_SECONDS,
  signClientAssertion,
} from "./assertion.js";
export type { ClientAssertionInput } from "./assertion.js";
