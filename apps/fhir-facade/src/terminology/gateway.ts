import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";

import { FIXED_ODS_CODE_SYSTEMS, ODS_ORGANIZATION_CODE } from "../fhir/ods-code-systems.js";
import { fromXml, toXml } from "../http/serialise.js";
import { classifyTerminologyRequest, isIdempotent } from "./allow-list.js";
import type { TerminologyRoute } from "./allow-list.js";
import { RequestBudget } from "./budget.js";
import type { UpstreamBudget } from "./budget.js";
import { MemoryCacheStore } from "./cache-store.js";
import type { CacheEntry, CacheStore } from "./cache-store.js";
import { sendTerminologyError, TerminologyGatewayError } from "./errors.js";
import { filterResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { odsLocalCodeSystems } from "./local-code-systems.js";
import type { LocalCodeSystems } from "./local-code-systems.js";
import { mergeCodeSystemSearch, mergeTerminologyCapabilities } from "./local-merge.js";
import { resolveTerminologyOptions } from "./options.js";
import type { ResolvedTerminologyOptions, TerminologyGatewayOptions } from "./options.js";
import { bodyKind, cacheKey, readParams, systemsOf } from "./params.js";
import type { BodyKind, ParamPairs } from "./params.js";
import { rewriteJsonBody, rewriteUrl, rewriteXmlBody } from "./rewrite.js";
import type { BaseRewriter } from "./rewrite.js";
import { SingleFlight } from "./single-flight.js";
import { callUpstream, readUpTo } from "./upstream.js";
import type { UpstreamResponse } from "./upstream.js";

/** Counters for tests, health and metrics. */
export interface TerminologyGatewayStats {
  /** Upstream HTTP requests made (attempts, revalidations and retries included). */
  readonly upstreamRequests: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly revalidations: number;
  readonly staleServed: number;
}

/** Express-compatible middleware shape (no Express types needed). */
export type TerminologyMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** The terminology gateway (issue 8). */
export interface TerminologyGateway {
  /**
   * Handles a request if it is a terminology request under the FHIR base; resolves `false` when it is not the
   * gateway's (other routes, ODS code systems answered locally), leaving `req` and `res` untouched — except that a
   * consumed POST body is attached as `req.body` (a Buffer).
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The same as Express middleware: calls `next()` for requests that are not the gateway's. */
  readonly middleware: TerminologyMiddleware;
  readonly stats: TerminologyGatewayStats;
  /** Stops timers; closes the cache store if it has `close`. */
  close(): Promise<void>;
}

interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly route: TerminologyRoute;
  readonly query: string;
  readonly body: Buffer | undefined;
  readonly kind: BodyKind | undefined;
  readonly params: ParamPairs | undefined;
  readonly rewriter: BaseRewriter;
}

type FlightResult =
  | { readonly kind: "entry"; readonly entry: CacheEntry; readonly status: "MISS" | "REVALIDATED" | "STALE" }
  | { readonly kind: "oversize" };

const HOST = /^[A-Za-z0-9.\-:[\]]{1,255}$/;
const FORM = "application/x-www-form-urlencoded";

/**
 * Creates the terminology gateway: an allow-listed, caching, budgeted pass-through to the NHS England
 * Terminology Server (see the README's "Terminology gateway" section and issue 8).
 *
 * @example
 * ```ts
 * const tokens = createTokenClient({ tokenUrl, clientId, clientSecret });
 * const gateway = createTerminologyGateway({
 *   upstreamBaseUrl: "https://ontology.nhs.uk/production1/fhir",
 *   fetch: (url, init) => tokens.fetch(url, init),
 * });
 * app.use(gateway.middleware);
 * ```
 */
