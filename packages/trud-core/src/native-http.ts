import { request as httpRequest } from "node:http";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

import type { FetchLike, FetchResponseLike } from "./http.js";

/**
 * The transport used when the caller injects no `fetch`: one `node:http`/`node:https` request per call, no
 * redirects followed (the caller follows them, checking origins), no connection reuse. The body is the
 * `IncomingMessage` itself (a Node stream), so the downloader can read it without web-stream overhead, and
 * `openOnce`, `readCapped` and `cancelBody` read it like any fetch body. Aborting `init.signal` destroys the
 * request and its response (the pending read rejects).
 */
export const nativeFetch: FetchLike = (url, init) => {
  const target = new URL(url);
  const request =
    target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : null;
  if (request === null) {
    return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
  }
  return new Promise<FetchResponseLike>((resolve, reject) => {
    const req = request(target, {
      method: init.method,
      headers: init.headers,
      signal: init.signal,
      agent: false,
    });
    req.once("error", reject);
    req.once("response", (res: IncomingMessage) => {
      req.off("error", reject);
      // A later request error (a reset mid-body) surfaces as the response's own error; keep it from going unhandled.
      req.on("error", () => undefined);
      resolve(new NativeResponse(res));
    });
    req.end();
  });
};

/** A fetch-like view of an `IncomingMessage`. */
class NativeResponse implements FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: IncomingMessage;

  constructor(res: IncomingMessage) {
    this.status = res.statusCode ?? 0;
    this.body = res;
    this.headers = {
      get: (name) => {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    };
  }
}

/** The response body when it came from {@link nativeFetch}, else `undefined`. */
export function nativeBody(response: FetchResponseLike): IncomingMessage | undefined {
  return response instanceof NativeResponse ? response.body : undefined;
}
