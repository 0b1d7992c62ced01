/**
 * Streaming reader of the ODS XML files on TRUD (item 341: `HSCOrgRefData_Full_*.xml`, `…_Archive_*.xml`,
 * delta files): yields the manifest, the code systems and the organisations one at a time, in constant
 * memory, with back-pressure (nothing is read ahead of the consumer beyond one chunk).
 *
 * Safety: no DTD is accepted (a `<!DOCTYPE` fails), so there is no external-entity (XXE) resolution and no
 * entity expansion (no "billion laughs"); only the five predefined XML entities and character references
 * are understood. Malformed input fails with `ODS_XML_MALFORMED` and its line and column.
 */
import { createReadStream } from "node:fs";

import type { OdsCodeCatalogue } from "./code-catalogue.js";
import { OdsError } from "./errors.js";
import { newSaxesParser, textSwitch, type OdsSaxesParser } from "./saxes-parser.js";
import { Utf8Decoder } from "./utf8-decoder.js";
import type { OdsWarningListener } from "./warnings.js";
import { XmlHandler, type OdsXmlItem } from "./xml-handler.js";

/** Options of {@link readOdsXml}. */
export interface ReadOdsXmlOptions {
  /** Receives warnings (unknown codes/elements, derived Status, skipped records). */
  readonly onWarning?: OdsWarningListener;
  /** Known codes: unknown role/relationship ids produce warnings. Default: no check. */
  readonly catalogue?: OdsCodeCatalogue;
  /** An invalid organisation stops the read (`throw`, default) or is skipped with a warning (`warn`). */
  readonly invalidRecords?: "throw" | "warn";
  /** Longest text or attribute value accepted (default 65,536 characters). */
  readonly maxValueLength?: number;
  /** Most dated/contact/role/relationship/succession entries in one organisation (default 100,000). */
  readonly maxItemsPerOrganisation?: number;
  /** Stops reading when aborted (the iterator throws `ORD_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** A source of XML bytes or text: a Node stream, a web stream, or any (async) iterable of chunks. */
export type OdsXmlSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

interface ParserInternals {
  text?: unknown;
  name?: unknown;
}

/**
 * Reads an ODS XML document from a stream of chunks.
 *
 * @throws OdsError `ODS_XML_MALFORMED` (with `details.line`/`details.column`), `ODS_XML_UNSUPPORTED`,
 *   `ODS_INVALID_RECORD`, `ODS_TOO_LARGE`.
 * @example
 * for await (const item of readOdsXml(createReadStream(path))) {
 *   if (item.kind === "organisation") store(item.organisation);
 * }
 */
export function readOdsXml(source: OdsXmlSource, options: ReadOdsXmlOptions = {}): OdsXmlIterator {
  return new OdsXmlIterator(source, options);
}

/**
 * The iterator {@link readOdsXml} returns. Hand-written rather than an async generator: items produced by one
 * chunk are handed out from a queue with one resolved promise each, which keeps the per-item cost of the
 * iteration protocol out of the read + map budget (benchmark `ods-read-map`).
 */
export class OdsXmlIterator implements AsyncIterableIterator<OdsXmlItem> {
  readonly #source: AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string>;
  readonly #parser: OdsSaxesParser;
  readonly #handler: XmlHandler;
  readonly #options: ReadOdsXmlOptions;
  readonly #decoder = new Utf8Decoder();
  readonly #bufferLimit: number;
  #queue: OdsXmlItem[];
  #index = 0;
  #finished = false;
  #failure: unknown;