export function createTerminologyGateway(options: TerminologyGatewayOptions): TerminologyGateway {
  const o: ResolvedTerminologyOptions = resolveTerminologyOptions(options);
  const local: LocalCodeSystems =
    options.local ?? odsLocalCodeSystems([ODS_ORGANIZATION_CODE, ...FIXED_ODS_CODE_SYSTEMS]);
  const emit = options.onEvent ?? (() => undefined);
  const budget: UpstreamBudget =
    "acquire" in o.budget ? o.budget : new RequestBudget({ ...o.budget, now: o.now });
  const store: CacheStore | undefined =
    o.cache === undefined
      ? undefined
      : (o.cache.store ?? new MemoryCacheStore({ maxBytes: o.cache.maxBytes, now: o.now }));
  const flights = new SingleFlight<FlightResult>();
  const stats = { upstreamRequests: 0, cacheHits: 0, cacheMisses: 0, revalidations: 0, staleServed: 0 };
  const prefix = `${o.basePath}/`;

  const countingFetch: typeof o.fetch =
    options.onEvent === undefined
      ? (url, init) => {
          stats.upstreamRequests += 1;
          return o.fetch(url, init);
        }
      : async (url, init) => {
          stats.upstreamRequests += 1;
          const started = performance.now();
          const response = await o.fetch(url, init);
          emit({
            type: "upstream",
            method: init.method,
            path: new URL(url).pathname,
            status: response.status,
            durationMs: performance.now() - started,
          });
          return response;
        };

  const upstream = (call: {
    method: string;
    path: string;
    query: string;
    headers: Record<string, string>;
    body: Buffer | undefined;
    idempotent: boolean;
  }) =>
    callUpstream(
      {
        url: `${o.upstreamBaseUrl}${call.path}${call.query === "" ? "" : `?${call.query}`}`,
        method: call.method,
        headers: call.headers,
        body: call.body,
        idempotent: call.idempotent,
      },
      {
        fetch: countingFetch,
        budget,
        timeoutMs: o.timeoutMs,
        retry: o.retry,
        onRetry: (info) => {
          emit({ type: "retry", ...info });
        },
      },
    );

  function facadeBase(req: IncomingMessage): string {
    if (o.publicBaseUrl !== undefined) {
      return o.publicBaseUrl;
    }
    const host = req.headers.host;
    const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
    return `${encrypted ? "https" : "http"}://${host !== undefined && HOST.test(host) ? host : "localhost"}${o.basePath}`;
  }

  function isLocal(route: TerminologyRoute, params: ParamPairs | undefined, query: string): boolean {
    if (route.kind === "metadata" || route.type !== "CodeSystem") {
      return false;
    }
    if ((route.kind === "read" || route.kind === "vread") && local.isLocalId(route.id)) {
      return true;
    }
    if (route.kind === "operation" && route.id !== undefined && local.isLocalId(route.id)) {
      return true;
    }
    if (route.kind === "search") {
      const url = new URLSearchParams(query).get("url");
      return url !== null && local.isLocalSystem(url);
    }
    return (
      route.kind === "operation" &&
      params !== undefined &&
      systemsOf(params).some((s) => local.isLocalSystem(s))
    );
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > o.maxRequestBodyBytes) {
      throw new TerminologyGatewayError(
        "payload-too-large",
        `The request body is over ${o.maxRequestBodyBytes} bytes`,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > o.maxRequestBodyBytes) {
        throw new TerminologyGatewayError(
          "payload-too-large",
          `The request body is over ${o.maxRequestBodyBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    // Mounted under a path by Express (`app.use("/fhir", ...)`), `req.url` is relative to the mount point.
    const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
    const method = (req.method ?? "GET").toUpperCase();
    if (!target.startsWith("/")) {
      // Absolute-form request target (RFC 9112 §3.2.2): never let it choose a host or path.
      let path: string;
      try {
        path = new URL(target).pathname;
      } catch {
        return false;
      }
      if (path === o.basePath || path.startsWith(prefix)) {
        sendTerminologyError(
          res,
          new TerminologyGatewayError("bad-request", "Absolute-form request targets are not accepted"),
        );
        return true;
      }
      return false;
    }
    if (!target.startsWith(prefix)) {
      return false;
    }
    const q = target.indexOf("?");
    const path = q < 0 ? target.slice(o.basePath.length) : target.slice(o.basePath.length, q);
    const query = q < 0 ? "" : target.slice(q + 1);
    let route: TerminologyRoute | undefined;
    try {
      route = classifyTerminologyRequest(method, path, query);
    } catch (err) {
      return fail(res, err, path);
    }
    if (route === undefined) {
      return false;
    }
    let body: Buffer | undefined;
    let kind: BodyKind | undefined;
    try {
      if (method === "POST") {
        kind = bodyKind(req.headers["content-type"]);
        if (kind === undefined || (route.kind === "search" && kind !== "form")) {
          throw new TerminologyGatewayError(
            "unsupported-media-type",
            route.kind === "search"
              ? `POST ${route.upstreamPath} needs a ${FORM} body`
              : "POST a Parameters resource (application/fhir+json or application/fhir+xml) or a form body",
          );
        }
        body = await readBody(req);
      }
    } catch (err) {
      return fail(res, err, path);
    }
    const params = readParams(
      query,
      body === undefined || kind === undefined ? undefined : { kind, bytes: body },
    );
    if (isLocal(route, params, query)) {
      if (body !== undefined) {
        (req as IncomingMessage & { body?: Buffer }).body = body;
      }
      return false;
    }
    const ctx: RequestContext = {
      req,
      res,
      method,
      route,
      query,
      body,
      kind,
      params,
      rewriter: { from: o.upstreamBaseUrl, to: facadeBase(req) },
    };
    try {
      const cacheable = store !== undefined && (method !== "POST" || route.kind === "operation");
      if (cacheable) {
        await serveCached(ctx, store);
      } else {
        emit({ type: "cache", status: "BYPASS", path: route.upstreamPath });
        await passThrough(ctx, true);
      }
    } catch (err) {
      return fail(res, err, path);
    }
    return true;
  }

  function fail(res: ServerResponse, err: unknown, path: string): true {
    const error =
      err instanceof TerminologyGatewayError
        ? err
        : new TerminologyGatewayError("upstream-unreachable", "The terminology request failed", {
            cause: err,
          });
    emit({ type: "error", code: error.code, path });
    sendTerminologyError(res, error);
    return true;
  }

  function forwardHeaders(ctx: RequestContext, conditional: boolean): Record<string, string> {
    const headers = upstreamRequestHeaders(ctx.req.headers);
    const inm = ctx.req.headers["if-none-match"];
    if (conditional && typeof inm === "string") {
      headers["if-none-match"] = inm;
    }
    return headers;
  }

  function ttlFor(status: number): number | undefined {
    const cache = o.cache;
    if (cache === undefined) {
      return undefined;
    }
    if (status >= 200 && status < 300) {
      return cache.ttlMs;
    }
    if (status === 404 || status === 410 || status === 400 || status === 422) {
      return cache.notFoundTtlMs;
    }
    return undefined; // never 401/403/429/5xx (or redirects)
  }

  async function serveCached(ctx: RequestContext, cache: CacheStore): Promise<void> {
    const key = cacheKey({
      upstreamPath: ctx.route.upstreamPath,
      params: ctx.params,
      rawBody: ctx.body,
      accept: ctx.req.headers.accept,
      acceptLanguage: ctx.req.headers["accept-language"],
    });
    const now = o.now();
    const held = await cache.get(key);
    if (held !== undefined && held.freshUntil > now) {
      stats.cacheHits += 1;
      emit({ type: "cache", status: "HIT", path: ctx.route.upstreamPath });
      await sendEntry(ctx, held, "HIT");
      return;
    }
    let leaderStream:
      { response: UpstreamResponse; chunks: Buffer[]; rest: AsyncIterator<Uint8Array> } | undefined;
    const flight = flights.run(key, async () => {
      const result = await fetchForCache(ctx, key, cache, held);
      if (result.kind === "oversize-stream") {
        leaderStream = result.stream;
        return { kind: "oversize" };
      }
      return result;
    });
    const result = await flight.promise;
    if (result.kind === "oversize") {
      if (flight.leader && leaderStream !== undefined) {
        await streamResponse(ctx, leaderStream.response, leaderStream.chunks, leaderStream.rest);
        return;
      }
      await passThrough(ctx, false);
      return;
    }
    if (result.status === "MISS") {
      stats.cacheMisses += 1;
    } else if (result.status === "REVALIDATED") {
      stats.revalidations += 1;
    } else {
      stats.staleServed += 1;
    }
    emit({ type: "cache", status: result.status, path: ctx.route.upstreamPath });
    await sendEntry(ctx, result.entry, result.status);
  }

  async function fetchForCache(
    ctx: RequestContext,
    key: string,
    cache: CacheStore,
    held: CacheEntry | undefined,
  ): Promise<
    | FlightResult
    | {
        kind: "oversize-stream";
        stream: { response: UpstreamResponse; chunks: Buffer[]; rest: AsyncIterator<Uint8Array> };
      }
  > {
    const settings = o.cache;
    if (settings === undefined) {
      throw new Error("unreachable: cache disabled");
    }
    const staleUsable = (): boolean => held !== undefined && held.staleUntil > o.now();
    const headers = forwardHeaders(ctx, false);
    if (held?.etag !== undefined) {
      headers["if-none-match"] = held.etag;
    }
    let response: UpstreamResponse;
    let signal: AbortSignal;
    try {
      ({ response, signal } = await upstream({
        method: ctx.method === "HEAD" ? "GET" : ctx.method,
        path: ctx.route.upstreamPath,
        query: ctx.query,
        headers,
        body: ctx.body,
        idempotent: isIdempotent(ctx.method, ctx.route),
      }));
    } catch (err) {
      if (held !== undefined && staleUsable() && err instanceof TerminologyGatewayError) {
        return { kind: "entry", entry: held, status: "STALE" };
      }
      throw err;
    }
    const now = o.now();
    if (response.status === 304 && held !== undefined) {
      await readUpTo(response, 0, signal).catch(() => undefined);
      const ttl = ttlFor(held.status) ?? settings.ttlMs;
      const refreshed: CacheEntry = {
        ...held,
        storedAt: now,
        freshUntil: now + ttl,
        staleUntil: now + ttl + settings.staleIfErrorMs,
      };
      await cache.set(key, refreshed);
      return { kind: "entry", entry: refreshed, status: "REVALIDATED" };
    }
    if (response.status >= 500 && held !== undefined && staleUsable()) {
      await readUpTo(response, 0, signal).catch(() => undefined);
      return { kind: "entry", entry: held, status: "STALE" };
    }
    let read;
    try {
      read = await readUpTo(response, settings.maxEntryBytes, signal);
    } catch (err) {
      if (held !== undefined && staleUsable()) {
        return { kind: "entry", entry: held, status: "STALE" };
      }
      throw err;
    }
    if (!read.complete) {
      return { kind: "oversize-stream", stream: { response, chunks: read.chunks, rest: read.rest } };
    }
    const ttl = ttlFor(response.status);
    const entry: CacheEntry = {
      status: response.status,
      headers: filterResponseHeaders(response.headers),
      body: Buffer.concat(read.chunks),
      etag: response.headers.get("etag") ?? undefined,
      storedAt: now,
      freshUntil: now + (ttl ?? 0),
      staleUntil: now + (ttl ?? 0) + (ttl === undefined ? 0 : settings.staleIfErrorMs),
    };
    if (ttl !== undefined) {
      await cache.set(key, entry);
    }
    return { kind: "entry", entry, status: "MISS" };
  }

  /** Whether the body of this route's answers may hold the upstream base (Bundles, capability statements). */
  function rewritesBody(route: TerminologyRoute): boolean {
    return route.kind === "search" || route.kind === "metadata";
  }

  function transformBody(ctx: RequestContext, body: Buffer, contentType: string | undefined): Buffer {
    if (!rewritesBody(ctx.route)) {
      return body;
    }
    const xml = (contentType ?? "").includes("xml");
    let text = body.toString("utf8");
    const merge =
      ctx.route.kind === "metadata"
        ? (json: string): string => mergeTerminologyCapabilities(json, local.codeSystems())
        : ctx.route.kind === "search" && ctx.route.type === "CodeSystem"
          ? (json: string): string =>
              mergeCodeSystemSearch(
                json,
                local.codeSystems(),
                new URLSearchParams(
                  ctx.params === undefined ? ctx.query : ctx.params.map(([k, v]): [string, string] => [k, v]),
                ),
                ctx.rewriter.to,
              )
          : undefined;
    if (merge !== undefined) {
      text = xml ? mergeXml(text, merge) : merge(text);
    }
    const rewritten = xml ? rewriteXmlBody(text, ctx.rewriter) : rewriteJsonBody(text, ctx.rewriter);
    return rewritten === body.toString("utf8") ? body : Buffer.from(rewritten, "utf8");
  }

  function responseHeaders(
    ctx: RequestContext,
    headers: readonly (readonly [string, string])[],
    cacheStatus: string,
  ): Record<string, string | number | string[]> {
    const out: Record<string, string | number | string[]> = {};
    for (const [name, value] of headers) {
      const v = name === "location" || name === "content-location" ? rewriteUrl(value, ctx.rewriter) : value;
      const existing = out[name];
      out[name] =
        existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [String(existing), v];
    }
    out["x-cache"] = cacheStatus;
    return out;
  }

  async function sendEntry(ctx: RequestContext, entry: CacheEntry, cacheStatus: string): Promise<void> {
    const { res, req } = ctx;
    const inm = req.headers["if-none-match"];
    if (
      entry.status === 200 &&
      entry.etag !== undefined &&
      typeof inm === "string" &&
      (inm.trim() === "*" || inm.split(",").some((t) => t.trim() === entry.etag))
    ) {
      const headers = responseHeaders(
        ctx,
        entry.headers.filter(([n]) => n !== "content-type"),
        cacheStatus,
      );
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const contentType = entry.headers.find(([n]) => n === "content-type")?.[1];
    const body = transformBody(ctx, entry.body, contentType);
    const headers = responseHeaders(ctx, entry.headers, cacheStatus);
    headers["content-length"] = body.length;
    res.writeHead(entry.status, headers);
    res.end(ctx.method === "HEAD" ? undefined : body);
    await Promise.resolve();
  }

  async function passThrough(ctx: RequestContext, conditional: boolean): Promise<void> {
    const { response, signal } = await upstream({
      method: ctx.method,
      path: ctx.route.upstreamPath,
      query: ctx.query,
      headers: forwardHeaders(ctx, conditional),
      body: ctx.body,
      idempotent: isIdempotent(ctx.method, ctx.route),
    });
    if (rewritesBody(ctx.route)) {
      const read = await readUpTo(response, 64 * 1024 * 1024, signal);
      if (read.complete) {
        const headers = filterResponseHeaders(response.headers);
        const contentType = response.headers.get("content-type") ?? undefined;
        const body = transformBody(ctx, Buffer.concat(read.chunks), contentType);
        const out = responseHeaders(ctx, headers, "BYPASS");
        out["content-length"] = body.length;
        ctx.res.writeHead(response.status, out);
        ctx.res.end(ctx.method === "HEAD" ? undefined : body);
        return;
      }
      await streamResponse(ctx, response, read.chunks, read.rest);
      return;
    }
    await streamResponse(ctx, response, [], undefined);
  }

  /** Streams an upstream body to the caller (what was already read first), with backpressure. */
  async function streamResponse(
    ctx: RequestContext,
    response: UpstreamResponse,
    first: readonly Buffer[],
    rest: AsyncIterator<Uint8Array> | undefined,
  ): Promise<void> {
    const { res } = ctx;
    res.writeHead(response.status, responseHeaders(ctx, filterResponseHeaders(response.headers), "BYPASS"));
    if (ctx.method === "HEAD" || response.body === null || response.body === undefined) {
      res.end();
      return;
    }
    const iterator = rest ?? (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    try {
      for (const chunk of first) {
        if (!res.write(chunk)) {
          await once(res, "drain");
        }
      }
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) {
          break;
        }
        if (res.destroyed) {
          await iterator.return?.();
          return;
        }
        if (!res.write(next.value)) {
          await once(res, "drain");
        }
      }
      res.end();
    } catch {
      // The upstream broke off mid-body (reset, truncation, timeout): the status line is gone, so the only
      // honest signal left is to cut the connection; the caller sees an incomplete response, never a wrong one.
      res.destroy();
    }
  }

  const middleware: TerminologyMiddleware = (req, res, next) => {
    handle(req, res).then(
      (handled) => {
        if (!handled) {
          next();
        }
      },
      (err: unknown) => {
        next(err);
      },
    );
  };

  return {
    handle,
    middleware,
    get stats() {
      return { ...stats };
    },
    async close() {
      budget.close();
      await store?.close?.();
    },
  };
}

/**
 * Merges the local ODS code systems into an XML answer: through FHIR.js to JSON, the same merge as for JSON, back
 * to XML. An answer FHIR.js cannot read is passed through unmerged rather than refused.
 */
function mergeXml(text: string, merge: (json: string) => string): string {
  let json: string;
  try {
    json = JSON.stringify(fromXml(text));
  } catch {
    return text;
  }
  const merged = merge(json);
  return merged === json ? text : toXml(JSON.parse(merged));
}
