/**
 * Preparing a resource request for the authenticated fetch: its headers as a plain object (accepted by every fetch
 * implementation) and whether its body can be sent a second time.
 *
 * @module
 */

// Hot path (every authenticated request): no closures are created here, only plain loops.
function addHeader(out: Record<string, string>, key: string, value: string): void {
  const name = key.toLowerCase();
  const existing = out[name];
  out[name] = existing === undefined ? value : `${existing}, ${value}`;
}

function headersToRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined || headers === null) {
    return out;
  }
  if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) {
      if (Array.isArray(pair) && pair.length === 2) {
        addHeader(out, String(pair[0]), String(pair[1]));
      }
    }
    return out;
  }
  if (typeof headers === "object") {
    const h = headers as { forEach?: unknown; [Symbol.iterator]?: unknown };
    if (typeof h.forEach === "function") {
      // A Headers object (global or node-fetch): already combined per name.
      (h.forEach as (cb: (value: string, key: string) => void) => void).call(headers, (value, key) => {
        out[key.toLowerCase()] = value;
      });
      return out;
    }
    if (typeof h[Symbol.iterator] === "function") {
      for (const pair of headers as Iterable<unknown>) {
        if (Array.isArray(pair) && pair.length === 2) {
          addHeader(out, String(pair[0]), String(pair[1]));
        }
      }
      return out;
    }
    const record = headers as Record<string, string | number | undefined>;
    for (const key in record) {
      if (Object.hasOwn(record, key) && record[key] !== undefined) {
        addHeader(out, key, String(record[key]));
      }
    }
  }
  return out;
}

/** Whether a body can be sent again unchanged (fetch consumes streams; these types it re-reads). */
function isReplayableBody(body: unknown): boolean {
  if (body === undefined || body === null || typeof body === "string") {
    return true;
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof URLSearchParams) {
    return true;
  }
  if (typeof Blob !== "undefined" && body instanceof Blob) {
    return true;
  }
  return typeof FormData !== "undefined" && body instanceof FormData;
}

function isRequestLike(input: unknown): input is { headers: unknown; body: unknown } {
  return (
    typeof input === "object" &&
    input !== null &&
    !(input instanceof URL) &&
    "url" in input &&
    "method" in input &&
    "headers" in input
  );
}

/** The headers to send, as this call's own lower-cased plain object: the init's, or else the `Request`'s. */
export function requestHeaders(
  input: unknown,
  init: { headers?: unknown } | undefined,
): Record<string, string> {
  const headers = init?.headers;
  if (headers !== undefined && headers !== null) {
    return headersToRecord(headers);
  }
  return headersToRecord(isRequestLike(input) ? input.headers : undefined);
}

/**
 * Whether the request can be sent a second time: not when a `Request` input carries the body, nor when the body is
 * a stream or another one-shot type.
 */
export function isReplayable(input: unknown, init: { body?: unknown } | undefined): boolean {
  const body = init?.body;
  if (body === undefined || body === null) {
    const requestBody = isRequestLike(input) ? input.body : undefined;
    return requestBody === undefined || requestBody === null;
  }
  return isReplayableBody(body);
}
