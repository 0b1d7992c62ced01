import { createHash } from "node:crypto";
import { Readable } from "node:stream";

import { FakeServer } from "../http/fake-server.js";
import { registerTestSecret } from "../secrets.js";
import type { FakeRequest, FakeResponse } from "../http/fake-server.js";
import { contentRange, contentSize } from "./content.js";
import type { FakeTrudContent } from "./content.js";
import { jacksonPretty } from "./jackson.js";
import {
  NO_PUBLIC_KEY,
  TRUD_PUBLIC_KEY_FILE_NAME,
  buildSupportFiles,
  releaseMetadata,
} from "./release-files.js";
import type { FakeTrudRelease, FakeTrudSigner, SupportFiles } from "./release-files.js";

/** The key the fake accepts by default: 40 lower-case hex characters, like every real key seen. */
export const FAKE_TRUD_API_KEY = registerTestSecret("5ec2e7ba11fa4e0c0ffee5eedf00dcafe1234567");
/** A key the fake knows but treats as disabled (401), e.g. after the account's password changed. */
export const FAKE_TRUD_DISABLED_KEY = registerTestSecret("d15ab1edd15ab1edd15ab1edd15ab1edd15ab1ed");

/** The exact 401 message a live test with an expired key observed (upstream-trud.md §1.5). */
const DISABLED_MESSAGE = "UNAUTHORIZED: API access is disabled for the requesting account.";

/** A release to serve. Only `id`, `releaseDate` and `content` are required. */
export interface FakeTrudReleaseInit {
  readonly id: string;
  /** Default: `Release <id>`. */
  readonly name?: string;
  /** `YYYY-MM-DD`. */
  readonly releaseDate: string;
  /** Default: the id. May contain spaces (TRUD item 119 does). */
  readonly archiveFileName?: string;
  readonly content: FakeTrudContent;
  /** ISO timestamp with milliseconds; a later one with the same id is a reissue. Default: releaseDate 07:00Z. */
  readonly lastModified?: string;
  /** Folder under `/content/` (default `items/<item>`); old releases use `ODS/<ver>/HSCORGREFDATAXML_DATA`. */
  readonly contentDir?: string;
  /** Metadata fields to replace (to lie about the size or hash, or send hostile values). */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Metadata fields to leave out. */
  readonly omit?: readonly string[];
  /** Serve the overridden metadata as is, without hashing the content (the recorded item-341 list). */
  readonly verbatim?: boolean;
}

/** One item and its releases, newest first (TRUD's order). */
export interface FakeTrudItemInit {
  readonly item: number;
  readonly releases: readonly FakeTrudReleaseInit[];
  /** Keys subscribed to this item (default: every valid key). Others get 404, as if not subscribed. */
  readonly subscribers?: readonly string[];
}

/** Options for {@link FakeTrud}. */
export interface FakeTrudOptions {
  readonly items?: readonly FakeTrudItemInit[];
  /** Known keys and their state (default: {@link FAKE_TRUD_API_KEY} valid, {@link FAKE_TRUD_DISABLED_KEY} disabled). */
  readonly keys?: Readonly<Record<string, "valid" | "disabled">>;
  /** Signs checksum files (default: unsigned placeholders that never verify). */
  readonly signer?: FakeTrudSigner;
}

interface ItemState {
  readonly item: number;
  releases: FakeTrudRelease[];
  readonly subscribers: readonly string[] | undefined;
}

type FileKind = "archive" | "checksum" | "signature";

/**
 * A fake of the NHS TRUD API (upstream-trud.md §1) on a {@link FakeServer}:
 * - `GET /trud/api/v1/keys/{key}/items/{item}/releases[?latest]`: the release list, printed like TRUD's
 *   (Jackson pretty print, 20 fields per release in TRUD's order, newest first; `?latest` = one element);
 * - `GET /download/api/v1/keys/{key}/content/...`: archives, FCIV checksum XML, signatures and the public key,
 *   under URLs that carry the key (raw spaces in names are published as is, like TRUD);
 * - `Range` / `If-Range` on downloads (206, 416), unless {@link FakeTrud.ignoreRange} is set;
 * - the real errors: 400 unknown key, 401 disabled key, 404 unknown or unsubscribed item, with TRUD's
 *   envelope (`apiVersion`, `httpStatus`, `message`) and messages that echo the key as the real 404 does.
 *   Only the 401 text is known verbatim; the 400/404 wording follows the clients quoted in the doc.
 *
 * Fault injection: `fake.faults` (the FakeServer's), per route (`/trud/` or `/download/`), plus
 * {@link FakeTrud.stallDownloads} (send some bytes, then go silent) for idle-timeout tests.
 *
 * @example
 * const trud = new FakeTrud({ items: [{ item: 341, releases: [{ id: "a.zip", releaseDate: "2026-07-31", content: { size: 1024 } }] }] });
 * const base = await trud.start(); // pass `base` as the client's TRUD base URL
 */
