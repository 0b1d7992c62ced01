import { pipeline } from "node:stream/promises";
import type { Writable } from "node:stream";
import { crc32, createDeflateRaw } from "node:zlib";

import { odsFullFileStream } from "./full-file.js";
import { OdsGeneratorError } from "./generator-error.js";
import { createOdsModel } from "./ods-model.js";
import type { OdsModelOptions } from "./ods-model.js";

/** Options of {@link writeOdsFullFileZip}. */
export interface OdsFullFileZipOptions extends OdsModelOptions {
  readonly out: Writable;
  /** Name of the XML inside the zip (default `HSCOrgRefData_Full_YYYYMMDD.xml`, as in TRUD item 341). */
  readonly entryName?: string;
}

/** The entry name TRUD uses for a full file published on a date (upstream-ods.md §3). */
export function fullFileEntryName(publicationDate: string): string {
  return `HSCOrgRefData_Full_${publicationDate.replaceAll("-", "")}.xml`;
}

const FLAGS = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 name
const DEFLATE = 8;
const VERSION = 20;
const MAX_32 = 0xffffffff;

function dosDate(iso: string): number {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  return ((y - 1980) << 9) | (m << 5) | d;
}

function localHeader(name: Buffer, date: number): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(VERSION, 4);
  b.writeUInt16LE(FLAGS, 6);
  b.writeUInt16LE(DEFLATE, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(date, 12);
  b.writeUInt16LE(name.length, 26);
  return Buffer.concat([b, name]);
}

interface EntryFacts {
  readonly name: Buffer;
  readonly date: number;
  readonly crc: number;
  readonly size: number;
  readonly compressed: number;
  readonly headerLength: number;
}

function trailer(e: EntryFacts): Buffer {
  if (e.size > MAX_32 || e.compressed + e.headerLength + 16 > MAX_32) {
    throw new OdsGeneratorError(
      "WRITE_FAILED",
      "the zip would need ZIP64 (over 4 GiB), which is not written",
    );
  }
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(e.crc, 4);
  descriptor.writeUInt32LE(e.compressed, 8);
  descriptor.writeUInt32LE(e.size, 12);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(VERSION, 4);
  central.writeUInt16LE(VERSION, 6);
  central.writeUInt16LE(FLAGS, 8);
  central.writeUInt16LE(DEFLATE, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(e.date, 14);
  central.writeUInt32LE(e.crc, 16);
  central.writeUInt32LE(e.compressed, 20);
  central.writeUInt32LE(e.size, 24);
  central.writeUInt16LE(e.name.length, 28);
  central.writeUInt32LE(0, 42); // local header at offset 0
  const centralOffset = e.headerLength + e.compressed + descriptor.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + e.name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([descriptor, central, e.name, end]);
}

/**
 * Writes a generated full file as a one-entry zip (deflate) to `out`, streaming: the XML is never held whole
 * in memory and backpressure is honoured. The entry is dated on the publication date, so the same options
 * give the same bytes. (A small writer on node:zlib rather than yazl: yazl's CommonJS `require` of
 * buffer-crc32 breaks under the workspace's vitest conditions.) Limited to 4 GiB (no ZIP64).
 */
export async function writeOdsFullFileZip(options: OdsFullFileZipOptions): Promise<void> {
  const model = createOdsModel(options);
  const name = Buffer.from(options.entryName ?? fullFileEntryName(model.publicationDate), "utf8");
  if (name.length === 0 || name.length > 0xffff) {
    throw new OdsGeneratorError("INVALID_OPTIONS", "entryName must have 1 to 65535 bytes");
  }
  const date = dosDate(model.publicationDate);
  const header = localHeader(name, date);
  let crc = 0;
  let size = 0;
  try {
    await pipeline(
      odsFullFileStream(options),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          yield chunk;
        }
      },
      createDeflateRaw({ level: 6 }),
      async function* (source: AsyncIterable<Buffer>) {
        yield header;
        let compressed = 0;
        for await (const chunk of source) {
          compressed += chunk.length;
          yield chunk;
        }
        yield trailer({ name, date, crc, size, compressed, headerLength: header.length });
      },
      options.out,
    );
  } catch (err) {
    if (err instanceof OdsGeneratorError) {
      throw err;
    }
    throw new OdsGeneratorError("WRITE_FAILED", "writing the ODS full-file zip failed", { cause: err });
  }
}
