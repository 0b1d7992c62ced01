import type { IncomingHttpHeaders } from "node:http";

/**
 * Request headers forwarded upstream: an allow-list (as Google's fhir-gateway does), so the caller's
 * `Authorization`, cookies, `Host`, `X-Forwarded-*` and anything else never reach the Terminology Server.
 * `Accept-Encoding` is left to the upstream client (the body must be readable to rewrite and cache).
 */
const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "accept-language",
  "content-type",
  "prefer",
  "x-request-id",
] as const;

/** Builds the upstream request headers from the caller's. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = headers[name];
    if (typeof value === "string") {
      out[name] = value;
    }
  }
  return out;
}

/**
 * Response headers never passed back: hop-by-hop headers (RFC 9110 §7.6.1), framing the gateway recomputes
 * (`content-length`, `content-encoding`: the upstream client has already decoded the body), and upstream
 * cookies and challenges, which concern the gateway's own credentials.
 */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "content-encoding",
  "set-cookie",
  "www-authenticate",
  "date",
]);

/** The parts of a WHATWG `Headers` the gateway reads (global fetch and node-fetch v3 both fit). */
export interface HeadersLike {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/** Filters upstream response headers into raw `[name, value]` pairs (what the cache stores). */
export function filterResponseHeaders(headers: HeadersLike): [string, string][] {
  const connectionTokens = new Set(
    (headers.get("connection") ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: [string, string][] = [];
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (!DROPPED_RESPONSE_HEADERS.has(lower) && !connectionTokens.has(lower)) {
      out.push([lower, value]);
    }
  });
  return out;
}
