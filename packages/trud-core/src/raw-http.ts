import { connect as netConnect, isIP } from "node:net";
import type { OnReadOpts, Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { ConnectionOptions } from "node:tls";

import type { FetchLike, FetchResponseLike } from "./http.js";

/**
 * trud-core's own transport, used when the caller injects no `fetch`: one HTTP/1.1 `GET` per connection
 * (`Connection: close`) over `node:net` or `node:tls`, reading the socket into one fixed buffer (`onread`).
 *
 * Why not `node:http`: its parser copies every body chunk into a fresh buffer, and those buffers (plus the
 * socket's own read buffers) are freed only when V8 next collects, so a 1 GiB download keeps 30–60 MB of
 * dead buffers around. Here a body byte is copied once, from the read buffer into the downloader's own
 * reusable write buffers, and the process stays near node's own footprint.
 *
 * Scope, deliberately small: responses are `Content-Length`, `chunked`, or delimited by the connection's
 * close; no keep-alive, no pipelining, no proxies, no compression (none is asked for). TLS uses Node's
 * defaults (certificate and host name verified against the default CA store, which honours
 * `NODE_EXTRA_CA_CERTS`). Headers are limited to 64 KiB, chunk-size lines to 1 KiB.
 */

/** Bytes read from the socket per read. */
const READ_BUFFER_BYTES = 256 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_CHUNK_LINE_BYTES = 1024;
/** Body bytes queued for an async-iterating reader before the socket is paused. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** Receives body bytes synchronously; the view is only valid during the call. Return false to pause. */
export interface RawSink {
  data(view: Uint8Array): boolean;
  end(): void;
  error(error: Error): void;
}

/**
 * A response body read straight from the socket. Either iterate it (each chunk is a copy), or hand it a
 * {@link RawSink} with {@link RawBody.pipe} (views of the read buffer, no copy) and call {@link RawBody.resume}
 * after the sink returned false.
 */
export class RawBody implements AsyncIterable<Uint8Array> {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  pipe(sink: RawSink): void {
    this.#connection.setSink(sink);
  }

  resume(): void {
    this.#connection.resume();
  }

  /** Stops reading and closes the connection. */
  destroy(): void {
    this.#connection.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#connection.iterate();
  }
}

class RawResponse implements FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: RawBody;

  constructor(status: number, headers: ReadonlyMap<string, string>, body: RawBody) {
    this.status = status;
    this.body = body;
    this.headers = { get: (name) => headers.get(name.toLowerCase()) ?? null };
  }
}

/** The body of a response from {@link rawFetch}, else `undefined`. */
export function rawBody(response: FetchResponseLike): RawBody | undefined {
  return response instanceof RawResponse ? response.body : undefined;
}

/** Builds the transport; `ca` replaces the default CA store (for tests with a self-signed certificate). */
export function createRawFetch(options: { readonly ca?: string } = {}): FetchLike {
  return (url, init) => request(url, init, options.ca);
}

/** The default transport. */
export const rawFetch: FetchLike = createRawFetch();

function request(
  url: string,
  init: Parameters<FetchLike>[1],
  ca: string | undefined,
): Promise<FetchResponseLike> {
  const target = new URL(url);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
  }
  for (const [name, value] of Object.entries(init.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      return Promise.reject(new Error(`invalid request header ${JSON.stringify(name)}`));
    }
  }
  if (init.signal.aborted) {
    return Promise.reject(abortError(init.signal));
  }
  return new Connection(target, init, ca).response;
}

function abortError(signal: AbortSignal): Error {
  return new Error("the request was aborted", { cause: signal.reason });
}

type BodyMode = { kind: "length"; remaining: number } | { kind: "chunked" } | { kind: "close" };
type ChunkState = "size" | "data" | "data-crlf" | "trailers";

/** One request and its response, on one connection. */
class Connection {
  readonly response: Promise<FetchResponseLike>;
  readonly #socket: Socket;
  readonly #signal: AbortSignal;
  readonly #method: string;
  #resolve: (response: FetchResponseLike) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;
  #head: Buffer | undefined = Buffer.alloc(0);
  #mode: BodyMode | undefined;
  #chunk: { state: ChunkState; remaining: number; line: string } = { state: "size", remaining: 0, line: "" };
  #done = false;
  #failure: Error | undefined;
  // Bytes that arrived before a reader was attached, or for an iterating reader (copies).
  #queue: Buffer[] = [];
  #queued = 0;
  #sink: RawSink | undefined;
  #iterating = false;
  #wake: (() => void) | undefined;
  #paused = false;

