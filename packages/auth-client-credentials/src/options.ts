/**
 * Options of `createTokenClient`, and their validation (at creation, with messages that name the option and never
 * repeat its value).
 *
 * @module
 */
import jwt from "jsonwebtoken";

import { TokenClientOptionsError } from "./errors.js";
import type { FetchLike } from "./fetch-like.js";

/**
 * How the client authenticates to the token endpoint (RFC 6749 §2.3.1, RFC 7523 §2.2, OIDC Core §9).
 *
 * - `client_secret_post`: `client_id` and `client_secret` as form fields (what NHS England's Terminology Server
 *   examples use);
 * - `client_secret_basic`: HTTP Basic with the form-urlencoded id and secret;
 * - `private_key_jwt`: a signed JWT client assertion (the NHS API Platform's "signed JWT" pattern).
 */
export type ClientAuthMethod = "client_secret_post" | "client_secret_basic" | "private_key_jwt";

/** Signing algorithms for `private_key_jwt`. The NHS API Platform accepts only `RS512` (the default). */
export type AssertionAlgorithm =
  "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512";

/** Retry policy for transient token-endpoint failures (network, timeout, 5xx, 429). */
export interface RetryOptions {
  /** Most HTTP attempts per token request, first one included. Default 4. */
  readonly maxAttempts?: number;
  /** First backoff delay in ms; doubled per attempt, with jitter. Default 200. */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff delay in ms (a `Retry-After` may ask for more, within the deadline). Default 5000. */
  readonly maxDelayMs?: number;
}

/** Options of {@link createTokenClient}. Give either `tokenUrl` or `issuer`. */
export interface TokenClientOptions<F extends FetchLike = FetchLike> {
  /** The token endpoint. Must be https, unless `allowInsecureLoopback` and the host is a loopback address. */
  readonly tokenUrl?: string;
  /**
   * An issuer whose `/.well-known/openid-configuration` (OIDC Discovery 1.0 §4) names the token endpoint; read
   * once, on the first token request. The document's `issuer` must equal this value.
   */
  readonly issuer?: string;
  /** The client id (for the NHS API Platform: the application's API key, used as `iss` and `sub`). */
  readonly clientId: string;
  /** Default: `private_key_jwt` when `privateKey` is given, otherwise `client_secret_post`. */
  readonly authMethod?: ClientAuthMethod;
  /** The client secret (`client_secret_post` / `client_secret_basic`). */
  readonly clientSecret?: string;
  /** A PEM private key (PKCS#8 or PKCS#1) for `private_key_jwt`. */
  readonly privateKey?: string;
  /** The passphrase of an encrypted `privateKey`. */
  readonly privateKeyPassphrase?: string;
  /** The `kid` header of the assertion: the id of the public key registered with the server (required). */
  readonly keyId?: string;
  /** The assertion's signing algorithm. Default `RS512`. */
  readonly algorithm?: AssertionAlgorithm;
  /** How far ahead the assertion's `exp` is, in seconds: 1 to 300 (NHS refuses more than 5 minutes). Default 240. */
  readonly assertionLifetimeSeconds?: number;
  /** The `scope` parameter (RFC 6749 §3.3): a space-separated string or a list. */
  readonly scope?: string | readonly string[];
  /** An `audience` parameter (used by some servers, for example Auth0). */
  readonly audience?: string;
  /** `resource` parameter(s) (RFC 8707): absolute URIs. */
  readonly resource?: string | readonly string[];
  /** Default: the global `fetch`. Any WHATWG-compatible fetch works, including `node-fetch` v3. */
  readonly fetch?: F;
  /** Milliseconds since the epoch, for token lifetimes and assertion times. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * Refresh this many seconds before a token expires (capped at half the token's lifetime). Between that point and
   * expiry, callers get the current token at once while one background request fetches the next. Default 60.
   */
  readonly refreshSkewSeconds?: number;
  /** Lifetime assumed when a response has no `expires_in`. Default 60. */
  readonly defaultExpiresInSeconds?: number;
  /** Whether to refresh in the background ahead of expiry (see `refreshSkewSeconds`). Default true. */
  readonly backgroundRefresh?: boolean;
  /** Timeout of one HTTP request to the token endpoint, in ms (body included). Default 10000. */
  readonly timeoutMs?: number;
  /** Time budget of one token request including retries, in ms. Default 30000. */
  readonly deadlineMs?: number;
  readonly retry?: RetryOptions;
  /** Largest token or discovery response accepted, in bytes. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Allow `http://` token/issuer URLs on loopback hosts (localhost, 127.0.0.0/8, ::1), for tests. Default false. */
  readonly allowInsecureLoopback?: boolean;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly tokenUrl: string | undefined;
  readonly issuer: string | undefined;
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
  readonly clientSecret: string | undefined;
  readonly privateKey: string | undefined;
  readonly privateKeyPassphrase: string | undefined;
  readonly keyId: string | undefined;
  readonly algorithm: AssertionAlgorithm;
  readonly assertionLifetimeSeconds: number;
  readonly scope: string | undefined;
  readonly audience: string | undefined;
  readonly resource: readonly string[];
  readonly fetch: FetchLike;
  readonly clock: () => number;
  readonly refreshSkewMs: number;
  readonly defaultExpiresInSeconds: number;
  readonly backgroundRefresh: boolean;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxResponseBytes: number;
  readonly allowInsecureLoopback: boolean;
}

