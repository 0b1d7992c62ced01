import { once } from "node:events";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";

import { FaultInjector } from "./faults.js";
import type { Fault } from "./faults.js";

/** What a fake's route handler sees. */
export interface FakeRequest {
  readonly method: string;
  /** The full request URL (absolute, on the fake's own origin). */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The request body, read whole (fakes serve small requests; limited to 16 MiB). */
  readonly body: Buffer;
  /** Values of `:name` segments in the route pattern, URI-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** What a fake's route handler answers. A `Readable` body is streamed (large downloads). */
export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | number | string[]>>;
  readonly body?: string | Buffer | Readable;
}

export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** One request as the fake recorded it, for assertions. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: FakeHandler;
}

const MAX_BODY = 16 * 1024 * 1024;

/**
 * A tiny HTTP server for fakes of upstream services: routes with `:param` segments, a request log,
 * per-route fault injection, and a `close()` that also ends hanging and keep-alive connections.
 * Listens on 127.0.0.1 only.
 */
export class FakeServer {
  readonly faults = new FaultInjector();
  readonly requests: RecordedRequest[] = [];
  readonly #routes: Route[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  #url: string | undefined;
  #fallback: FakeHandler = () => ({ status: 404, body: "not found" });

  constructor() {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
        }
        res.end(err instanceof Error ? err.message : "internal error");
      });
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
  }

  /** Registers a route; `pattern` is a path such as `/ORD/2-0-0/organisations/:code`; `*` matches the rest. */
  route(method: string, pattern: string, handler: FakeHandler): this {
    this.#routes.push({
      method: method.toUpperCase(),
      segments: pattern.split("/").filter(Boolean),
      handler,
    });
    return this;
  }

  /** The handler for requests no route matches (default: a plain 404). */
  fallback(handler: FakeHandler): this {
    this.#fallback = handler;
    return this;
  }

  /** The base URL (`http://127.0.0.1:PORT`), once started. */
  get url(): string {
    if (this.#url === undefined) {
      throw new Error("fake server not started");
    }
    return this.#url;
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port) and returns the base URL. */
  async start(port = 0): Promise<string> {
    this.#server.listen(port, "127.0.0.1");
    await once(this.#server, "listening");
    const address = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${address.port}`;
    return this.#url;
  }

  /** Stops the server and destroys every open connection (including hanging ones). */
  async close(): Promise<void> {
    for (const socket of this.#sockets) {
      socket.destroy();
    }
    if (this.#server.listening) {
      await new Promise<void>((resolve) =>
        this.#server.close(() => {
          resolve();
        }),
      );
    }
  }

  /** How many recorded requests match a method and a path prefix or pattern. */
  count(path: string | RegExp, method?: string): number {
    return this.requests.filter(
      (r) =>
        (method === undefined || r.method === method.toUpperCase()) &&
        (typeof path === "string" ? r.path.startsWith(path) : path.test(r.path)),
    ).length;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.#url ?? "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req);
    const path = url.pathname;
    this.requests.push({ method, path, url: url.toString(), headers: req.headers, body });

    const faults = this.faults.take(method, path);
    let final: Fault | undefined;
    for (const fault of faults) {
      if (fault.kind === "latency") {
        await delay(fault.ms);
      } else {
        final ??= fault;
      }
    }
    if (final?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (final?.kind === "hang") {
      return; // never answered; close() destroys the socket
    }
    if (final?.kind === "status") {
      const headers: Record<string, string | number> = {
        "content-type": final.contentType ?? "application/json",
      };
      if (final.retryAfterSeconds !== undefined) {
        headers["retry-after"] = final.retryAfterSeconds;
      }
      res.writeHead(final.status, headers);
      res.end(final.body ?? JSON.stringify({ error: `injected ${final.status}` }));
      return;
    }

    const { route, params } = this.#match(method, path);
    const handler = route?.handler ?? this.#fallback;
    const answer = await handler({ method, url, headers: req.headers, body, params });
    await send(res, answer, final);
  }

  #match(method: string, path: string): { route: Route | undefined; params: Record<string, string> } {
    const parts = path.split("/").filter(Boolean);
    for (const route of this.#routes) {
      if (route.method !== method && !(route.method === "GET" && method === "HEAD")) {
        continue;
      }
      const params = matchSegments(route.segments, parts);
      if (params) {
        return { route, params };
      }
    }
    return { route: undefined, params: {} };
  }
}

function matchSegments(
  pattern: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i] ?? "";
    if (seg === "*") {
      params["*"] = parts.slice(i).map(safeDecode).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) {
      return undefined;
    }
    if (seg.startsWith(":")) {
      params[seg.slice(1)] = safeDecode(part);
    } else if (seg !== part) {
      return undefined;
    }
  }
  return pattern.length === parts.length ? params : undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) {
      throw new Error("request body too large for a fake");
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, answer: FakeResponse, fault: Fault | undefined): Promise<void> {
  const headers: Record<string, string | number | string[]> = { ...answer.headers };
  const body = answer.body;
  if (body instanceof Readable) {
    res.writeHead(answer.status, headers);
    let sent = 0;
    const limit = fault?.kind === "truncate" ? (fault.bytes ?? 0) : Number.POSITIVE_INFINITY;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (sent + chunk.length > limit) {
        res.write(chunk.subarray(0, limit - sent));
        res.socket?.destroy();
        body.destroy();
        return;
      }
      sent += chunk.length;
      if (!res.write(chunk)) {
        await once(res, "drain");
      }
    }
    res.end();
    return;
  }
  const bytes = typeof body === "string" ? Buffer.from(body) : (body ?? Buffer.alloc(0));
  if (fault?.kind === "truncate") {
    headers["content-length"] = bytes.length;
    res.writeHead(answer.status, headers);
    res.write(bytes.subarray(0, fault.bytes ?? Math.floor(bytes.length / 2)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    res.socket?.destroy();
    return;
  }
  headers["content-length"] =
    fault?.kind === "wrong-length" ? bytes.length + (fault.delta ?? 100) : bytes.length;
  res.writeHead(answer.status, headers);
  if (fault?.kind === "wrong-length" && (fault.delta ?? 100) > 0) {
    // Claimed more than we send: write what we have, then drop the connection.
    res.write(bytes);
    await new Promise((resolve) => setTimeout(resolve, 5));
    res.socket?.destroy();
    return;
  }
  if (fault?.kind === "wrong-length") {
    // Claimed less than we have: Node refuses to write past Content-Length, so write raw bytes to the socket.
    res.flushHeaders();
    res.socket?.write(bytes);
    res.socket?.end();
    return;
  }
  res.end(res.req.method === "HEAD" ? undefined : bytes);
}
