/**
 * Reads the ODS XML straight out of a TRUD release zip (item 341), without extracting anything to disk.
 * The release zip holds `fullfile.zip` → `HSCOrgRefData_Full_YYYYMMDD.xml` and `archive.zip` →
 * `HSCOrgRefData_Archive_YYYYMMDD.xml` (upstream-ods.md §3); XML files directly in the zip work too.
 * A nested zip that is stored (not deflated) is read in place through a range reader; a deflated one is
 * inflated into memory (bounded by `maxNestedZipBytes`) because a zip needs random access.
 */
import { PassThrough, type Readable } from "node:stream";

import yauzl from "yauzl";

import { OdsError } from "./errors.js";
import type { OdsXmlItem } from "./xml-handler.js";
import { readOdsXml, type ReadOdsXmlOptions } from "./xml-reader.js";

/** Which ODS files a name denotes. */
export type OdsFileKind = "Full" | "Archive" | "Delta" | "Other";

/** Options of {@link readOdsZip}. */
export interface ReadOdsZipOptions extends ReadOdsXmlOptions {
  /** Which XML files to read, in zip order (default `["Full"]`). */
  readonly kinds?: readonly OdsFileKind[];
  /** Largest deflated nested zip inflated in memory (default 512 MiB). */
  readonly maxNestedZipBytes?: number;
}

/** One XML file found in a zip. */
export interface OdsZipFile {
  /** Path inside the zip, nested zips joined with `!/` (e.g. `fullfile.zip!/HSCOrgRefData_Full_20260101.xml`). */
  readonly path: string;
  readonly kind: OdsFileKind;
  readonly uncompressedSize: number;
}

/** The kind of an ODS XML file from its name (`HSCOrgRefData_Full_…`, `…_Archive_…`, delta files). */
export function odsFileKind(name: string): OdsFileKind {
  const base = name.slice(name.lastIndexOf("/") + 1);
  if (/full/i.test(base)) return "Full";
  if (/archive/i.test(base)) return "Archive";
  if (/delta/i.test(base)) return "Delta";
  return "Other";
}

type ZipFile = yauzl.ZipFile;
type Entry = yauzl.Entry;
const ZIP_OPTIONS = {
  lazyEntries: true,
  autoClose: false,
  validateEntrySizes: true,
  decodeStrings: true,
} as const;

function zipError(message: string, cause?: unknown): OdsError {
  const reason = cause instanceof Error ? `: ${cause.message.slice(0, 200)}` : "";
  return new OdsError("ODS_ZIP_INVALID", `${message}${reason}`, { cause });
}

function openPath(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, ZIP_OPTIONS, (err, zip) => {
      if (err !== null) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(
          code === "ENOENT" || code === "EACCES" || code === "EISDIR"
            ? new OdsError("ODS_IO", `cannot open ${path}: ${err.message}`, { cause: err })
            : zipError(`not a readable zip: ${path}`, err),
        );
      } else resolve(zip);
    });
  });
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    const onEntry = (entry: Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(zipError("corrupt zip directory", err));
    };
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry, range?: { start: number; end: number }): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const callback = (err: Error | null, stream: Readable): void => {
      if (err !== null) reject(zipError(`cannot read ${entry.fileName}`, err));
      else resolve(stream);
    };
    if (range === undefined) zip.openReadStream(entry, callback);
    else zip.openReadStream(entry, range as unknown as yauzl.ZipFileOptions, callback);
  });
}

/** Random access into a stored (uncompressed) entry of the outer zip. */
class StoredEntryReader extends yauzl.RandomAccessReader {
  readonly #zip: ZipFile;
  readonly #entry: Entry;

  constructor(zip: ZipFile, entry: Entry) {
    super();
    this.#zip = zip;
    this.#entry = entry;
  }

  override _readStreamForRange(start: number, end: number): void {
    const out = new PassThrough();
    openEntry(this.#zip, this.#entry, { start, end }).then(
      (stream) => {
        stream.on("error", (err) => out.destroy(err));
        stream.pipe(out);
      },
      (err: unknown) => out.destroy(err as Error),
    );
    // yauzl's RandomAccessReader contract returns the stream; @types/yauzl declares void.
    return out as unknown as undefined;
  }
}

