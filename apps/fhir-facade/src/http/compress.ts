import { brotliCompress, constants, gzip } from "node:zlib";

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

/** Compresses off the event loop (libuv thread pool); brotli at quality 4 keeps CPU cost near gzip's. */
export function compress(data: Buffer, encoding: "br" | "gzip"): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer): void => {
      if (err !== null) {
        reject(err);
      } else {
        resolve(out);
      }
    };
    if (encoding === "br") {
      brotliCompress(
        data,
        { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } },
        done,
      );
    } else {
      gzip(data, { level: 6 }, done);
    }
  });
}