export class FakeTrud {
  readonly server = new FakeServer();
  /** Serve every download whole (200), ignoring `Range`, like a server or proxy without range support. */
  ignoreRange = false;
  /** Send downloads with chunked transfer encoding (no `Content-Length`). */
  chunked = false;
  /** Archive bytes sent so far (all downloads), for "nothing was transferred" assertions. */
  archiveBytesServed = 0;
  readonly #items = new Map<number, ItemState>();
  readonly #keys = new Map<string, "valid" | "disabled">();
  readonly #signer: FakeTrudSigner | undefined;
  readonly #support = new WeakMap<FakeTrudRelease, Promise<SupportFiles>>();
  #stall: { afterBytes: number; remaining: number } | undefined;

  constructor(options: FakeTrudOptions = {}) {
    const keys = options.keys ?? {
      [FAKE_TRUD_API_KEY]: "valid",
      [FAKE_TRUD_DISABLED_KEY]: "disabled",
    };
    for (const [key, state] of Object.entries(keys)) {
      this.#keys.set(key, state);
    }
    this.#signer = options.signer;
    for (const item of options.items ?? []) {
      this.setItem(item);
    }
    this.server
      .route("GET", "/trud/api/v1/keys/:key/items/:item/releases", (req) => this.#list(req))
      .route("GET", "/download/api/v1/keys/:key/content/*", (req) => this.#download(req));
  }

  /** The FakeServer's fault injector (rules match path prefixes such as `/download/` or `/trud/`). */
  get faults(): FakeServer["faults"] {
    return this.server.faults;
  }

  /** The base URL (`http://127.0.0.1:PORT`): the TRUD client's base URL. */
  get url(): string {
    return this.server.url;
  }

  /** Starts on 127.0.0.1 and returns the base URL. */
  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  /** Stops the server and every open connection. */
  close(): Promise<void> {
    return this.server.close();
  }

  /** Adds or replaces an item. */
  setItem(init: FakeTrudItemInit): void {
    this.#items.set(init.item, {
      item: init.item,
      releases: init.releases.map((r) => toRelease(init.item, r)),
      subscribers: init.subscribers,
    });
  }

  /** Publishes a new release of an item (it becomes the latest). */
  addRelease(item: number, init: FakeTrudReleaseInit): void {
    this.#itemState(item).releases.unshift(toRelease(item, init));
  }

  /**
   * Reissues a release: same id, name and file name, new content and a later last-modified timestamp, in
   * place in the list (upstream-trud.md §1.8).
   */
  reissue(
    item: number,
    id: string,
    change: { readonly content: FakeTrudContent; readonly lastModified: string },
  ): void {
    const state = this.#itemState(item);
    const index = state.releases.findIndex((r) => r.id === id);
    const old = state.releases[index];
    if (old === undefined) {
      throw new Error(`fake TRUD: item ${item} has no release ${id}`);
    }
    state.releases[index] = { ...old, content: change.content, lastModified: change.lastModified };
  }

  /** Sets a key's state (`"valid"`, `"disabled"`) or forgets it (`undefined`: 400 from then on). */
  setKey(key: string, state: "valid" | "disabled" | undefined): void {
    if (state === undefined) {
      this.#keys.delete(key);
    } else {
      this.#keys.set(key, state);
    }
  }

  /** The next `times` archive downloads send `afterBytes` bytes, then nothing more (the connection stays open). */
  stallDownloads(afterBytes: number, times = 1): void {
    this.#stall = { afterBytes, remaining: times };
  }

  /** The list URL for a key and item, as a client would build it from its base URL. */
  listUrl(key: string, item: number, latest = false): string {
    return `${this.url}/trud/api/v1/keys/${key}/items/${item}/releases${latest ? "?latest" : ""}`;
  }

