/**
 * Reads a response body up to a size limit, from a WHATWG `ReadableStream` (global fetch) or an async-iterable
 * Node stream (node-fetch v3).
 *
 * @module
 */
import type { ResponseLike } from "./fetch-like.js";

/** Thrown by {@link readBodyText} when the body is larger than the limit. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

interface ReaderLike {
  read(): Promise<{ done: boolean; value?: unknown }>;
  cancel(reason?: unknown): Promise<void>;
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) {
    return chunk;
  }
  if (typeof chunk === "string") {
    return new TextEncoder().encode(chunk);
  }
  if (chunk instanceof ArrayBuffer) {
    return new Uint8Array(chunk);
  }
  throw new TypeError("unexpected body chunk type");
}

/** Reads the whole body as UTF-8 text, refusing more than `maxBytes`. */
export async function readBodyText(res: ResponseLike, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discardBody(res);
    throw new BodyTooLargeError(`body of ${declared} bytes is over the ${maxBytes}-byte limit`);
  }
  const body = res.body as
    { getReader?: () => ReaderLike; [Symbol.asyncIterator]?: unknown } | null | undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const add = (chunk: unknown): boolean => {
    const bytes = asBytes(chunk);
    size += bytes.length;
    if (size > maxBytes) {
      return false;
    }
    chunks.push(bytes);
    return true;
  };
  if (body === null || body === undefined) {
    return "";
  }
  if (typeof body.getReader === "function") {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      if (!add(value)) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(`body is over the ${maxBytes}-byte limit`);
      }
    }
  } else if (typeof body[Symbol.asyncIterator] === "function") {
    for await (const chunk of body as AsyncIterable<unknown>) {
      if (!add(chunk)) {
        (body as { destroy?: () => void }).destroy?.();
        throw new BodyTooLargeError(`body is over the ${maxBytes}-byte limit`);
      }
    }
  } else {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!add(bytes)) {
      throw new BodyTooLargeError(`body is over the ${maxBytes}-byte limit`);
    }
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(all);
}

/** Releases a response body that will not be read (frees the connection). Never throws. */
export async function discardBody(res: { readonly body: unknown }): Promise<void> {
  const body = res.body as { cancel?: () => Promise<void>; destroy?: () => void; locked?: boolean } | null;
  try {
    if (body && typeof body.cancel === "function" && body.locked !== true) {
      await body.cancel();
    } else if (body && typeof body.destroy === "function") {
      body.destroy();
    }
  } catch {
    // already consumed or closed
  }
}
