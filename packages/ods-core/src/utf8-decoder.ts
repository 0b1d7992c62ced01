/**
 * Strict streaming UTF-8 decoding for the XML reader (and the benchmark's bare pass, which must read the
 * same way). Node's `isUtf8` (simdutf) validates and `Buffer#toString` decodes: together about half the
 * CPU time of `TextDecoder` with `fatal: true` on the full file, with the same strictness (no overlong
 * forms, no surrogates, nothing above U+10FFFF). A character split between two chunks waits for the next
 * one; a leading byte order mark is dropped, as `TextDecoder` does.
 */
import { Buffer, isUtf8 } from "node:buffer";

/** Where decoding failed: the text before the first invalid byte is valid and can still be parsed. */
export interface Utf8Failure {
  readonly validPrefix: string;
}

export class Utf8Decoder {
  #carry: Buffer | undefined;
  #start = true;

  /**
   * Decodes the next chunk (`final`: no more bytes follow). Returns the text, or a {@link Utf8Failure} when
   * the bytes are not UTF-8 (for an error that points at the invalid byte).
   */
  decode(chunk: Uint8Array, final: boolean): string | Utf8Failure {
    let bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#carry !== undefined) {
      bytes = Buffer.concat([this.#carry, bytes]);
      this.#carry = undefined;
    }
    let end = bytes.length;
    if (!final) {
      end = completeLength(bytes);
      if (end < bytes.length) this.#carry = Buffer.from(bytes.subarray(end));
    }
    const complete = end === bytes.length ? bytes : bytes.subarray(0, end);
    if (!isUtf8(complete)) {
      return { validPrefix: this.#text(complete.subarray(0, validLength(complete))) };
    }
    return this.#text(complete);
  }

  #text(bytes: Buffer): string {
    if (this.#start && bytes.length > 0) {
      this.#start = false;
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        return bytes.toString("utf8", 3);
      }
    }
    return bytes.toString("utf8");
  }
}

/** The length of `bytes` without a trailing incomplete (so far valid-looking) multi-byte sequence. */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  let i = n - 1;
  // Step back over up to 3 continuation bytes (10xxxxxx) to the sequence's first byte.
  while (i >= 0 && n - i <= 3 && ((bytes[i] ?? 0) & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const lead = bytes[i] ?? 0;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return size > n - i ? i : n;
}

/** Error path only: the length of the longest valid prefix (the offset of the first invalid byte). */
function validLength(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (size === 0 || i + size > bytes.length || !isUtf8(bytes.subarray(i, i + size))) return i;
    i += size;
  }
  return i;
}
