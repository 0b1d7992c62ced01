import { brotliDecompressSync, gunzipSync } from "node:zlib";

import { describe, expect, test } from "vitest";

import { SYNC_COMPRESS_MAX_BYTES, chooseEncoding, compress } from "./compress.js";

const page = (bytes: number): Buffer => {
  const entry = '{"resourceType":"Organization","id":"RR8","name":"LEEDS TEACHING HOSPITALS NHS TRUST"},';
  return Buffer.from(`[${entry.repeat(Math.ceil(bytes / entry.length))}{}]`);
};

describe("compress", () => {
  for (const size of [9000, SYNC_COMPRESS_MAX_BYTES + 1, 3 * SYNC_COMPRESS_MAX_BYTES]) {
    test(`br and gzip round-trip a ${size}-byte body (${size <= SYNC_COMPRESS_MAX_BYTES ? "on the event loop" : "thread pool"})`, async () => {
      const data = page(size);
      const br = await compress(data, "br");
      expect(br.length).toBeLessThan(data.length / 5);
      expect(brotliDecompressSync(br).equals(data)).toBe(true);
      const gz = await compress(data, "gzip");
      expect(gunzipSync(gz).equals(data)).toBe(true);
    });
  }

  test("chooseEncoding prefers br, honours q=0 and identity-only clients", () => {
    expect(chooseEncoding("gzip, deflate, br")).toBe("br");
    expect(chooseEncoding("gzip, br;q=0")).toBe("gzip");
    expect(chooseEncoding("identity")).toBeUndefined();
    expect(chooseEncoding(undefined)).toBeUndefined();
  });
});
