/**
 * The token client: a cache of one token per (token URL, client id, scope), refreshed ahead of expiry in the
 * background, with one request in flight at a time (single flight), and an authenticated `fetch`.
 *
 * @module
 */
import { discoverTokenEndpoint } from "./discovery.js";
import { TokenError } from "./errors.js";
import { Emitter } from "./events.js";
import type { RefreshReason, TokenClientEvents, TokenClientListener } from "./events.js";
import type { FetchLike } from "./fetch-like.js";
import { normaliseScope, resolveOptions } from "./options.js";
import type { ClientAuthMethod, ResolvedOptions, TokenClientOptions } from "./options.js";
import { isReplayable, requestHeaders } from "./request-init.js";
import { describeUrl, requestToken } from "./token-request.js";
import { discardBody } from "./read-body.js";

/** Per-call options of {@link TokenClient.getToken}. */
export interface GetTokenOptions {
  /** A scope other than the client's default (each scope has its own cached token). */
  readonly scope?: string | readonly string[];
  /** Stops waiting (the shared token request itself carries on for other callers). */
  readonly signal?: AbortSignal;
}

interface RequestInitLike {
  readonly headers?: unknown;
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
  /** From here a refresh starts (in the background when allowed). */
  readonly refreshAt: number;
  /** Up to here the token may be handed out while a refresh runs. */
  readonly usableUntil: number;
}

interface Entry {
  readonly scope: string | undefined;
  token: CachedToken | undefined;
  inflight: Promise<CachedToken> | undefined;
  invalidated: boolean;
  /** After a failed background refresh, the next background attempt waits until then. */
  backgroundPausedUntil: number;
}

/** No token is handed out in its last few seconds: at most 5 s, and at most half the refresh skew. */
const MAX_EXPIRY_MARGIN_MS = 5000;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A copy of the caller's init with our headers. Built by assignment, not object spread: undici's RequestInit
 * handling was measurably slower (about 5 µs per request) on spread-created objects.
 */
function withHeaders(
  request: RequestInitLike | undefined,
  headers: Record<string, string>,
): Record<string, unknown> {
  if (request === undefined) {
    return { headers };
  }
  const init: Record<string, unknown> = {};
  for (const key in request) {
    if (Object.hasOwn(request, key)) {
      init[key] = (request as Record<string, unknown>)[key];
    }
  }
  init.headers = headers;
  return init;
}

function ignore(): void {
  // a background refresh's failure is reported through the `error` event
}

function newEntry(scope: string | undefined): Entry {
  return { scope, token: undefined, inflight: undefined, invalidated: false, backgroundPausedUntil: 0 };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) {
    return promise;
  }
  if (signal.aborted) {
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => {
      signal.removeEventListener("abort", onAbort);
    });
  });
}

/**
 * An OAuth 2.0 client credentials token client. Create it with {@link createTokenClient}.
 *
 * Holds its secrets in private fields: `String(client)`, `JSON.stringify(client)` and `util.inspect(client)` show
 * only the method, token URL and scope.
 */
export class TokenClient<F extends FetchLike = typeof globalThis.fetch> {
  readonly #options: ResolvedOptions;
  readonly #emitter = new Emitter();
  readonly #default: Entry;
  readonly #scoped = new Map<string, Entry>();
  #tokenUrl: string | undefined;
  #discovery: Promise<string> | undefined;
  #generation = 0;