  /** Renders an item's release list as TRUD would for `key`, with URLs on `origin` (exported for tests). */
  async renderList(
    item: number,
    options: { readonly key: string; readonly origin?: string; readonly latest?: boolean },
  ): Promise<string> {
    const state = this.#itemState(item);
    const contentBase = `${options.origin ?? this.url}/download/api/v1/keys/${options.key}/content`;
    const releases = options.latest ? state.releases.slice(0, 1) : state.releases;
    const objects = await Promise.all(
      releases.map(async (r) => releaseMetadata(r, await this.#files(r), contentBase)),
    );
    return jacksonPretty({ apiVersion: "1", releases: objects, httpStatus: 200, message: "OK" });
  }

  #itemState(item: number): ItemState {
    const state = this.#items.get(item);
    if (state === undefined) {
      throw new Error(`fake TRUD: no item ${item}`);
    }
    return state;
  }

  #files(release: FakeTrudRelease): Promise<SupportFiles> {
    let files = this.#support.get(release);
    if (files === undefined) {
      files = release.verbatim
        ? Promise.resolve({
            checksumXml: Buffer.alloc(0),
            signature: Buffer.alloc(0),
            publicKey: Buffer.alloc(0),
            sha256: "",
          })
        : buildSupportFiles(release, this.#signer);
      this.#support.set(release, files);
    }
    return files;
  }

  /** Checks a key and (optionally) its subscription to an item; returns an error response or undefined. */
  #authorise(key: string, item: number | undefined): FakeResponse | undefined {
    const state = this.#keys.get(key);
    if (state === undefined) {
      return trudError(400, `BAD REQUEST: Invalid API key ${key}.`);
    }
    if (state === "disabled") {
      return trudError(401, DISABLED_MESSAGE);
    }
    if (item !== undefined) {
      const itemState = this.#items.get(item);
      if (itemState === undefined || (itemState.subscribers && !itemState.subscribers.includes(key))) {
        return trudError(404, `NOT FOUND: No releases found for API key ${key}, item ${item}.`);
      }
    }
    return undefined;
  }

