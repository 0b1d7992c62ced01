/**
 * Fake OAuth 2.0 token endpoints of the two NHS patterns, registered on an existing {@link FakeServer}:
 *
 * - the NHS England Terminology Server's Keycloak realm (`client_credentials` with a shared secret, sent as form
 *   fields or HTTP Basic; numeric `expires_in`; `{error, error_description}` bodies), see
 *   `shared/docs/upstream-terminology.md` §1.4;
 * - the NHS API Platform "application-restricted, signed JWT" endpoint (`private_key_jwt`, RFC 7523: RS512 only,
 *   `kid` required, `iss` = `sub` = API key, `aud` = the exact token URL, unique `jti`, `exp` at most 5 minutes
 *   ahead; `expires_in` is the string `"599"`; `{error, error_description, message_id}` bodies with the real
 *   messages), see `shared/docs/upstream-terminology.md` §4.
 *
 * Both issue opaque random access tokens and remember them, so a fake resource server can ask
 * {@link TokenEndpoint.isValidAccessToken}. Fault injection goes through the server's own `faults` (per path).
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

import { registerTestSecret } from "../secrets.js";

import jwt from "jsonwebtoken";

import type { FakeRequest, FakeResponse, FakeServer } from "../http/fake-server.js";
import type { Fault } from "../http/faults.js";

/** The realm token path of the NHS England Terminology Server (legacy Keycloak `/auth` layout). */
export const KEYCLOAK_TOKEN_PATH =
  "/authorisation/auth/realms/nhs-digital-terminology/protocol/openid-connect/token";

/** The token path of the NHS API Platform (`https://api.service.nhs.uk/oauth2/token`). */
export const NHS_API_PLATFORM_TOKEN_PATH = "/oauth2/token";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const MAX_EXP_AHEAD_SECONDS = 300;

/** One access token the endpoint issued. */
export interface IssuedToken {
  readonly clientId: string;
  readonly scope: string | undefined;
  /** Milliseconds since the epoch, by the endpoint's clock. */
  readonly issuedAt: number;
  /** Milliseconds since the epoch, by the endpoint's clock. */
  readonly expiresAt: number;
}

/** One request the endpoint refused, as answered (never holds a secret). */
export interface TokenRejection {
  readonly status: number;
  readonly error: string;
  readonly errorDescription: string;
}

/** A fake token endpoint registered on a {@link FakeServer}. */
export interface TokenEndpoint {
  /** The absolute token URL (available once the server has started). */
  readonly url: string;
  /** The token path on the server. */
  readonly path: string;
  /** How many POST requests reached the token path (including those answered by an injected fault). */
  readonly tokenRequests: number;
  /** How many access tokens were issued. */
  readonly tokensIssued: number;
  /** Every refusal, in order (for tests that assert a client never produces a rejected request). */
  readonly rejections: readonly TokenRejection[];
  /**
   * Whether a bearer token (the raw token or a whole `Bearer …` header value) was issued by this endpoint, has not
   * been revoked and has not expired by the endpoint's clock.
   */
  isValidAccessToken(bearer: string | undefined): boolean;
  /** Details of a token this endpoint issued (even if expired or revoked), or undefined. */
  describeToken(bearer: string): IssuedToken | undefined;
  /** Forgets every issued token: each becomes invalid at once (a realm key rotation / session purge). */
  revokeAll(): void;
  /** Marks every issued token as expired now (simulates expiry mid-stream); new tokens are unaffected. */
  expireAll(): void;
  /** Injects a fault on the token path for the next `times` POSTs (default: until removed); returns the remover. */
  injectFault(fault: Fault, times?: number): () => void;
}

/** A Keycloak confidential client. */
export interface KeycloakClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes this client may request; when set, any other requested scope is refused with `invalid_scope`. */
  readonly scopes?: readonly string[];
}

/** Options of {@link addKeycloakTokenEndpoint}. */
export interface KeycloakTokenEndpointOptions {
  /** The token path (default {@link KEYCLOAK_TOKEN_PATH}). A path ending `/protocol/openid-connect/token` also gets
   * the realm's `/.well-known/openid-configuration`. */
  readonly path?: string;
  readonly clients: readonly KeycloakClient[];
  /** Access token lifetime in seconds (default 300, the Keycloak realm default). */
  readonly expiresIn?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number;
  /**
   * Status for a known client with a wrong secret: Keycloak 20+ answers 401 `unauthorized_client`
   * (keycloak/keycloak#16923), older ones 401 `invalid_client`. Default `unauthorized_client`.
   */
  readonly wrongSecretError?: "unauthorized_client" | "invalid_client";
}

