/**
 * Finding the token endpoint from an issuer's OpenID Provider Configuration (OIDC Discovery 1.0 §4; Keycloak
 * serves it at `{realm}/.well-known/openid-configuration`).
 *
 * @module
 */
import { TokenClientOptionsError } from "./errors.js";
import { withAttempts } from "./http-attempts.js";
import { checkEndpointUrl } from "./options.js";
import type { ResolvedOptions } from "./options.js";
import { describeUrl } from "./token-request.js";
import { parseErrorResponse } from "./token-response.js";

/** The discovery document URL of an issuer (OIDC Discovery 1.0 §4.1). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * Reads the issuer's discovery document and returns its `token_endpoint`, checked like the `tokenUrl` option. The
 * document's `issuer` must equal the configured one (§4.3), ignoring a trailing slash.
 *
 * @throws {TokenError} `malformed_response` for an unusable document; transport codes as for token requests.
 */
export function discoverTokenEndpoint(options: ResolvedOptions, issuer: string): Promise<string> {
  const url = discoveryUrl(issuer);
  return withAttempts(
    options,
    {
      url,
      label: `discovery from ${describeUrl(url)}`,
      build: () => ({ method: "GET", headers: { accept: "application/json" } }),
    },
    (res) => {
      if (res.status < 200 || res.status >= 300) {
        const failure = parseErrorResponse(res.text, res.status, []);
        return {
          ok: false,
          failure: {
            ...failure,
            code: "malformed_response",
            message: `no discovery document (HTTP ${res.status})`,
          },
        };
      }
      const bad = (
        message: string,
      ): {
        ok: false;
        failure: { code: "malformed_response"; message: string; retryable: false; status: number };
      } => ({
        ok: false,
        failure: { code: "malformed_response", message, retryable: false, status: res.status },
      });
      let doc: unknown;
      try {
        doc = JSON.parse(res.text);
      } catch {
        return bad("the discovery document is not JSON");
      }
      if (typeof doc !== "object" || doc === null) {
        return bad("the discovery document is not a JSON object");
      }
      const { issuer: docIssuer, token_endpoint: tokenEndpoint } = doc as Record<string, unknown>;
      if (typeof docIssuer !== "string" || docIssuer.replace(/\/+$/, "") !== issuer.replace(/\/+$/, "")) {
        return bad("the discovery document's issuer does not match the configured issuer");
      }
      try {
        return {
          ok: true,
          value: checkEndpointUrl("token_endpoint", tokenEndpoint, options.allowInsecureLoopback),
        };
      } catch (err) {
        return bad(
          err instanceof TokenClientOptionsError
            ? `the discovery document's ${err.message.replace(/^auth-client-credentials: option /, "")}`
            : "the discovery document has no usable token_endpoint",
        );
      }
    },
  );
}