  constructor(source: OdsXmlSource, options: ReadOdsXmlOptions) {
    this.#options = options;
    this.#source =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
        : (source as Iterable<Uint8Array | string>)[Symbol.iterator]();
    const maxValueLength = options.maxValueLength ?? 65_536;
    // saxes buffers an unfinished token (a DOCTYPE, a comment, a name, a text run) across writes: bound it.
    this.#bufferLimit = maxValueLength * 4 + 1024;
    const onText = (text: string): void => {
      handler.text(text);
    };
    const parser = newSaxesParser({
      xmldecl: (decl) => {
        const encoding = decl.encoding?.toLowerCase();
        if (encoding !== undefined && encoding !== "utf-8" && encoding !== "utf8") {
          handler.fail(
            "ODS_XML_UNSUPPORTED",
            `encoding ${decl.encoding ?? ""} is not supported (UTF-8 only)`,
          );
        }
      },
      doctype: () => {
        handler.fail("ODS_XML_MALFORMED", "a DTD (<!DOCTYPE>) is not allowed in ODS XML");
      },
      error: (error) => {
        handler.fail("ODS_XML_MALFORMED", error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, ""));
      },
      opentag: (tag) => {
        handler.open(tag.name, tag.attributes);
      },
      closetag: () => {
        handler.close();
      },
      cdata: onText,
      text: onText,
    });
    this.#parser = parser;
    const handler = new XmlHandler(
      {
        onWarning: options.onWarning,
        catalogue: options.catalogue,
        maxValueLength,
        maxItemsPerOrganisation: options.maxItemsPerOrganisation ?? 100_000,
        invalidRecords: options.invalidRecords ?? "throw",
      },
      () => ({ line: parser.line, column: parser.column + 1 }),
      textSwitch(parser, onText),
    );
    this.#handler = handler;
    this.#queue = handler.items;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<OdsXmlItem, undefined>> {
    const queue = this.#queue;
    if (this.#index < queue.length) {
      const value = queue[this.#index++] as OdsXmlItem;
      if (this.#index === queue.length) {
        queue.length = 0;
        this.#index = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    return this.#fill();
  }

  async return(): Promise<IteratorResult<OdsXmlItem, undefined>> {
    this.#queue.length = 0;
    this.#index = 0;
    await this.#close();
    return { value: undefined, done: true };
  }

  /** Stops reading the source (items already queued are still handed out by `next`). */
  async #close(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      await this.#source.return?.();
    } catch {
      // closing the source is best effort
    }
  }

  #decode(chunk: Uint8Array | string, final: boolean): string {
    if (typeof chunk === "string") return chunk;
    const text = this.#decoder.decode(chunk, final);
    if (typeof text === "string") return text;
    // Parse the valid text before the bad byte first, so that the error gives the bad byte's line and column.
    this.#parser.write(text.validPrefix);
    return this.#handler.fail("ODS_XML_MALFORMED", "invalid UTF-8");
  }

  #checkBuffers(): void {
    const internals = this.#parser as unknown as ParserInternals;
    const { text, name } = internals;
    if (
      (typeof text === "string" && text.length > this.#bufferLimit) ||
      (typeof name === "string" && name.length > this.#bufferLimit)
    ) {
      this.#handler.fail(
        "ODS_TOO_LARGE",
        `a single XML token is longer than ${this.#bufferLimit} characters`,
      );
    }
  }

  /** Reads chunks until items are queued or the document ends; an error is raised after queued items. */
  async #fill(): Promise<IteratorResult<OdsXmlItem, undefined>> {
    while (this.#queue.length === 0) {
      if (this.#failure !== undefined) {
        const failure = this.#failure;
        this.#failure = undefined;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the stored OdsError a parser callback raised
        throw failure;
      }
      if (this.#finished) return { value: undefined, done: true };
      try {
        await this.#step();
      } catch (error) {
        await this.#close();
        this.#failure =
          error instanceof OdsError
            ? error
            : new OdsError("ODS_IO", `reading the ODS XML failed: ${String(error).slice(0, 200)}`, {
                cause: error,
              });
      }
    }
    return this.next();
  }

  async #step(): Promise<void> {
    const signal = this.#options.signal;
    if (signal?.aborted === true) {
      throw new OdsError("ORD_ABORTED", "reading the ODS XML was aborted", { cause: signal.reason });
    }
    const result = await this.#source.next();
    if (result.done === true) {
      this.#parser.write(this.#decode(new Uint8Array(0), true));
      this.#parser.close();
      this.#handler.end();
      this.#finished = true;
      return;
    }
    this.#parser.write(this.#decode(result.value, false));
    this.#checkBuffers();
  }
}

/**
 * Reads an ODS XML file from disk (see {@link readOdsXml}).
 *
 * @example
 * for await (const item of readOdsXmlFile("HSCOrgRefData_Full_20260101.xml")) { … }
 */
export function readOdsXmlFile(path: string, options: ReadOdsXmlOptions = {}): OdsXmlIterator {
  return readOdsXml(createReadStream(path, { highWaterMark: 256 * 1024 }), options);
}