const KNOWN_OPTIONS = new Set([
  "tokenUrl",
  "issuer",
  "clientId",
  "authMethod",
  "clientSecret",
  "privateKey",
  "privateKeyPassphrase",
  "keyId",
  "algorithm",
  "assertionLifetimeSeconds",
  "scope",
  "audience",
  "resource",
  "fetch",
  "clock",
  "refreshSkewSeconds",
  "defaultExpiresInSeconds",
  "backgroundRefresh",
  "timeoutMs",
  "deadlineMs",
  "retry",
  "maxResponseBytes",
  "allowInsecureLoopback",
]);
const KNOWN_RETRY_OPTIONS = new Set(["maxAttempts", "baseDelayMs", "maxDelayMs"]);
const METHODS: readonly ClientAuthMethod[] = ["client_secret_post", "client_secret_basic", "private_key_jwt"];
const ALGORITHMS: readonly AssertionAlgorithm[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
];
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1F\x7F]/;
const MAX_TEXT = 8192;

/** Whether a host name is a loopback address (RFC 6761 `localhost`, 127.0.0.0/8, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** Validates an endpoint URL option (https, or http on loopback when allowed; no credentials, no fragment). */
export function checkEndpointUrl(option: string, value: unknown, allowInsecureLoopback: boolean): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_TEXT) {
    throw new TokenClientOptionsError(option, "must be a non-empty URL string");
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TokenClientOptionsError(option, "is not a valid absolute URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new TokenClientOptionsError(option, "must not contain credentials (user:password@)");
  }
  if (url.hash !== "") {
    throw new TokenClientOptionsError(option, "must not contain a fragment");
  }
  if (url.protocol === "https:") {
    return url.href;
  }
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) {
    if (allowInsecureLoopback) {
      return url.href;
    }
    throw new TokenClientOptionsError(
      option,
      "must be an https URL (http is accepted for loopback hosts only with allowInsecureLoopback: true)",
    );
  }
  throw new TokenClientOptionsError(option, "must be an https URL");
}

function text(option: string, value: unknown, { required = false, max = MAX_TEXT } = {}): string | undefined {
  if (value === undefined && !required) {
    return undefined;
  }
  if (typeof value !== "string" || value.length === 0) {
    throw new TokenClientOptionsError(
      option,
      required ? "is required (a non-empty string)" : "must be a non-empty string",
    );
  }
  if (value.length > max) {
    throw new TokenClientOptionsError(option, `is longer than ${max} characters`);
  }
  if (CONTROL.test(value)) {
    throw new TokenClientOptionsError(option, "must not contain control characters");
  }
  return value;
}

