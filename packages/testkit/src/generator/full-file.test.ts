import { createHash } from "node:crypto";
import { Writable } from "node:stream";

import { describe, expect, test } from "vitest";

import { generateOdsFullFile, odsFullFileStream } from "./full-file.js";
import { OdsGeneratorError } from "./generator-error.js";

async function sha256Of(
  options: Parameters<typeof generateOdsFullFile>[0] extends infer O ? Omit<O & object, "out"> : never,
) {
  const hash = createHash("sha256");
  const result = await generateOdsFullFile({ ...options, out: hash, end: false });
  return { ...result, sha256: hash.digest("hex") };
}

describe("determinism", () => {
  test("the same seed gives the same bytes; another seed does not", async () => {
    const a = await sha256Of({ seed: 42, organisations: 4000 });
    const b = await sha256Of({ seed: 42, organisations: 4000 });
    const c = await sha256Of({ seed: 43, organisations: 4000 });
    expect(a.sha256).toBe(b.sha256);
    expect(a.bytes).toBe(b.bytes);
    expect(c.sha256).not.toBe(a.sha256);
    expect(a.organisations).toBe(4000);
  });

  test("string seeds and reference records are deterministic too", async () => {
    const a = await sha256Of({ seed: "monthly-2026-11", organisations: 1500, includeReference: true });
    const b = await sha256Of({ seed: "monthly-2026-11", organisations: 1500, includeReference: true });
    expect(a.sha256).toBe(b.sha256);
  });
});

describe("streaming", () => {
  test("honours backpressure of a slow output and writes the same bytes", async () => {
    const hash = createHash("sha256");
    let maxBuffered = 0;
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        hash.update(chunk);
        maxBuffered = Math.max(maxBuffered, slow.writableLength);
        setImmediate(done);
      },
    });
    const result = await generateOdsFullFile({ seed: 5, organisations: 3000, out: slow });
    expect(slow.writableFinished).toBe(true);
    expect(bytes).toBe(result.bytes);
    expect(maxBuffered).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(hash.digest("hex")).toBe((await sha256Of({ seed: 5, organisations: 3000 })).sha256);
  });

  test("odsFullFileStream gives the same bytes as generateOdsFullFile", async () => {
    const hash = createHash("sha256");
    for await (const chunk of odsFullFileStream({ seed: 9, organisations: 2000 })) {
      hash.update(chunk as Buffer);
    }
    expect(hash.digest("hex")).toBe((await sha256Of({ seed: 9, organisations: 2000 })).sha256);
  });
});

describe("errors", () => {
  test.each([
    [{ organisations: -1 }],
    [{ organisations: 1.5 }],
    [{ organisations: 5_000_000 }],
    [{ organisations: 10 }],
    [{ organisations: 20, includeReference: true }],
    [{ publicationDate: "2026-13-01" }],
    [{ publicationDate: "1999-01-01" }],
    [{ seed: Number.NaN }],
    [{ seed: "x".repeat(2000) }],
  ])("invalid options %j are INVALID_OPTIONS", async (options) => {
    const out = new Writable({
      write: (_c, _e, done) => {
        done();
      },
    });
    const error = await generateOdsFullFile({ ...options, out }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OdsGeneratorError);
    expect((error as OdsGeneratorError).code).toBe("INVALID_OPTIONS");
  });

  test("an output that fails mid-way gives WRITE_FAILED with the cause", async () => {
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _enc, done) {
        writes += 1;
        done(writes > 3 ? new Error("disk full") : null);
      },
    });
    const error = (await generateOdsFullFile({ organisations: 20_000, out: failing }).catch(
      (err: unknown) => err,
    )) as OdsGeneratorError;
    expect(error).toBeInstanceOf(OdsGeneratorError);
    expect(error.code).toBe("WRITE_FAILED");
    expect((error.cause as Error).message).toBe("disk full");
  });

  test("an output destroyed mid-way gives WRITE_FAILED", async () => {
    let writes = 0;
    const closing: Writable = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        writes += 1;
        if (writes === 2) {
          setImmediate(() => closing.destroy());
          return;
        }
        done();
      },
    });
    const error = (await generateOdsFullFile({ organisations: 20_000, out: closing }).catch(
      (err: unknown) => err,
    )) as OdsGeneratorError;
    expect(error.code).toBe("WRITE_FAILED");
  });

  test("an abort signal stops the writing with ABORTED", async () => {
    const controller = new AbortController();
    let writes = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        writes += 1;
        if (writes === 2) {
          controller.abort();
        }
        setImmediate(done);
      },
    });
    const error = (await generateOdsFullFile({
      organisations: 20_000,
      out,
      signal: controller.signal,
    }).catch((err: unknown) => err)) as OdsGeneratorError;
    expect(error.code).toBe("ABORTED");
  });
});