/** An NHS API Platform application (API key) with its registered public key. */
export interface NhsApiPlatformClient {
  /** The application's API key: the assertion's `iss` and `sub`. */
  readonly clientId: string;
  /** The registered public key (PEM, SPKI or PKCS#1). Absent: the app has no key registered (403). */
  readonly publicKeyPem?: string;
  /** The `kid` of the registered key (the JWKS entry). */
  readonly kid: string;
}

/** Options of {@link addNhsApiPlatformTokenEndpoint}. */
export interface NhsApiPlatformTokenEndpointOptions {
  /** The token path (default {@link NHS_API_PLATFORM_TOKEN_PATH}). */
  readonly path?: string;
  readonly clients: readonly NhsApiPlatformClient[];
  /** Access token lifetime in seconds (default 599; always sent as a string, as the platform does). */
  readonly expiresIn?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number;
}

class TokenStore {
  readonly #tokens = new Map<string, { token: IssuedToken; revoked: boolean; expiredAt?: number }>();
  readonly rejections: TokenRejection[] = [];
  readonly clock: () => number;
  issued = 0;

  constructor(clock: () => number) {
    this.clock = clock;
  }

  issue(prefix: string, clientId: string, scope: string | undefined, lifetimeSeconds: number): string {
    const token = registerTestSecret(`${prefix}.${randomBytes(24).toString("base64url")}`);
    const now = this.clock();
    this.#tokens.set(token, {
      token: { clientId, scope, issuedAt: now, expiresAt: now + lifetimeSeconds * 1000 },
      revoked: false,
    });
    this.issued += 1;
    return token;
  }

  isValid(bearer: string | undefined): boolean {
    const entry = this.#tokens.get(stripBearer(bearer));
    if (!entry || entry.revoked) {
      return false;
    }
    const now = this.clock();
    return now < entry.token.expiresAt && (entry.expiredAt === undefined || now < entry.expiredAt);
  }

  describe(bearer: string): IssuedToken | undefined {
    return this.#tokens.get(stripBearer(bearer))?.token;
  }

  revokeAll(): void {
    for (const entry of this.#tokens.values()) {
      entry.revoked = true;
    }
  }

  expireAll(): void {
    const now = this.clock();
    for (const entry of this.#tokens.values()) {
      entry.expiredAt = Math.min(entry.expiredAt ?? now, now);
    }
  }
}

function stripBearer(bearer: string | undefined): string {
  if (bearer === undefined) {
    return "";
  }
  const match = /^Bearer\s+(.+)$/i.exec(bearer.trim());
  return match?.[1] ?? bearer.trim();
}

function makeEndpoint(server: FakeServer, path: string, store: TokenStore): TokenEndpoint {
  return {
    get url() {
      return `${server.url}${path}`;
    },
    path,
    get tokenRequests() {
      return server.requests.filter((r) => r.method === "POST" && r.path === path).length;
    },
    get tokensIssued() {
      return store.issued;
    },
    rejections: store.rejections,
    isValidAccessToken: (bearer) => store.isValid(bearer),
    describeToken: (bearer) => store.describe(bearer),
    revokeAll: () => {
      store.revokeAll();
    },
    expireAll: () => {
      store.expireAll();
    },
    injectFault: (fault, times) =>
      server.faults.add({
        path: new RegExp(`^${escapeRegExp(path)}$`),
        method: "POST",
        fault,
        ...(times === undefined ? {} : { times }),
      }),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function json(status: number, body: unknown, extraHeaders: Record<string, string> = {}): FakeResponse {
  return {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...extraHeaders },
    body: JSON.stringify(body),
  };
}

function isForm(req: FakeRequest): boolean {
  const type = req.headers["content-type"] ?? "";
  return type.split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Decodes `Authorization: Basic` per RFC 6749 §2.3.1 (form-urlencoded id and secret). */
function parseBasic(header: string | undefined): { id: string; secret: string } | "malformed" | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match?.[1]) {
    return /^Basic\b/i.test(header.trim()) ? "malformed" : undefined;
  }
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) {
    return "malformed";
  }
  try {
    const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}

/**
 * Registers a Keycloak-style `client_credentials` token endpoint (the NHS England Terminology Server's realm
 * `nhs-digital-terminology`) on `server`, plus the realm's OIDC discovery document when the path has the Keycloak
 * shape. Clients authenticate with `client_id`/`client_secret` form fields or HTTP Basic (not both).
 *
 * @example
 * ```ts
 * const server = new FakeServer();
 * const tokens = addKeycloakTokenEndpoint(server, { clients: [{ clientId: "app", clientSecret: "s3cret" }] });
 * await server.start();
 * // POST tokens.url with grant_type=client_credentials&client_id=app&client_secret=s3cret
 * ```
 */