  async #list(req: FakeRequest): Promise<FakeResponse> {
    const key = req.params.key ?? "";
    const itemText = req.params.item ?? "";
    const item = /^\d{1,9}$/.test(itemText) ? Number(itemText) : undefined;
    const denied = this.#authorise(key, item ?? -1);
    if (denied) {
      return item === undefined && denied.status === 404
        ? trudError(404, `NOT FOUND: No releases found for API key ${key}, item ${itemText}.`)
        : denied;
    }
    const body = await this.renderList(item ?? -1, {
      key,
      latest: req.url.searchParams.has("latest"),
    });
    return { status: 200, headers: { "content-type": "application/json" }, body };
  }

  async #download(req: FakeRequest): Promise<FakeResponse> {
    const key = req.params.key ?? "";
    const path = req.params["*"] ?? "";
    const denied = this.#authorise(key, undefined);
    if (denied) {
      return denied;
    }
    if (path === `public-keys/${TRUD_PUBLIC_KEY_FILE_NAME}`) {
      const signerKey = this.#signer ? Buffer.from(this.#signer.publicKeyArmored) : NO_PUBLIC_KEY;
      return this.#serve(req, {
        bytes: signerKey,
        etag: "public-key",
        lastModified: "2013-04-01T00:00:00.000Z",
      });
    }
    const found = this.#findFile(path);
    if (found === undefined) {
      return trudError(404, `NOT FOUND: No file ${path} for API key ${key}.`);
    }
    const { release, kind, item } = found;
    const subscribed = this.#authorise(key, item);
    if (subscribed) {
      return subscribed;
    }
    const etag = createHash("sha256")
      .update(`${release.id}\u0000${release.lastModified}\u0000${contentSize(release.content)}`)
      .digest("hex")
      .slice(0, 32);
    if (kind === "archive") {
      return this.#serve(req, { content: release.content, etag, lastModified: release.lastModified });
    }
    const files = await this.#files(release);
    const bytes = kind === "checksum" ? files.checksumXml : files.signature;
    return this.#serve(req, { bytes, etag: `${etag}-${kind}`, lastModified: release.lastModified });
  }

  #findFile(path: string): { release: FakeTrudRelease; kind: FileKind; item: number } | undefined {
    for (const state of this.#items.values()) {
      for (const release of state.releases) {
        const dir = `${release.contentDir}/`;
        if (!path.startsWith(dir)) {
          continue;
        }
        const name = path.slice(dir.length);
        const base = release.archiveFileName.replace(/\.zip$/i, "");
        if (name === release.archiveFileName) {
          return { release, kind: "archive", item: state.item };
        }
        if (name === `trud_${base}.xml`) {
          return { release, kind: "checksum", item: state.item };
        }
        if (name === `trud_${base}.xml.asc`) {
          return { release, kind: "signature", item: state.item };
        }
      }
    }
    return undefined;
  }

  #serve(
    req: FakeRequest,
    file: {
      readonly content?: FakeTrudContent;
      readonly bytes?: Buffer;
      readonly etag: string;
      readonly lastModified: string;
    },
  ): FakeResponse {
    const content: FakeTrudContent = file.content ?? file.bytes ?? Buffer.alloc(0);
    const size = contentSize(content);
    const etag = `"${file.etag}"`;
    const lastModified = new Date(file.lastModified).toUTCString();
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      etag,
      "last-modified": lastModified,
    };
    if (!this.ignoreRange) {
      headers["accept-ranges"] = "bytes";
    }
    let start = 0;
    let end = size;
    let status = 200;
    const range = this.ignoreRange ? undefined : parseRange(req.headers.range, size);
    const ifRange = req.headers["if-range"];
    const rangeApplies = ifRange === undefined || ifRange === etag || ifRange === lastModified;
    if (range === "unsatisfiable" && rangeApplies) {
      return { status: 416, headers: { "content-range": `bytes */${size}` }, body: "" };
    }
    if (range !== undefined && range !== "unsatisfiable" && rangeApplies) {
      status = 206;
      [start, end] = range;
      headers["content-range"] = `bytes ${start}-${end - 1}/${size}`;
    }
    const isArchive = file.content !== undefined;
    let body = contentRange(content, start, end);
    if (isArchive) {
      body = this.#meter(body);
    }
    if (this.chunked) {
      return { status, headers, body: Buffer.isBuffer(body) ? Readable.from([body]) : body };
    }
    headers["content-length"] = end - start;
    return { status, headers, body };
  }

  /** Counts archive bytes served, and applies a pending stall. */
  #meter(body: Buffer | Readable): Buffer | Readable {
    const stall = this.#stall && this.#stall.remaining > 0 ? this.#stall : undefined;
    if (stall) {
      stall.remaining -= 1;
    }
    if (Buffer.isBuffer(body) && !stall) {
      this.archiveBytesServed += body.length;
      return body;
    }
    const source: AsyncIterable<Buffer> | Iterable<Buffer> = Buffer.isBuffer(body)
      ? [body]
      : (body as AsyncIterable<Buffer>);
    const metered = async function* (this: FakeTrud): AsyncGenerator<Buffer> {
      let sent = 0;
      for await (const chunk of source) {
        if (stall && sent + chunk.length >= stall.afterBytes) {
          const part = chunk.subarray(0, stall.afterBytes - sent);
          this.archiveBytesServed += part.length;
          yield part;
          await new Promise(() => undefined); // go silent; close() destroys the socket
        }
        sent += chunk.length;
        this.archiveBytesServed += chunk.length;
        yield chunk;
      }
    }.call(this);
    return Readable.from(metered, { objectMode: false });
  }
}

function toRelease(item: number, init: FakeTrudReleaseInit): FakeTrudRelease {
  return {
    id: init.id,
    name: init.name ?? `Release ${init.id}`,
    releaseDate: init.releaseDate,
    archiveFileName: init.archiveFileName ?? init.id,
    content: init.content,
    lastModified: init.lastModified ?? `${init.releaseDate}T07:00:00.000Z`,
    contentDir: init.contentDir ?? `items/${item}`,
    overrides: init.overrides ?? {},
    omit: init.omit ?? [],
    verbatim: init.verbatim ?? false,
  };
}

/** TRUD's error envelope (upstream-trud.md §1.5: clients read `httpStatus` and `message`). */
function trudError(status: number, message: string): FakeResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: jacksonPretty({ apiVersion: "1", httpStatus: status, message }),
  };
}

/** Parses a single-range `Range: bytes=a-b | a- | -n` header; multiple ranges are ignored (200). */
function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | "unsatisfiable" | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) {
    return undefined;
  }
  const [, from = "", to = ""] = match;
  if (from === "" && to === "") {
    return undefined;
  }
  if (from === "") {
    const suffix = Math.min(Number(to), size);
    return suffix === 0 ? "unsatisfiable" : [size - suffix, size];
  }
  const start = Number(from);
  const end = to === "" ? size : Math.min(Number(to) + 1, size);
  if (start >= size || end <= start) {
    return "unsatisfiable";
  }
  return [start, end];
}