  constructor(target: URL, init: Parameters<FetchLike>[1], ca: string | undefined) {
    this.#signal = init.signal;
    this.#method = init.method;
    this.response = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const secure = target.protocol === "https:";
    const host = target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname;
    const port = Number(target.port || (secure ? 443 : 80));
    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: this.#onRead };
    // `onread` is a net.Socket option that tls.connect passes on to its socket (Node's _tls_wrap.js); the
    // type definitions only declare it for net.
    const tlsOptions: ConnectionOptions & { readonly onread: OnReadOpts } = {
      host,
      port,
      onread,
      ALPNProtocols: ["http/1.1"],
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(ca === undefined ? {} : { ca }),
    };
    this.#socket = secure ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
    const lines = [
      `${init.method} ${target.pathname}${target.search} HTTP/1.1`,
      `host: ${target.host}`,
      "connection: close",
      ...Object.entries(init.headers).map(([name, value]) => `${name}: ${value}`),
    ];
    this.#socket.once(secure ? "secureConnect" : "connect", () => {
      this.#socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    this.#socket.on("error", (error) => {
      this.#fail(error);
    });
    this.#socket.on("end", () => {
      this.#onEnd();
    });
    this.#socket.on("close", () => {
      this.#onEnd();
    });
    this.#signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => {
    this.#fail(abortError(this.#signal));
  };

  #onEnd(): void {
    if (this.#mode?.kind === "close" && this.#failure === undefined) {
      this.#finish();
    } else if (!this.#done) {
      this.#fail(
        new Error(
          this.#mode === undefined
            ? "the connection closed before the response headers arrived"
            : "the connection closed before the body was complete",
        ),
      );
    }
  }

  /** Called by the socket with each read; returning false pauses reading. */
  readonly #onRead = (length: number, buffer: Buffer): boolean => {
    if (this.#done || this.#failure !== undefined) {
      return false;
    }
    try {
      let view = buffer.subarray(0, length);
      if (this.#mode === undefined) {
        view = this.#readHead(view);
      }
      if (this.#mode !== undefined && view.length > 0) {
        this.#readBody(view);
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (this.#paused) {
      this.#socket.pause(); // so that resume() restarts reading (returning false stops the handle only)
      return false;
    }
    return true;
  };

  /** Accumulates the status line and headers; returns whatever body bytes followed them. */
  #readHead(view: Buffer): Buffer {
    const head = Buffer.concat([this.#head ?? Buffer.alloc(0), view]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (head.length > MAX_HEADER_BYTES) {
        throw new Error("the response headers are too large");
      }
      this.#head = head;
      return Buffer.alloc(0);
    }
    if (end > MAX_HEADER_BYTES) {
      throw new Error("the response headers are too large");
    }
    const [statusLine = "", ...lines] = head.subarray(0, end).toString("latin1").split("\r\n");
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (match?.[1] === undefined) {
      throw new Error("the response does not start with an HTTP/1.x status line");
    }
    const status = Number(match[1]);
    const rest = head.subarray(end + 4);
    if (status >= 100 && status < 200) {
      this.#head = Buffer.alloc(0);
      return rest.length > 0 ? this.#readHead(rest) : rest; // 1xx: an interim answer, the real one follows
    }
    const headers = parseHeaders(lines);
    this.#head = undefined;
    this.#mode = bodyMode(status, headers, this.#method);
    const body = new RawBody(this);
    this.#paused = true; // until a reader is attached, bytes are queued and reading stops
    this.#resolve(new RawResponse(status, headers, body));
    if (this.#mode.kind === "length" && this.#mode.remaining === 0) {
      this.#finish();
    }
    return rest;
  }

  #readBody(view: Buffer): void {
    const mode = this.#mode;
    if (mode === undefined || this.#done) {
      return;
    }
    if (mode.kind === "close") {
      this.#deliver(view);
      return;
    }
    if (mode.kind === "length") {
      const take = Math.min(view.length, mode.remaining);
      mode.remaining -= take;
      this.#deliver(view.subarray(0, take));
      if (mode.remaining === 0) {
        this.#finish();
      }
      return;
    }
    this.#readChunked(view);
  }

  #readChunked(view: Buffer): void {
    const chunk = this.#chunk;
    let at = 0;
    while (at < view.length && !this.#done) {
      if (chunk.state === "data") {
        const take = Math.min(view.length - at, chunk.remaining);
        this.#deliver(view.subarray(at, at + take));
        at += take;
        chunk.remaining -= take;
        if (chunk.remaining === 0) {
          chunk.state = "data-crlf";
        }
        continue;
      }
      const newline = view.indexOf(10, at);
      const piece = view.subarray(at, newline < 0 ? view.length : newline + 1).toString("latin1");
      at += piece.length;
      chunk.line += piece;
      if (chunk.line.length > MAX_CHUNK_LINE_BYTES) {
        throw new Error("a chunk-size line of the response is too long");
      }
      if (newline < 0) {
        continue;
      }
      const line = chunk.line.replace(/\r?\n$/, "");
      chunk.line = "";
      if (chunk.state === "data-crlf") {
        if (line !== "") {
          throw new Error("a chunk of the response is longer than its announced size");
        }
        chunk.state = "size";
      } else if (chunk.state === "size") {
        const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line)?.[1];
        if (size === undefined) {
          throw new Error("a chunk-size line of the response is malformed");
        }
        chunk.remaining = Number.parseInt(size, 16);
        chunk.state = chunk.remaining === 0 ? "trailers" : "data";
      } else if (line === "") {
        this.#finish(); // the empty line after the last chunk (and any trailers)
      }
    }
  }

  /** Hands body bytes to the reader (or queues a copy); the view is reused after this returns. */
  #deliver(view: Buffer): void {
    if (view.length === 0) {
      return;
    }
    if (this.#sink !== undefined && this.#queue.length === 0) {
      if (!this.#sink.data(view)) {
        this.#paused = true;
      }
      return;
    }
    this.#queue.push(Buffer.from(view));
    this.#queued += view.length;
    if (this.#sink === undefined && (!this.#iterating || this.#queued >= MAX_QUEUED_BYTES)) {
      this.#paused = true;
    }
    this.#wakeReader();
  }

  #finish(): void {
    if (this.#done) {
      return;
    }
    this.#done = true;
    this.#signal.removeEventListener("abort", this.#onAbort);
    this.#socket.destroy();
    this.#flushToSink();
    this.#wakeReader();
  }

  #fail(error: Error): void {
    if (this.#done || this.#failure !== undefined) {
      return;
    }
    this.#failure = error;
    this.#signal.removeEventListener("abort", this.#onAbort);
    this.#socket.destroy();
    this.#reject(error);
    this.#flushToSink();
    this.#wakeReader();
  }

  /** Reading resumes (after a sink returned false, or a reader drained the queue). */
  resume(): void {
    if (!this.#paused || this.#done || this.#failure !== undefined) {
      return;
    }
    this.#paused = false;
    this.#socket.resume();
  }

  close(): void {
    if (!this.#done && this.#failure === undefined) {
      this.#done = true;
      this.#failure = new Error("the body was cancelled");
      this.#signal.removeEventListener("abort", this.#onAbort);
      this.#socket.destroy();
      this.#wakeReader();
    }
  }

  setSink(sink: RawSink): void {
    if (this.#sink !== undefined || this.#iterating) {
      throw new Error("the body is already being read");
    }
    this.#sink = sink;
    this.#flushToSink();
    if (!this.#done && this.#failure === undefined) {
      this.resume();
    }
  }

  /** Gives a sink the bytes queued before it was attached, then the end or the failure. */
  #flushToSink(): void {
    const sink = this.#sink;
    if (sink === undefined) {
      return;
    }
    while (this.#queue.length > 0) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        this.#queued -= next.length;
        sink.data(next);
      }
    }
    if (this.#failure !== undefined) {
      this.#sink = undefined;
      sink.error(this.#failure);
    } else if (this.#done) {
      this.#sink = undefined;
      sink.end();
    }
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  iterate(): AsyncIterator<Uint8Array> {
    if (this.#sink !== undefined || this.#iterating) {
      throw new Error("the body is already being read");
    }
    this.#iterating = true;
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      for (;;) {
        const chunk = this.#queue.shift();
        if (chunk !== undefined) {
          this.#queued -= chunk.length;
          if (this.#queued < MAX_QUEUED_BYTES) {
            this.resume();
          }
          return { value: chunk, done: false };
        }
        if (this.#failure !== undefined) {
          throw this.#failure;
        }
        if (this.#done) {
          return { value: undefined, done: true };
        }
        this.resume();
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    };
    return {
      next,
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

function parseHeaders(lines: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new Error("the response has a malformed header line");
    }
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return headers;
}

function bodyMode(status: number, headers: ReadonlyMap<string, string>, method: string): BodyMode {
  if (method === "HEAD" || status === 204 || status === 304) {
    return { kind: "length", remaining: 0 };
  }
  const coding = headers.get("transfer-encoding");
  if (coding !== undefined) {
    // Only plain chunked framing: a content coding before it (`gzip, chunked`) would hand compressed bytes to
    // the hash as if they were the file (nothing asks for one).
    if (!/^\s*chunked\s*$/i.test(coding)) {
      throw new Error(`unsupported transfer-encoding ${JSON.stringify(coding.slice(0, 40))}`);
    }
    return { kind: "chunked" };
  }
  const length = headers.get("content-length");
  if (length !== undefined) {
    const values = new Set(length.split(",").map((v) => v.trim()));
    const [only] = values;
    if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
      throw new Error("the response has an invalid Content-Length");
    }
    return { kind: "length", remaining: Number(only) };
  }
  return { kind: "close" };
}