export function addKeycloakTokenEndpoint(
  server: FakeServer,
  options: KeycloakTokenEndpointOptions,
): TokenEndpoint {
  const path = options.path ?? KEYCLOAK_TOKEN_PATH;
  const expiresIn = options.expiresIn ?? 300;
  const store = new TokenStore(options.clock ?? Date.now);
  const wrongSecretError = options.wrongSecretError ?? "unauthorized_client";
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  for (const client of options.clients) {
    registerTestSecret(client.clientSecret);
  }

  const refuse = (status: number, error: string, description: string): FakeResponse => {
    store.rejections.push({ status, error, errorDescription: description });
    return json(status, { error, error_description: description });
  };

  server.route("POST", path, (req) => {
    if (!isForm(req)) {
      return refuse(400, "invalid_request", "Missing form parameter: grant_type");
    }
    const form = new URLSearchParams(req.body.toString("utf8"));
    const grantType = form.get("grant_type");
    if (!grantType) {
      return refuse(400, "invalid_request", "Missing form parameter: grant_type");
    }
    if (grantType !== "client_credentials") {
      return refuse(400, "unsupported_grant_type", "Unsupported grant_type");
    }
    const basic = parseBasic(req.headers.authorization);
    if (basic === "malformed") {
      return refuse(400, "invalid_request", "Invalid authorization header");
    }
    const formSecret = form.get("client_secret");
    if (basic && formSecret !== null) {
      return refuse(400, "invalid_request", "Multiple client authentication methods");
    }
    if (basic && form.has("client_id") && form.get("client_id") !== basic.id) {
      return refuse(400, "invalid_request", "Inconsistent client_id");
    }
    const clientId = basic?.id ?? form.get("client_id");
    const secret = basic?.secret ?? formSecret;
    if (!clientId) {
      return refuse(401, "invalid_client", "Invalid client or Invalid client credentials");
    }
    const client = clients.get(clientId);
    if (!client) {
      return refuse(401, "invalid_client", "Invalid client or Invalid client credentials");
    }
    if (secret === null || !safeEqual(secret, client.clientSecret)) {
      return refuse(401, wrongSecretError, "Invalid client or Invalid client credentials");
    }
    const requested = (form.get("scope") ?? "").split(" ").filter(Boolean);
    if (client.scopes) {
      const unknown = requested.filter((s) => !client.scopes?.includes(s));
      if (unknown.length > 0) {
        return refuse(400, "invalid_scope", `Invalid scopes: ${unknown.join(" ")}`);
      }
    }
    const scope = ["email", "profile", ...requested].join(" ");
    const accessToken = store.issue(
      "kc",
      clientId,
      requested.length > 0 ? requested.join(" ") : undefined,
      expiresIn,
    );
    return json(200, {
      access_token: accessToken,
      expires_in: expiresIn,
      refresh_expires_in: 0,
      token_type: "Bearer",
      "not-before-policy": 0,
      scope,
    });
  });
  server.route("GET", path, () => refuse(405, "invalid_request", "HTTP method not allowed"));

  const suffix = "/protocol/openid-connect/token";
  if (path.endsWith(suffix)) {
    const realmPath = path.slice(0, -suffix.length);
    server.route("GET", `${realmPath}/.well-known/openid-configuration`, () => {
      const issuer = `${server.url}${realmPath}`;
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
        token_endpoint: `${server.url}${path}`,
        jwks_uri: `${issuer}/protocol/openid-connect/certs`,
        grant_types_supported: ["authorization_code", "client_credentials", "refresh_token"],
        token_endpoint_auth_methods_supported: [
          "private_key_jwt",
          "client_secret_basic",
          "client_secret_post",
          "client_secret_jwt",
        ],
      });
    });
  }
  return makeEndpoint(server, path, store);
}

interface DecodedAssertion {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
}

function decodeAssertion(token: string): DecodedAssertion | undefined {
  const decoded = jwt.decode(token, { complete: true, json: true }) as {
    header?: unknown;
    payload?: unknown;
  } | null;
  if (
    !decoded ||
    typeof decoded.header !== "object" ||
    decoded.header === null ||
    typeof decoded.payload !== "object" ||
    decoded.payload === null
  ) {
    return undefined;
  }
  return {
    header: decoded.header as Record<string, unknown>,
    payload: decoded.payload as Record<string, unknown>,
  };
}

/**
 * Registers an NHS-API-Platform-style signed-JWT token endpoint on `server`: `private_key_jwt` (RFC 7523) with
 * the platform's rules and its real error messages (`NHSDigital/identity-service-api` tests). Successful answers
 * carry `expires_in` as the string `"599"` and `issued_at`.
 *
 * @example
 * ```ts
 * const server = new FakeServer();
 * const nhs = addNhsApiPlatformTokenEndpoint(server, {
 *   clients: [{ clientId: "api-key", kid: "test-1", publicKeyPem }],
 * });
 * await server.start();
 * // the assertion's aud must be exactly nhs.url
 * ```
 */
