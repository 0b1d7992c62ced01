import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";

import { FAKE_TRUD_API_KEY, FakeTrud } from "@fhir-facade/testkit";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import type { FetchResponseLike } from "./http.js";
import { createRawFetch, rawBody, rawFetch } from "./raw-http.js";

// Real sockets: generous limits so a heavily loaded CI machine does not turn slowness into failures.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const SIZE = 5_000_000;
let fake: FakeTrud;
let servers: Server[];

beforeEach(async () => {
  fake = new FakeTrud({
    items: [{ item: 341, releases: [{ id: "big.zip", releaseDate: "2026-07-31", content: { size: SIZE } }] }],
  });
  await fake.start();
  servers = [];
});
afterEach(async () => {
  await fake.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

function get(url: string, headers: Record<string, string> = {}, signal = new AbortController().signal) {
  return rawFetch(url, { method: "GET", headers, signal, redirect: "manual" });
}

async function archive(): Promise<{ url: string; sha256: string }> {
  const list = (await (await get(fake.listUrl(FAKE_TRUD_API_KEY, 341, true))).body) as AsyncIterable<Buffer>;
  const chunks: Buffer[] = [];
  for await (const chunk of list) {
    chunks.push(chunk);
  }
  const release = (
    JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      releases: { archiveFileUrl: string; archiveFileSha256: string }[];
    }
  ).releases[0]!;
  return { url: release.archiveFileUrl, sha256: release.archiveFileSha256 };
}

/** Reads a body through a sink that pauses after every chunk and resumes on the next turn of the loop. */
function readPausing(
  response: FetchResponseLike,
): Promise<{ sha256: string; bytes: number; pauses: number }> {
  const body = rawBody(response)!;
  const hash = createHash("sha256");
  let bytes = 0;
  let pauses = 0;
  return new Promise((resolve, reject) => {
    body.pipe({
      data: (view) => {
        hash.update(view); // the view is only valid now
        bytes += view.length;
        pauses += 1;
        setImmediate(() => {
          body.resume();
        });
        return false;
      },
      end: () => {
        resolve({ sha256: hash.digest("hex").toUpperCase(), bytes, pauses });
      },
      error: reject,
    });
  });
}

async function readAll(response: FetchResponseLike): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A server that answers every connection with these raw bytes, then closes (or stays open). */
async function rawServer(answer: string | Buffer, options: { readonly keepOpen?: boolean } = {}) {
  const server = createServer((socket: Socket) => {
    socket.once("data", () => {
      socket.write(answer);
      if (!options.keepOpen) {
        socket.end();
      }
    });
    socket.on("error", () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/x`;
}

describe("bodies", () => {
  test("a Content-Length body read through a sink that pauses after every read arrives whole", async () => {
    const { url, sha256 } = await archive();
    const response = await get(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBe(String(SIZE));
    const read = await readPausing(response);
    expect(read).toMatchObject({ sha256, bytes: SIZE });
    expect(read.pauses).toBeGreaterThan(1);
  });

  test("a chunked body iterates to the same bytes; so does a ranged one", async () => {
    const { url, sha256 } = await archive();
    fake.chunked = true;
    const whole = await readAll(await get(url));
    expect(createHash("sha256").update(whole).digest("hex").toUpperCase()).toBe(sha256);
    fake.chunked = false;
    const ranged = await get(url, { range: "bytes=4999990-" });
    expect(ranged.status).toBe(206);
    expect((await readAll(ranged)).equals(whole.subarray(4_999_990))).toBe(true);
  });

  test("a chunked body through a pausing sink; chunk extensions and trailers are accepted", async () => {
    const url = await rawServer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: y\r\n\r\n",
    );
    const read = await readPausing(await get(url));
    expect(read.sha256).toBe(createHash("sha256").update("hello world").digest("hex").toUpperCase());
  });

  test("an interim 1xx answer is skipped; a body without length ends with the connection", async () => {
    const url = await rawServer(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\n\r\nuntil close",
    );
    const response = await get(url);
    expect(response.headers.get("x-a")).toBe("1, 2");
    expect((await readAll(response)).toString()).toBe("until close");
  });

  test("a cancelled body is not read any further", async () => {
    const { url } = await archive();
    const response = await get(url);
    rawBody(response)!.destroy();
    await expect(readAll(response)).rejects.toThrow(/cancelled/);
  });
});

describe("broken answers fail with a clear error, never a crash", () => {
  test.each([
    ["garbage instead of a status line", "SSH-2.0-OpenSSH\r\n\r\n", /status line/],
    ["an invalid Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", /Content-Length/],
    [
      "conflicting Content-Lengths",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      /Content-Length/,
    ],
    [
      "a compressed transfer coding",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      /transfer-encoding/,
    ],
    [
      "a content coding before chunked",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      /transfer-encoding/,
    ],
    ["a malformed header line", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", /header line/],
    ["headers beyond 64 KiB", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`, /too large/],
    ["a close before any answer", "", /before the response headers/],
  ])("%s", async (_name, answer, message) => {
    const url = await rawServer(answer);
    await expect(get(url)).rejects.toThrow(message);
  });

  test.each([
    [
      "fewer bytes than Content-Length",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
      /before the body was complete/,
    ],
    ["a malformed chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /chunk-size/],
    [
      "a chunk longer than announced",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
      /longer than/,
    ],
    [
      "a chunked body cut off",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
      /before the body was complete/,
    ],
  ])("in the body: %s", async (_name, answer, message) => {
    const url = await rawServer(answer);
    const response = await get(url);
    await expect(readAll(response)).rejects.toThrow(message);
  });

  test("nothing listening is a rejected request", async () => {
    const url = await rawServer("");
    const port = new URL(url).port;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(get(`http://127.0.0.1:${port}/x`)).rejects.toThrow(/ECONNREFUSED/);
  });

  test("aborting before the headers rejects with the signal's reason as the cause", async () => {
    const url = await rawServer("", { keepOpen: true });
    const controller = new AbortController();
    const pending = get(url, {}, controller.signal);
    const reason = new Error("enough");
    setImmediate(() => {
      controller.abort(reason);
    });
    await expect(pending).rejects.toMatchObject({ cause: reason });
  });

  test("header values that would split the request are refused before connecting", async () => {
    await expect(get(fake.url, { range: "bytes=0-\r\nx-evil: 1" })).rejects.toThrow(/invalid request header/);
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe("TLS", () => {
  // A throwaway self-signed certificate for 127.0.0.1, checked in (test/fixtures/README.md): no openssl needed.
  const fixtures = new URL("../test/fixtures/", import.meta.url);
  const cert = readFileSync(new URL("tls-127.0.0.1.cert.pem", fixtures), "utf8");
  const key = readFileSync(new URL("tls-127.0.0.1.key.pem", fixtures), "utf8");

  const payload = Buffer.alloc(3_000_000, "trud");

  async function tlsServer(): Promise<string> {
    const server = createTlsServer({ cert, key, ALPNProtocols: ["http/1.1"] }, (socket) => {
      socket.once("data", (request: Buffer) => {
        socket.end(
          request.toString().startsWith("GET /big")
            ? Buffer.concat([
                Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n`),
                payload,
              ])
            : "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure",
        );
      });
      socket.on("error", () => undefined);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    return `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/x`;
  }

  test("https works, the certificate being checked against the given CA", async () => {
    const url = await tlsServer();
    const response = await createRawFetch({ ca: cert })(url, {
      method: "GET",
      headers: {},
      signal: new AbortController().signal,
      redirect: "manual",
    });
    expect((await readAll(response)).toString()).toBe("secure");
  });

  test("a large body over https through a sink that pauses after every read arrives whole", async () => {
    const url = await tlsServer();
    const response = await createRawFetch({ ca: cert })(url.replace("/x", "/big"), {
      method: "GET",
      headers: {},
      signal: new AbortController().signal,
      redirect: "manual",
    });
    const read = await readPausing(response);
    expect(read.bytes).toBe(payload.length);
    expect(read.sha256).toBe(createHash("sha256").update(payload).digest("hex").toUpperCase());
    expect(read.pauses).toBeGreaterThan(1);
  });

  test("a certificate the default CA store does not trust is refused", async () => {
    const url = await tlsServer();
    await expect(get(url)).rejects.toThrow(/self[- ]signed/i);
  });
});
