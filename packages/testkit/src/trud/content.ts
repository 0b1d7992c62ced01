import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { setImmediate as yieldToLoop } from "node:timers/promises";

/**
 * The bytes of a fake release file: either given whole, or generated deterministically from a seed so that a
 * 1 GiB release needs no disk and almost no memory.
 */
export type FakeTrudContent = Buffer | { readonly size: number; readonly seed?: string };

/**
 * Generated content repeats a pseudo-random block whose length is a prime (1,000,003 bytes), so a client
 * that resumes at a wrong offset (off by any power-of-two chunk size) gets different bytes and a hash
 * mismatch.
 */
const PERIOD = 1_000_003;
const CHUNK = 256 * 1024;

const blocks = new Map<string, Buffer>();

/** The repeating block for a seed, doubled so that any window of up to PERIOD bytes is contiguous. */
function blockFor(seed: string): Buffer {
  let block = blocks.get(seed);
  if (block === undefined) {
    const one = Buffer.alloc(PERIOD);
    let counter = 0;
    for (let offset = 0; offset < PERIOD; offset += 32) {
      const digest = createHash("sha256").update(`${seed}:${counter++}`).digest();
      digest.copy(one, offset, 0, Math.min(32, PERIOD - offset));
    }
    block = Buffer.concat([one, one]);
    blocks.set(seed, block);
  }
  return block;
}

/** The size of some content. */
export function contentSize(content: FakeTrudContent): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

/** Bytes `[start, end)` of the content, as a Buffer (small ranges) or a stream (large ones). */
export function contentRange(content: FakeTrudContent, start: number, end: number): Buffer | Readable {
  if (Buffer.isBuffer(content)) {
    return content.subarray(start, end);
  }
  const block = blockFor(content.seed ?? "fake-trud");
  if (end - start <= 4 * 1024 * 1024) {
    return Buffer.concat([...generate(block, start, end)]);
  }
  return Readable.from(generate(block, start, end), { objectMode: false, highWaterMark: 4 * CHUNK });
}

function* generate(block: Buffer, start: number, end: number): Generator<Buffer> {
  let offset = start;
  while (offset < end) {
    const at = offset % PERIOD;
    const length = Math.min(CHUNK, end - offset);
    yield block.subarray(at, at + length);
    offset += length;
  }
}

/** SHA-256 (upper-case hex, as TRUD publishes it) and SHA-1 (base64, as the FCIV checksum file holds it). */
export interface ContentDigests {
  readonly sha256: string;
  readonly sha1Base64: string;
}

const digestCache = new Map<string, Promise<ContentDigests>>();

/** Digests of some content, computed once per (seed, size) and cached for the life of the process. */
export function contentDigests(content: FakeTrudContent): Promise<ContentDigests> {
  if (Buffer.isBuffer(content)) {
    return Promise.resolve({
      sha256: createHash("sha256").update(content).digest("hex").toUpperCase(),
      sha1Base64: createHash("sha1").update(content).digest("base64"),
    });
  }
  const key = `${content.seed ?? "fake-trud"}\u0000${content.size}`;
  let cached = digestCache.get(key);
  if (cached === undefined) {
    cached = computeDigests(content);
    digestCache.set(key, cached);
  }
  return cached;
}

async function computeDigests(content: {
  readonly size: number;
  readonly seed?: string;
}): Promise<ContentDigests> {
  const sha256 = createHash("sha256");
  const sha1 = createHash("sha1");
  const block = blockFor(content.seed ?? "fake-trud");
  let n = 0;
  for (const chunk of generate(block, 0, content.size)) {
    sha256.update(chunk);
    sha1.update(chunk);
    if (++n % 256 === 0) {
      await yieldToLoop(); // keep the fake responsive while it hashes a large file
    }
  }
  return { sha256: sha256.digest("hex").toUpperCase(), sha1Base64: sha1.digest("base64") };
}
