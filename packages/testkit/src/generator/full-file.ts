import { Readable } from "node:stream";
import type { Writable } from "node:stream";

import { OdsGeneratorError } from "./generator-error.js";
import { createOdsModel } from "./ods-model.js";
import type { OdsModel, OdsModelOptions } from "./ods-model.js";
import { footerXml, headerXml, organisationXml } from "./xml-writer.js";

/** Options of {@link generateOdsFullFile}. */
export interface OdsFullFileOptions extends OdsModelOptions {
  /** Where the XML goes (a file, a hash, an HTTP response…). Backpressure is honoured. */
  readonly out: Writable;
  /** End `out` when done and wait for it to finish (default true). */
  readonly end?: boolean;
  /** Stops the writing with an `ABORTED` error. */
  readonly signal?: AbortSignal;
  /** The Manifest's `PublicationSeqNum` (default 0). */
  readonly publicationSeqNum?: number;
}

/** What {@link generateOdsFullFile} wrote. */
export interface OdsFullFileResult {
  readonly organisations: number;
  readonly bytes: number;
  readonly publicationDate: string;
}

const CHUNK_CHARS = 256 * 1024;

/**
 * The XML text of a full file for a model, in chunks of about 256 KiB (lazy: one chunk in memory at a time).
 */
export function* odsFullFileChunks(
  model: OdsModel,
  options: { publicationSeqNum?: number } = {},
): Generator<string> {
  let chunk = headerXml({
    publicationDate: model.publicationDate,
    recordCount: model.size,
    publicationSeqNum: options.publicationSeqNum ?? model.revision,
  });
  for (let i = 0; i < model.size; i++) {
    chunk += organisationXml(model.organisation(i));
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  yield chunk + footerXml();
}

/** A readable stream of a generated full file (pull-based, so consumers set the pace). */
export function odsFullFileStream(options: OdsModelOptions & { publicationSeqNum?: number } = {}): Readable {
  const model = createOdsModel(options);
  const chunks = odsFullFileChunks(
    model,
    options.publicationSeqNum === undefined ? {} : { publicationSeqNum: options.publicationSeqNum },
  );
  return Readable.from(
    (function* () {
      for (const chunk of chunks) {
        yield Buffer.from(chunk, "utf8");
      }
    })(),
    { objectMode: false },
  );
}

function waitForDrain(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off("drain", onDrain);
      out.off("close", onClose);
      out.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new OdsGeneratorError("WRITE_FAILED", "the output closed before the file was written"));
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(new OdsGeneratorError("WRITE_FAILED", "writing the ODS full file failed", { cause: err }));
    };
    const onAbort = () => {
      cleanup();
      reject(new OdsGeneratorError("ABORTED", "generation aborted", { cause: signal?.reason }));
    };
    out.on("drain", onDrain);
    out.on("close", onClose);
    out.on("error", onError);
    signal?.addEventListener("abort", onAbort);
  });
}

function waitForFinish(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off("finish", onFinish);
      out.off("error", onError);
    };
    const onFinish = () => {
      cleanup();
      resolve();
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(new OdsGeneratorError("WRITE_FAILED", "writing the ODS full file failed", { cause: err }));
    };
    out.on("finish", onFinish);
    out.on("error", onError);
  });
}

/**
 * Writes a generated ODS XML full file (`HSCOrgRefData:OrgRefData`, namespace
 * `http://refdata.hscic.gov.uk/org/v2-0-0`; upstream-ods.md §3) to `out`: Manifest, CodeSystems and
 * `options.organisations` organisations (300,000 by default). Deterministic: the same options give the same
 * bytes. Streams in ~256 KiB chunks and waits for `drain`, so memory stays constant whatever the size.
 * Rejects with {@link OdsGeneratorError} (`INVALID_OPTIONS`, `WRITE_FAILED`, `ABORTED`).
 */
export async function generateOdsFullFile(options: OdsFullFileOptions): Promise<OdsFullFileResult> {
  const { out, signal } = options;
  const model = createOdsModel(options);
  let failure: unknown;
  const onError = (err: unknown) => {
    failure ??= err;
  };
  out.on("error", onError);
  let bytes = 0;
  try {
    for (const chunk of odsFullFileChunks(
      model,
      options.publicationSeqNum === undefined ? {} : { publicationSeqNum: options.publicationSeqNum },
    )) {
      if (signal?.aborted === true) {
        throw new OdsGeneratorError("ABORTED", "generation aborted", { cause: signal.reason });
      }
      if (failure !== undefined) {
        throw new OdsGeneratorError("WRITE_FAILED", "writing the ODS full file failed", { cause: failure });
      }
      if (out.destroyed || out.writableEnded) {
        throw new OdsGeneratorError("WRITE_FAILED", "the output closed before the file was written");
      }
      const buffer = Buffer.from(chunk, "utf8");
      bytes += buffer.length;
      if (!out.write(buffer)) {
        await waitForDrain(out, signal);
      }
    }
    if (options.end ?? true) {
      const finished = waitForFinish(out);
      out.end();
      await finished;
    }
    if (failure !== undefined) {
      throw new OdsGeneratorError("WRITE_FAILED", "writing the ODS full file failed", { cause: failure });
    }
  } finally {
    out.off("error", onError);
  }
  return { organisations: model.size, bytes, publicationDate: model.publicationDate };
}
