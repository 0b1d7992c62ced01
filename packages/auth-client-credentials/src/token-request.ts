/**
 * The client credentials grant (RFC 6749 §4.4) with client authentication by secret (§2.3.1) or by a signed JWT
 * assertion (RFC 7523 §2.2), including `scope`, `audience` and `resource` (RFC 8707) parameters.
 *
 * @module
 */
import { JWT_BEARER_ASSERTION_TYPE, signClientAssertion } from "./assertion.js";
import { withAttempts } from "./http-attempts.js";
import type { ResolvedOptions } from "./options.js";
import { parseErrorResponse, parseTokenResponse } from "./token-response.js";
import type { TokenResponse } from "./token-response.js";

/** RFC 6749 §2.3.1 / Appendix B: the id and secret are form-urlencoded before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

/** `btoa` over UTF-8 bytes (the form-encoded input is ASCII already, but stay safe). */
function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

/** The secrets a server answer must never be allowed to echo into an error. */
export function secretsOf(options: ResolvedOptions): (string | undefined)[] {
  return [
    options.clientSecret,
    options.privateKeyPassphrase,
    options.authMethod === "private_key_jwt" ? options.clientId : undefined,
  ];
}

/**
 * Requests an access token from `tokenUrl`, retrying transient failures within the deadline.
 *
 * @throws {TokenError}
 */
export function requestToken(
  options: ResolvedOptions,
  tokenUrl: string,
  scope: string | undefined,
): Promise<TokenResponse> {
  const build = (): { method: string; headers: Record<string, string>; body: string } => {
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    const assertions: string[] = [];
    switch (options.authMethod) {
      case "client_secret_post":
        form.set("client_id", options.clientId);
        form.set("client_secret", options.clientSecret ?? "");
        break;
      case "client_secret_basic":
        headers.authorization = `Basic ${base64(`${formEncode(options.clientId)}:${formEncode(options.clientSecret ?? "")}`)}`;
        break;
      case "private_key_jwt": {
        const assertion = signClientAssertion({
          clientId: options.clientId,
          tokenUrl,
          privateKey: options.privateKey ?? "",
          privateKeyPassphrase: options.privateKeyPassphrase,
          keyId: options.keyId ?? "",
          algorithm: options.algorithm,
          lifetimeSeconds: options.assertionLifetimeSeconds,
          now: options.clock(),
        });
        assertions.push(assertion);
        form.set("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
        form.set("client_assertion", assertion);
        break;
      }
    }
    if (scope !== undefined) {
      form.set("scope", scope);
    }
    if (options.audience !== undefined) {
      form.set("audience", options.audience);
    }
    for (const resource of options.resource) {
      form.append("resource", resource);
    }
    return { method: "POST", headers, body: form.toString() };
  };
  const secrets = secretsOf(options);
  return withAttempts(
    options,
    { url: tokenUrl, label: `token request to ${describeUrl(tokenUrl)}`, build },
    (res) => {
      if (res.status >= 200 && res.status < 300) {
        return parseTokenResponse(res.text, res.status, options.defaultExpiresInSeconds);
      }
      return { ok: false, failure: parseErrorResponse(res.text, res.status, secrets) };
    },
  );
}

/** The URL without its query string (which no token endpoint needs and which could carry anything). */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