async function openNested(zip: ZipFile, entry: Entry, maxBytes: number): Promise<ZipFile> {
  if (entry.compressionMethod === 0) {
    const reader = new StoredEntryReader(zip, entry);
    return new Promise((resolve, reject) => {
      yauzl.fromRandomAccessReader(reader, entry.uncompressedSize, ZIP_OPTIONS, (err, inner) => {
        if (err !== null) reject(zipError(`nested zip ${entry.fileName} is not readable`, err));
        else resolve(inner);
      });
    });
  }
  if (entry.uncompressedSize > maxBytes) {
    throw new OdsError(
      "ODS_TOO_LARGE",
      `nested zip ${entry.fileName} is ${entry.uncompressedSize} bytes, over ${maxBytes}`,
    );
  }
  const stream = await openEntry(zip, entry);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > maxBytes)
        throw new OdsError("ODS_TOO_LARGE", `nested zip ${entry.fileName} is over ${maxBytes} bytes`);
      parts.push(chunk as Buffer);
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof OdsError) throw error;
    throw zipError(`cannot inflate ${entry.fileName}`, error);
  }
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.concat(parts), ZIP_OPTIONS, (err, inner) => {
      if (err !== null) reject(zipError(`nested zip ${entry.fileName} is not readable`, err));
      else resolve(inner);
    });
  });
}

interface Walk {
  readonly kinds: readonly OdsFileKind[];
  readonly maxNestedZipBytes: number;
  readonly found: OdsZipFile[];
  readonly onFile: (
    zip: ZipFile,
    entry: Entry,
    file: OdsZipFile,
  ) => AsyncGenerator<OdsXmlItem, void, undefined> | undefined;
}

async function* walk(
  zip: ZipFile,
  prefix: string,
  depth: number,
  state: Walk,
): AsyncGenerator<OdsXmlItem, void, undefined> {
  try {
    for (let entry = await nextEntry(zip); entry !== undefined; entry = await nextEntry(zip)) {
      const name = entry.fileName;
      if (name.endsWith("/")) continue;
      if (/\.xml$/i.test(name)) {
        const file: OdsZipFile = {
          path: prefix + name,
          kind: odsFileKind(name),
          uncompressedSize: entry.uncompressedSize,
        };
        state.found.push(file);
        const items = state.onFile(zip, entry, file);
        if (items !== undefined) yield* items;
      } else if (/\.zip$/i.test(name) && depth < 3) {
        const inner = await openNested(zip, entry, state.maxNestedZipBytes);
        try {
          yield* walk(inner, `${prefix}${name}!/`, depth + 1, state);
        } finally {
          inner.close();
        }
      }
    }
  } finally {
    if (depth === 0) zip.close();
  }
}

/**
 * Lists the XML files of a TRUD release zip (nested zips included) without reading them.
 *
 * @throws OdsError `ODS_ZIP_INVALID`, `ODS_IO`, `ODS_TOO_LARGE`.
 */
export async function listOdsZip(
  path: string,
  options: Pick<ReadOdsZipOptions, "maxNestedZipBytes"> = {},
): Promise<OdsZipFile[]> {
  const state: Walk = {
    kinds: [],
    maxNestedZipBytes: options.maxNestedZipBytes ?? 512 * 1024 * 1024,
    found: [],
    onFile: () => undefined,
  };
  for await (const _ of walk(await openPath(path), "", 0, state)) {
    // listing only
  }
  return state.found;
}

/**
 * Streams the ODS XML of the chosen kinds (default the full file) out of a TRUD release zip: the same items
 * as {@link readOdsXml}, one file after another (each starts with its `manifest` item).
 *
 * @throws OdsError `ODS_ZIP_INVALID` (not a zip, corrupt, or no XML file of the chosen kinds), `ODS_IO`,
 *   plus every error of {@link readOdsXml}.
 * @example
 * for await (const item of readOdsZip("hscorgrefdataxml_data_1.0.0_20260101000001.zip")) { … }
 */
export async function* readOdsZip(
  path: string,
  options: ReadOdsZipOptions = {},
): AsyncGenerator<OdsXmlItem, void, undefined> {
  const kinds = options.kinds ?? ["Full"];
  let read = 0;
  const onFile = (
    zip: ZipFile,
    entry: Entry,
    file: OdsZipFile,
  ): AsyncGenerator<OdsXmlItem, void, undefined> | undefined => {
    if (!kinds.includes(file.kind)) return undefined;
    read++;
    return (async function* () {
      const stream = await openEntry(zip, entry);
      try {
        yield* readOdsXml(stream, options);
      } catch (error) {
        if (error instanceof OdsError && error.code === "ODS_IO") {
          throw zipError(`cannot read ${file.path} from the zip`, error.cause);
        }
        throw error;
      } finally {
        stream.destroy();
      }
    })();
  };
  const state: Walk = {
    kinds,
    maxNestedZipBytes: options.maxNestedZipBytes ?? 512 * 1024 * 1024,
    found: [],
    onFile,
  };
  yield* walk(await openPath(path), "", 0, state);
  if (read === 0) {
    const found = state.found.map((f) => `${f.path} (${f.kind})`).join(", ");
    throw zipError(
      `no ODS XML file of kind ${state.kinds.join("/")} in the zip${found === "" ? "" : `; found ${found}`}`,
    );
  }
}
