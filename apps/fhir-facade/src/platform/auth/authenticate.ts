import type { Client } from "./api-keys.js";
import type { JwtVerifier } from "./jwt.js";
import { PlatformError } from "../errors.js";
import type { RouteClass } from "../route-class.js";
import { allows, requiredScope } from "./scopes.js";

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** `false`: every request is the anonymous client (allowed on loopback only; config enforces it). */
  readonly enabled: boolean;
  /** Looks up a presented API key (see `createApiKeyVerifier`); absent when no keys are configured. */
  readonly apiKey?: (presented: string) => Client | undefined;
  readonly jwt?: JwtVerifier;
  /** Serve `/metrics` without a credential. */
  readonly metricsPublic: boolean;
  /** `realm` of `WWW-Authenticate` (RFC 6750 §3). */
  readonly realm?: string;
}

/** The credential parts of a request. */
export interface Credentials {
  readonly authorization: string | undefined;
  readonly apiKey: string | undefined;
}

/** Decides who a request comes from and whether its scopes allow it; throws a {@link PlatformError}. */
export type Authenticator = (
  route: RouteClass,
  credentials: Credentials,
) => Promise<Client | undefined> | Client | undefined;

const ANONYMOUS: Client = {
  name: "anonymous",
  kind: "anonymous",
  grants: [{ resource: "*", read: true, search: true }],
};

/**
 * Inbound authentication and SMART scope checks.
 *
 * Credentials: `X-API-Key: <key>`, `Authorization: ApiKey <key>` (what Prometheus sends), or
 * `Authorization: Bearer <token>` where a token with the three-part JWT shape is verified as a JWT and
 * anything else is looked up as an API key (FHIR clients often offer only a bearer token). 401 responses
 * carry `WWW-Authenticate: Bearer realm=..., error="invalid_token"` (none without credentials) and 403
 * responses `error="insufficient_scope", scope="..."` (RFC 6750 §3, §3.1).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const realm = options.realm ?? "fhir-facade";
  const challenge = (extra = ""): Record<string, string> => ({
    "WWW-Authenticate": `Bearer realm="${realm}"${extra}`,
  });
  const invalidToken = (message: string): PlatformError =>
    new PlatformError("invalid-token", message, {
      headers: challenge(`, error="invalid_token", error_description="${message}"`),
    });

  function authorise(route: RouteClass, client: Client): Client {
    if (route.kind === "metrics") {
      if (!allows(client.grants, "metrics", "read")) {
        throw forbidden("system/metrics.read");
      }
    } else if (route.kind === "fhir" && route.resource !== undefined) {
      if (!allows(client.grants, route.resource, route.interaction)) {
        throw forbidden(requiredScope(route.resource, route.interaction));
      }
    }
    return client;
  }

  function forbidden(scope: string): PlatformError {
    return new PlatformError("insufficient-scope", `this request needs the scope ${scope}`, {
      headers: challenge(`, error="insufficient_scope", scope="${scope}"`),
    });
  }

  function byApiKey(key: string): Client {
    const client = options.apiKey?.(key.trim());
    if (client === undefined) {
      throw invalidToken("API key not recognised");
    }
    return client;
  }

  return (route, credentials) => {
    if (route.kind === "open" || (route.kind === "metrics" && options.metricsPublic)) {
      return undefined;
    }
    if (!options.enabled) {
      return ANONYMOUS;
    }
    const { authorization, apiKey } = credentials;
    if (apiKey !== undefined && authorization !== undefined) {
      throw invalidToken("send one credential, not both X-API-Key and Authorization");
    }
    if (apiKey !== undefined) {
      return authorise(route, byApiKey(apiKey));
    }
    if (authorization === undefined || authorization.trim() === "") {
      throw new PlatformError("unauthenticated", "authentication required", { headers: challenge() });
    }
    const space = authorization.indexOf(" ");
    const scheme = space < 0 ? authorization : authorization.slice(0, space);
    const value = space < 0 ? "" : authorization.slice(space + 1).trim();
    const lower = scheme.toLowerCase();
    if (lower === "apikey") {
      return authorise(route, byApiKey(value));
    }
    if (lower !== "bearer" || value === "") {
      throw invalidToken("use Authorization: Bearer <token>");
    }
    if (value.split(".").length === 3 && options.jwt !== undefined) {
      return options.jwt.verify(value).then(
        (client) => authorise(route, client),
        (err: unknown) => {
          if (err instanceof PlatformError && err.code === "invalid-token") {
            throw invalidToken(err.message);
          }
          throw err;
        },
      );
    }
    if (options.apiKey === undefined) {
      throw invalidToken("token invalid");
    }
    return authorise(route, byApiKey(value));
  };
}
