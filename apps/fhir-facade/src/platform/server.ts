import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, STATUS_CODES } from "node:http";
import type { RequestListener, Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";

/** Server-level limits (Node's HTTP parser enforces them before any middleware runs). */
export interface ServerLimits {
  readonly maxHeaderBytes: number;
  readonly maxHeaders: number;
  readonly requestTimeoutMs: number;
}

/** Why the server could not start; `code` is stable, the message says what to do. */
export class StartupError extends Error {
  override readonly name = "StartupError";
  readonly code:
    "port-in-use" | "permission-denied" | "address-unavailable" | "data-dir-not-writable" | "listen-failed";
  constructor(code: StartupError["code"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

function rawOutcome(status: number, issue: string, diagnostics: string): string {
  const body = JSON.stringify({
    resourceType: "OperationOutcome",
    issue: [{ severity: "error", code: issue, diagnostics }],
  });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
    "Content-Type: application/fhir+json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Creates the HTTP server with the header-size, header-count and request-time limits, and answers
 * requests Node's parser rejects (oversized head, malformed request line, slow client) with an
 * OperationOutcome instead of Node's bare status line.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits): Server {
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      // Whole-request receive deadline (slowloris); the platform's own deadline covers handling.
      requestTimeout: limits.requestTimeoutMs + 5000,
      headersTimeout: Math.min(limits.requestTimeoutMs, 20_000),
      keepAliveTimeout: 5000,
    },
    listener,
  );
  // One more than the limit, so the platform can see that there were too many and answer 431.
  server.maxHeadersCount = limits.maxHeaders + 1;
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || socket.destroyed) {
      socket.destroy();
      return;
    }
    const response =
      err.code === "HPE_HEADER_OVERFLOW"
        ? rawOutcome(431, "too-long", "request head too large")
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? rawOutcome(408, "timeout", "request not received in time")
          : rawOutcome(400, "structure", "malformed HTTP request");
    socket.end(response);
  });
  return server;
}

/** Listens and resolves with the address; a taken port or a forbidden address becomes a {@link StartupError}. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      const where = `${host}:${port}`;
      if (err.code === "EADDRINUSE") {
        reject(
          new StartupError(
            "port-in-use",
            `port ${port} on ${host} is already in use; stop the other process or set FACADE_PORT`,
            { cause: err },
          ),
        );
      } else if (err.code === "EACCES") {
        reject(
          new StartupError(
            "permission-denied",
            `not allowed to listen on ${where}; use a port above 1023 or set FACADE_PORT`,
            { cause: err },
          ),
        );
      } else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
        reject(
          new StartupError(
            "address-unavailable",
            `${host} is not an address of this machine; check FACADE_HOST`,
            { cause: err },
          ),
        );
      } else {
        reject(
          new StartupError("listen-failed", `cannot listen on ${where} (${err.code ?? "error"})`, {
            cause: err,
          }),
        );
      }
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** Creates the data directory if needed and proves it is writable by writing and removing a file. */
export function ensureWritableDir(dir: string): void {
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError(
      "data-dir-not-writable",
      `data directory ${dir} is not writable (${code}); fix its permissions or set FACADE_DATA_DIR`,
      { cause: err },
    );
  }
}

/** Options of {@link drain}. */
export interface DrainOptions {
  /** How long in-flight requests may take. */
  readonly deadlineMs: number;
  /** Requests in flight now (the platform's counter). */
  readonly inFlight: () => number;
}

/**
 * Graceful shutdown of the HTTP side: stop accepting connections, close idle keep-alive connections,
 * let in-flight requests finish until the deadline, then cut what is left.
 * Resolves `true` when everything finished in time.
 */
export async function drain(server: Server, options: DrainOptions): Promise<boolean> {
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  server.closeIdleConnections();
  const deadline = Date.now() + options.deadlineMs;
  while (options.inFlight() > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    server.closeIdleConnections();
  }
  const clean = options.inFlight() === 0;
  server.closeAllConnections();
  await closed;
  return clean;
}