export function addNhsApiPlatformTokenEndpoint(
  server: FakeServer,
  options: NhsApiPlatformTokenEndpointOptions,
): TokenEndpoint {
  const path = options.path ?? NHS_API_PLATFORM_TOKEN_PATH;
  const expiresIn = options.expiresIn ?? 599;
  const clock = options.clock ?? Date.now;
  const store = new TokenStore(clock);
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  const seenJti = new Set<string>();

  const refuse = (status: number, error: string, description: string): FakeResponse => {
    store.rejections.push({ status, error, errorDescription: description });
    return json(status, { error, error_description: description, message_id: randomUUID() });
  };
  const invalid = (description: string, status = 400): FakeResponse =>
    refuse(status, "invalid_request", description);

  server.route("POST", path, (req) => {
    const form = new URLSearchParams(isForm(req) ? req.body.toString("utf8") : "");
    const grantType = form.get("grant_type");
    if (!grantType) {
      return invalid("grant_type is missing");
    }
    if (grantType !== "client_credentials") {
      return refuse(400, "unsupported_grant_type", "grant_type is invalid");
    }
    if (form.get("client_assertion_type") !== JWT_BEARER) {
      return invalid(`Missing or invalid client_assertion_type - must be '${JWT_BEARER}'`);
    }
    const assertion = form.get("client_assertion");
    if (!assertion) {
      return invalid("Missing client_assertion");
    }
    const decoded = decodeAssertion(assertion);
    if (!decoded) {
      return invalid("Malformed JWT in client_assertion");
    }
    const { header, payload } = decoded;
    if (header.alg !== "RS512") {
      return invalid(
        "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'",
      );
    }
    if (typeof header.kid !== "string" || header.kid === "") {
      return invalid("Missing 'kid' header in client_assertion JWT");
    }
    if (header.typ !== undefined && header.typ !== "JWT") {
      return invalid("Invalid 'typ' header in client_assertion JWT - must be 'JWT'");
    }
    const { iss, sub, jti, exp, aud } = payload;
    if (typeof iss !== "string" || iss === "" || iss !== sub) {
      return invalid("Missing or non-matching 'iss'/'sub' claims in client_assertion JWT");
    }
    const client = clients.get(iss);
    if (!client) {
      return invalid("Invalid 'iss'/'sub' claims in client_assertion JWT", 401);
    }
    if (jti === undefined) {
      return invalid("Missing 'jti' claim in client_assertion JWT");
    }
    if (typeof jti !== "string" || jti === "") {
      return invalid(
        "Invalid 'jti' claim in client_assertion JWT - must be a unique string value such as a GUID",
      );
    }
    if (aud !== `${server.url}${path}`) {
      return invalid("Missing or invalid 'aud' claim in client_assertion JWT", 401);
    }
    if (exp === undefined) {
      return invalid("Missing 'exp' claim in client_assertion JWT");
    }
    if (typeof exp !== "number" || !Number.isInteger(exp)) {
      return invalid("Invalid 'exp' claim in client_assertion JWT - must be an integer");
    }
    const nowSeconds = Math.floor(clock() / 1000);
    if (exp <= nowSeconds) {
      return invalid("Invalid 'exp' claim in client_assertion JWT - JWT has expired");
    }
    if (exp > nowSeconds + MAX_EXP_AHEAD_SECONDS) {
      return invalid("Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future");
    }
    if (client.publicKeyPem === undefined) {
      return refuse(
        403,
        "public_key error",
        "You need to register a public key to use this authentication method - please contact support to configure",
      );
    }
    if (header.kid !== client.kid) {
      return invalid("Invalid 'kid' header in client_assertion JWT - no matching public key", 401);
    }
    try {
      jwt.verify(assertion, client.publicKeyPem, {
        algorithms: ["RS512"],
        ignoreExpiration: true,
        ignoreNotBefore: true,
      });
    } catch {
      return refuse(401, "public_key error", "JWT signature verification failed");
    }
    if (seenJti.has(jti)) {
      return invalid("Non-unique 'jti' claim in client_assertion JWT");
    }
    seenJti.add(jti);
    const accessToken = store.issue("nhs", iss, undefined, expiresIn);
    return json(200, {
      access_token: accessToken,
      expires_in: String(expiresIn),
      token_type: "Bearer",
      issued_at: String(clock()),
    });
  });
  return makeEndpoint(server, path, store);
}