  /** @internal Use {@link createTokenClient}. */
  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#tokenUrl = options.tokenUrl;
    this.#default = newEntry(options.scope);
  }

  /** The client authentication method in use. */
  get authMethod(): ClientAuthMethod {
    return this.#options.authMethod;
  }

  /** The token endpoint (undefined until discovery, when configured with `issuer`). */
  get tokenUrl(): string | undefined {
    return this.#tokenUrl;
  }

  /**
   * Returns a valid access token: the cached one while it is fresh (no I/O), otherwise from the one in-flight
   * token request that every concurrent caller shares. Inside the refresh skew the cached token is returned at once
   * and a background request fetches the next one.
   *
   * @throws {TokenError} when no token can be obtained (see its `code`).
   * @example
   * ```ts
   * const token = await client.getToken();
   * const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
   * ```
   */
  getToken(options?: GetTokenOptions): Promise<string> {
    const entry = options?.scope === undefined ? this.#default : this.#entryFor(options.scope);
    const ready = this.#ready(entry);
    if (ready !== undefined) {
      return Promise.resolve(ready);
    }
    const token = entry.token;
    const reason: RefreshReason = entry.invalidated
      ? "invalidated"
      : token === undefined
        ? "cold"
        : this.#options.clock() < token.expiresAt
          ? "early"
          : "expired";
    return abortable(
      this.#refresh(entry, reason, false).then((cached) => cached.value),
      options?.signal,
    );
  }

  /**
   * The cached token if it may be handed out now without waiting (starting a background refresh inside the skew),
   * else undefined. Synchronous: the hot path of `getToken()` and `fetch()`.
   */
  #ready(entry: Entry): string | undefined {
    const token = entry.token;
    if (token === undefined) {
      return undefined;
    }
    const now = this.#options.clock();
    if (now < token.refreshAt) {
      return token.value;
    }
    if (now < token.usableUntil && this.#options.backgroundRefresh) {
      if (entry.inflight === undefined && now >= entry.backgroundPausedUntil) {
        this.#refresh(entry, "early", true).catch(ignore);
      }
      return token.value;
    }
    return undefined;
  }

  /**
   * Drops cached tokens so the next call fetches a new one. With a token: drops it only where it is still the
   * cached one (a newer token stays). Without: drops every token and detaches in-flight requests, whose results
   * then serve their current waiters but are not cached (for example after rotating credentials).
   */
  invalidate(token?: string): void {
    if (token === undefined) {
      this.#generation += 1;
      for (const entry of [this.#default, ...this.#scoped.values()]) {
        entry.token = undefined;
        entry.inflight = undefined;
        entry.invalidated = true;
      }
      return;
    }
    for (const entry of [this.#default, ...this.#scoped.values()]) {
      if (entry.token?.value === token) {
        entry.token = undefined;
        entry.invalidated = true;
      }
    }
  }

  /**
   * `fetch` with `Authorization: Bearer <token>` added, through the injected fetch (same arguments, same response
   * type). On a 401 the token is invalidated; when the request body can be sent again (none, string,
   * `URLSearchParams`, `ArrayBuffer`/typed array, `Blob`, `FormData`), the request is retried once with a new
   * token, otherwise the 401 is returned.
   *
   * @throws {TokenError} when no token can be obtained; whatever the injected fetch throws.
   * @example
   * ```ts
   * const res = await client.fetch("https://ontology.nhs.uk/production1/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&code=56265001");
   * ```
   */
  fetch(input: Parameters<F>[0], init?: Parameters<F>[1]): Promise<Awaited<ReturnType<F>>> {
    // Hot path (a fresh cached token): synchronous up to the one call of the injected fetch, no async frame, no
    // named closures (each costs an allocation, and more under tsx's keepNames).
    const request = init as RequestInitLike | undefined;
    const token = this.#ready(this.#default);
    if (token === undefined) {
      return this.#fetchWithNewToken(input, request);
    }
    return this.#send(input, request, token).then((res) =>
      (res as { status: number }).status === 401 ? this.#retryAfter401(input, request, token, res) : res,
    );
  }

  async #fetchWithNewToken(
    input: Parameters<F>[0],
    request: RequestInitLike | undefined,
  ): Promise<Awaited<ReturnType<F>>> {
    const signal = request?.signal ?? undefined;
    const token = await this.getToken(signal === undefined ? undefined : { signal });
    const res = await this.#send(input, request, token);
    return (res as { status: number }).status === 401 ? this.#retryAfter401(input, request, token, res) : res;
  }

  async #retryAfter401(
    input: Parameters<F>[0],
    request: RequestInitLike | undefined,
    token: string,
    res: Awaited<ReturnType<F>>,
  ): Promise<Awaited<ReturnType<F>>> {
    this.invalidate(token);
    if (!isReplayable(input, request)) {
      return res;
    }
    await discardBody(res);
    const signal = request?.signal ?? undefined;
    const fresh = await this.getToken(signal === undefined ? undefined : { signal });
    return this.#send(input, request, fresh);
  }

  #send(
    input: Parameters<F>[0],
    request: RequestInitLike | undefined,
    bearer: string,
  ): Promise<Awaited<ReturnType<F>>> {
    const headers = requestHeaders(input, request);
    headers.authorization = `Bearer ${bearer}`;
    const fetchFn = this.#options.fetch as unknown as (
      i: unknown,
      r: unknown,
    ) => Promise<Awaited<ReturnType<F>>>;
    return fetchFn(input, withHeaders(request, headers));
  }

  /**
   * Subscribes to an event; returns the unsubscribe function. Events: `token` (a new token was obtained),
   * `refresh` (a token request started), `error` (a token request failed). None carries a secret.
   *
   * @example
   * ```ts
   * client.on("error", ({ error, background }) => logger.warn({ code: error.code, background }, error.message));
   * ```
   */
  on<K extends keyof TokenClientEvents>(type: K, listener: TokenClientListener<K>): () => void {
    return this.#emitter.on(type, listener);
  }

  /** A secret-free description. */
  toString(): string {
    return `TokenClient(${this.#options.authMethod}, ${this.#describeEndpoint()})`;
  }

  /** A secret-free description (what `JSON.stringify` shows). */
  toJSON(): Record<string, unknown> {
    return {
      type: "TokenClient",
      authMethod: this.#options.authMethod,
      tokenUrl: this.#tokenUrl === undefined ? undefined : describeUrl(this.#tokenUrl),
      issuer: this.#options.issuer,
      scope: this.#options.scope,
    };
  }

  /** What `util.inspect` shows (Node). */
  [INSPECT](): string {
    return this.toString();
  }

  #describeEndpoint(): string {
    if (this.#tokenUrl !== undefined) {
      return describeUrl(this.#tokenUrl);
    }
    return `issuer ${this.#options.issuer ?? "?"}`;
  }

  #entryFor(scope: string | readonly string[]): Entry {
    const normalised = normaliseScope(scope, "scope");
    if (normalised === this.#default.scope) {
      return this.#default;
    }
    const key = normalised ?? "";
    let entry = this.#scoped.get(key);
    if (entry === undefined) {
      entry = newEntry(normalised);
      this.#scoped.set(key, entry);
    }
    return entry;
  }

  #resolveTokenUrl(): Promise<string> {
    if (this.#tokenUrl !== undefined) {
      return Promise.resolve(this.#tokenUrl);
    }
    this.#discovery ??= discoverTokenEndpoint(this.#options, this.#options.issuer ?? "").then(
      (url) => {
        this.#tokenUrl = url;
        return url;
      },
      (err: unknown) => {
        this.#discovery = undefined;
        throw err;
      },
    );
    return this.#discovery;
  }

  #refresh(entry: Entry, reason: RefreshReason, background: boolean): Promise<CachedToken> {
    if (entry.inflight !== undefined) {
      return entry.inflight;
    }
    const options = this.#options;
    const generation = this.#generation;
    this.#emitter.emit("refresh", { reason, background, scope: entry.scope });
    const run = async (): Promise<CachedToken> => {
      const tokenUrl = await this.#resolveTokenUrl();
      const sentAt = options.clock();
      const response = await requestToken(options, tokenUrl, entry.scope);
      // Lifetimes count from when the request was sent: conservative by the request's duration.
      const lifetime = response.expiresInSeconds * 1000;
      const skew = Math.min(options.refreshSkewMs, lifetime / 2);
      const margin = Math.min(MAX_EXPIRY_MARGIN_MS, skew / 2);
      const cached: CachedToken = {
        value: response.accessToken,
        expiresAt: sentAt + lifetime,
        refreshAt: sentAt + lifetime - skew,
        usableUntil: sentAt + lifetime - margin,
      };
      const stillCurrent = generation === this.#generation;
      if (stillCurrent) {
        entry.token = cached;
        entry.invalidated = false;
      }
      this.#emitter.emit("token", {
        tokenUrl: describeUrl(tokenUrl),
        scope: entry.scope,
        expiresInSeconds: response.expiresInSeconds,
        expiresInProvided: response.expiresInProvided,
        expiresAt: cached.expiresAt,
        refreshAt: cached.refreshAt,
        background,
        cached: stillCurrent,
      });
      return cached;
    };
    const promise = run();
    entry.inflight = promise;
    promise.then(
      () => {
        if (entry.inflight === promise) {
          entry.inflight = undefined;
        }
      },
      (err: unknown) => {
        if (entry.inflight === promise) {
          entry.inflight = undefined;
        }
        if (background) {
          entry.backgroundPausedUntil = options.clock() + options.maxDelayMs;
        }
        const error =
          err instanceof TokenError
            ? err
            : new TokenError("token request failed unexpectedly", { code: "malformed_response", cause: err });
        this.#emitter.emit("error", { error, background, scope: entry.scope });
      },
    );
    return promise;
  }
}

/**
 * Creates a token client. Options are validated here: a {@link TokenClientOptionsError} names the first bad
 * option and never repeats its value.
 *
 * @example Keycloak (NHS England Terminology Server), client secret as form fields:
 * ```ts
 * const client = createTokenClient({
 *   tokenUrl: "https://ontology.nhs.uk/authorisation/auth/realms/nhs-digital-terminology/protocol/openid-connect/token",
 *   clientId: "my-system",
 *   clientSecret: secretFromConfig,
 * });
 * const res = await client.fetch("https://ontology.nhs.uk/production1/fhir/metadata");
 * ```
 * @example NHS API Platform, signed JWT (`private_key_jwt`, RS512):
 * ```ts
 * const client = createTokenClient({
 *   tokenUrl: "https://int.api.service.nhs.uk/oauth2/token",
 *   clientId: apiKey,
 *   privateKey: pemFromConfig,
 *   keyId: "int-1",
 * });
 * ```
 */
export function createTokenClient<F extends FetchLike = typeof globalThis.fetch>(
  options: TokenClientOptions<F>,
): TokenClient<F> {
  return new TokenClient<F>(resolveOptions(options));
}