function num(
  option: string,
  value: unknown,
  { fallback, min, max, integer = false }: { fallback: number; min: number; max: number; integer?: boolean },
): number {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new TokenClientOptionsError(option, `must be a number from ${min} to ${max}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new TokenClientOptionsError(option, "must be an integer");
  }
  return value;
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== "boolean") {
    throw new TokenClientOptionsError(option, "must be true or false");
  }
  return value;
}

function scopeOption(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  return normaliseScope(value, "scope");
}

/** Normalises a scope (string or list) to a space-separated string of valid scope tokens, in the given order. */
export function normaliseScope(value: unknown, option: string): string | undefined {
  const list: unknown[] =
    typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [null];
  const tokens: string[] = [];
  for (const item of list) {
    if (typeof item !== "string") {
      throw new TokenClientOptionsError(option, "must be a string or a list of strings");
    }
    if (item === "") {
      continue;
    }
    if (!SCOPE_TOKEN.test(item) || item.length > MAX_TEXT) {
      throw new TokenClientOptionsError(
        option,
        "contains a character not allowed in a scope (RFC 6749 §3.3)",
      );
    }
    if (!tokens.includes(item)) {
      tokens.push(item);
    }
  }
  return tokens.length > 0 ? tokens.join(" ") : undefined;
}

function resourceOption(value: unknown): readonly string[] {
  if (value === undefined) {
    return [];
  }
  const list: unknown[] = typeof value === "string" ? [value] : Array.isArray(value) ? value : [null];
  return list.map((item) => {
    const uri = text("resource", item);
    try {
      const url = new URL(uri ?? "");
      if (url.hash !== "") {
        throw new Error("fragment");
      }
    } catch {
      throw new TokenClientOptionsError("resource", "must be absolute URIs without a fragment (RFC 8707 §2)");
    }
    return uri ?? "";
  });
}

function checkPrivateKey(options: {
  privateKey: string;
  passphrase: string | undefined;
  algorithm: AssertionAlgorithm;
}): void {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(options.privateKey)) {
    throw new TokenClientOptionsError("privateKey", "is a public key or a certificate, not a private key");
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(options.privateKey)) {
    throw new TokenClientOptionsError("privateKey", "must be a PEM private key (PKCS#8 or PKCS#1)");
  }
  try {
    // A trial signature proves the key is a private key of the right type and size for the algorithm.
    jwt.sign(
      { probe: true },
      options.passphrase === undefined
        ? options.privateKey
        : { key: options.privateKey, passphrase: options.passphrase },
      { algorithm: options.algorithm, noTimestamp: true },
    );
  } catch {
    // The signer's own message is not forwarded: it is about the key material.
    throw new TokenClientOptionsError(
      "privateKey",
      `cannot sign ${options.algorithm} assertions (not a private key of the right type and at least 2048 bits, or a wrong passphrase)`,
    );
  }
}

/**
 * Validates the options of `createTokenClient` and fills in defaults.
 *
 * @throws {TokenClientOptionsError} naming the first invalid option; the message never contains its value.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TokenClientOptionsError("options", "must be an object");
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TokenClientOptionsError(
        key.length > 64 ? `${key.slice(0, 64)}…` : key,
        "is not a known option",
      );
    }
  }
  const allowInsecureLoopback = bool("allowInsecureLoopback", o.allowInsecureLoopback, false);
  if ((o.tokenUrl === undefined) === (o.issuer === undefined)) {
    throw new TokenClientOptionsError("tokenUrl", "or issuer is required (exactly one of them)");
  }
  const tokenUrl =
    o.tokenUrl === undefined ? undefined : checkEndpointUrl("tokenUrl", o.tokenUrl, allowInsecureLoopback);
  const issuer =
    o.issuer === undefined ? undefined : checkEndpointUrl("issuer", o.issuer, allowInsecureLoopback);
  const clientId = text("clientId", o.clientId, { required: true }) ?? "";

  const authMethod = o.authMethod ?? (o.privateKey === undefined ? "client_secret_post" : "private_key_jwt");
  if (!METHODS.includes(authMethod as ClientAuthMethod)) {
    throw new TokenClientOptionsError("authMethod", `must be one of ${METHODS.join(", ")}`);
  }
  const method = authMethod as ClientAuthMethod;
  let clientSecret: string | undefined;
  let privateKey: string | undefined;
  let privateKeyPassphrase: string | undefined;
  let keyId: string | undefined;
  const algorithm = (o.algorithm ?? "RS512") as AssertionAlgorithm;
  if (!ALGORITHMS.includes(algorithm)) {
    throw new TokenClientOptionsError("algorithm", `must be one of ${ALGORITHMS.join(", ")}`);
  }
  const assertionLifetimeSeconds = num("assertionLifetimeSeconds", o.assertionLifetimeSeconds, {
    fallback: 240,
    min: 1,
    max: 300,
    integer: true,
  });
  if (method === "private_key_jwt") {
    if (o.clientSecret !== undefined) {
      throw new TokenClientOptionsError("clientSecret", "must not be given with authMethod private_key_jwt");
    }
    if (o.privateKey === undefined) {
      throw new TokenClientOptionsError("privateKey", "is required for authMethod private_key_jwt");
    }
    if (typeof o.privateKey !== "string" || o.privateKey.length === 0 || o.privateKey.length > 64 * 1024) {
      throw new TokenClientOptionsError("privateKey", "must be a PEM string (up to 64 KiB)");
    }
    privateKey = o.privateKey;
    if (o.privateKeyPassphrase !== undefined && typeof o.privateKeyPassphrase !== "string") {
      throw new TokenClientOptionsError("privateKeyPassphrase", "must be a string");
    }
    privateKeyPassphrase = o.privateKeyPassphrase;
    keyId = text("keyId", o.keyId, { required: true, max: 1024 });
    checkPrivateKey({ privateKey, passphrase: privateKeyPassphrase, algorithm });
  } else {
    for (const option of ["privateKey", "privateKeyPassphrase", "keyId"] as const) {
      if (o[option] !== undefined) {
        throw new TokenClientOptionsError(option, `must not be given with authMethod ${method}`);
      }
    }
    if (o.clientSecret === undefined) {
      throw new TokenClientOptionsError("clientSecret", `is required for authMethod ${method}`);
    }
    clientSecret = text("clientSecret", o.clientSecret, { required: true });
  }

  if (o.fetch !== undefined && typeof o.fetch !== "function") {
    throw new TokenClientOptionsError("fetch", "must be a function (a WHATWG-compatible fetch)");
  }
  const fetchFn = (o.fetch ?? (globalThis as { fetch?: unknown }).fetch) as FetchLike | undefined;
  if (typeof fetchFn !== "function") {
    throw new TokenClientOptionsError("fetch", "is required: this runtime has no global fetch");
  }
  if (o.clock !== undefined && typeof o.clock !== "function") {
    throw new TokenClientOptionsError("clock", "must be a function returning milliseconds since the epoch");
  }
  const retry: unknown = o.retry ?? {};
  if (typeof retry !== "object" || retry === null || Array.isArray(retry)) {
    throw new TokenClientOptionsError("retry", "must be an object");
  }
  const r = retry as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!KNOWN_RETRY_OPTIONS.has(key)) {
      throw new TokenClientOptionsError(`retry.${key.slice(0, 64)}`, "is not a known option");
    }
  }
  const baseDelayMs = num("retry.baseDelayMs", r.baseDelayMs, { fallback: 200, min: 0, max: 60_000 });
  const maxDelayMs = num("retry.maxDelayMs", r.maxDelayMs, {
    fallback: Math.max(5000, baseDelayMs),
    min: 0,
    max: 600_000,
  });
  if (maxDelayMs < baseDelayMs) {
    throw new TokenClientOptionsError("retry.maxDelayMs", "must not be less than retry.baseDelayMs");
  }

  return {
    tokenUrl,
    issuer,
    clientId,
    authMethod: method,
    clientSecret,
    privateKey,
    privateKeyPassphrase,
    keyId,
    algorithm,
    assertionLifetimeSeconds,
    scope: scopeOption(o.scope),
    audience: text("audience", o.audience),
    resource: resourceOption(o.resource),
    // Always called through a local variable (no `this`): browsers refuse a `fetch` invoked on another object.
    fetch: fetchFn,
    clock: (o.clock as (() => number) | undefined) ?? Date.now,
    refreshSkewMs:
      num("refreshSkewSeconds", o.refreshSkewSeconds, { fallback: 60, min: 0, max: 86_400 }) * 1000,
    defaultExpiresInSeconds: num("defaultExpiresInSeconds", o.defaultExpiresInSeconds, {
      fallback: 60,
      min: 1,
      max: 86_400,
    }),
    backgroundRefresh: bool("backgroundRefresh", o.backgroundRefresh, true),
    timeoutMs: num("timeoutMs", o.timeoutMs, { fallback: 10_000, min: 1, max: 600_000 }),
    deadlineMs: num("deadlineMs", o.deadlineMs, { fallback: 30_000, min: 1, max: 3_600_000 }),
    maxAttempts: num("retry.maxAttempts", r.maxAttempts, { fallback: 4, min: 1, max: 100, integer: true }),
    baseDelayMs,
    maxDelayMs,
    maxResponseBytes: num("maxResponseBytes", o.maxResponseBytes, {
      fallback: 1024 * 1024,
      min: 1024,
      max: 64 * 1024 * 1024,
      integer: true,
    }),
    allowInsecureLoopback,
  };
}
