import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from "node:zlib";

/** Which content coding to use, from `Accept-Encoding` (br preferred, then gzip); `undefined` = identity. */
export function chooseEncoding(header: string | undefined): "br" | "gzip" | undefined {
  if (header === undefined || header === "") {
    return undefined;
  }
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(",").slice(0, 16)) {
    const [name = "", ...params] = part.trim().split(";");
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qp === undefined ? 1 : Number(qp.slice(2));
    q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  const star = q.get("*");
  const br = q.get("br") ?? star ?? 0;
  const gz = q.get("gzip") ?? q.get("x-gzip") ?? star ?? 0;
  if (br > 0 && br >= gz) {
    return "br";
  }
  if (gz > 0) {
    return "gzip";
  }
  return undefined;
}

/** Bodies up to this size are compressed on the event loop (a few tens of µs), larger ones in the thread pool. */
export const SYNC_COMPRESS_MAX_BYTES = 131_072;

/**
 * Compresses a body. Fast settings, because every search page is compressed afresh: on a 55 KB page of 20
 * organisations brotli quality 1 takes ~0.05 ms for 3.4 KB, where quality 4 took ~0.3 ms for 3.1 KB (several
 * times the whole search); gzip level 3 ~0.1 ms for 3.9 KB (level 6: ~0.3 ms, 3.3 KB). Up to
 * {@link SYNC_COMPRESS_MAX_BYTES} it runs on the event loop (the thread-pool hand-off cost more than the work);
 * larger bodies (big `_count` pages) are compressed off the event loop (libuv thread pool).
 */
export function compress(data: Buffer, encoding: "br" | "gzip"): Promise<Buffer> {
  const brotli = {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  };
  if (data.length <= SYNC_COMPRESS_MAX_BYTES) {
    try {
      return Promise.resolve(
        encoding === "br" ? brotliCompressSync(data, brotli) : gzipSync(data, { level: 3 }),
      );
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer): void => {
      if (err !== null) {
        reject(err);
      } else {
        resolve(out);
      }
    };
    if (encoding === "br") {
      brotliCompress(data, brotli, done);
    } else {
      gzip(data, { level: 3 }, done);
    }
  });
}
