import type { IncomingMessage, ServerResponse } from "node:http";

import type { OdsRepository, ReadResult, StoredResource } from "../fhir/repository.js";
import { etagOf, httpDate, isNotModified } from "./conditional.js";
import { negotiate } from "./negotiate.js";
import type { WireFormat } from "./negotiate.js";

/** Options of {@link createFastRead}. */
export interface FastReadOptions {
  readonly repository: OdsRepository;
  /** The FHIR base path, default `/fhir`. */
  readonly basePath?: string;
  /** Bodies this large go through the full path (which compresses them). */
  readonly compressMinBytes: number;
}

/** `(req, res, fallback)`: answers the request, or calls `fallback()` for the full Express path. */
export type FastRead = (req: IncomingMessage, res: ServerResponse, fallback: () => void) => void;

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const VARY = "Accept, Accept-Encoding";

/**
 * The Organization read hot path (architecture.md "The read path does no avoidable work"): for
 * `GET|HEAD [base]/Organization/[id]` with no query and a JSON Accept, look up the pre-serialised bytes, set
 * headers, write — no JSON work, no Express. Anything else (XML, parameters, errors, 404/410, read-through,
 * large bodies) falls back to the full path, which produces identical headers.
 */
export function createFastRead(options: FastReadOptions): FastRead {
  const prefix = `${options.basePath ?? "/fhir"}/Organization/`;
  const formats = new Map<string, WireFormat | null>();
  const formatFor = (accept: string | undefined): WireFormat | null => {
    const key = accept ?? "";
    let wire = formats.get(key);
    if (wire === undefined) {
      try {
        wire = negotiate(accept, undefined);
        if (wire.format !== "json") {
          wire = null;
        }
      } catch {
        wire = null;
      }
      if (formats.size < 256) {
        formats.set(key, wire);
      }
    }
    return wire;
  };

  const write = (
    req: IncomingMessage,
    res: ServerResponse,
    stored: StoredResource,
    wire: WireFormat,
  ): void => {
    const version = { versionId: stored.versionId, lastUpdated: stored.lastUpdated };
    const lastModified = httpDate(stored.lastUpdated);
    const etag = etagOf(version);
    const conditional = {
      ifNoneMatch: req.headers["if-none-match"],
      ifModifiedSince: req.headers["if-modified-since"],
    };
    // As the full path (send.ts): no Last-Modified when the instant is not a date.
    const dated = lastModified === undefined ? {} : { "Last-Modified": lastModified };
    if (isNotModified(conditional, version)) {
      res.writeHead(304, { ETag: etag, ...dated, Vary: VARY });
      res.end();
      return;
    }
    res.writeHead(200, {
      "Content-Type": wire.contentType,
      "Content-Length": stored.json.length,
      ETag: etag,
      ...dated,
      Vary: VARY,
    });
    if (req.method === "HEAD") {
      res.end();
    } else {
      res.end(stored.json);
    }
  };

  return (req, res, fallback) => {
    const url = req.url ?? "";
    if ((req.method !== "GET" && req.method !== "HEAD") || !url.startsWith(prefix)) {
      fallback();
      return;
    }
    const id = url.slice(prefix.length);
    if (!ID_RE.test(id)) {
      fallback();
      return;
    }
    const wire = formatFor(req.headers.accept);
    if (wire === null) {
      fallback();
      return;
    }
    const handle = (result: ReadResult): void => {
      if (result.status !== "found" || result.resource.json.length >= options.compressMinBytes) {
        fallback();
        return;
      }
      write(req, res, result.resource, wire);
    };
    let result: ReadResult | Promise<ReadResult>;
    try {
      result = options.repository.read("Organization", id);
    } catch {
      fallback();
      return;
    }
    if (result instanceof Promise) {
      result.then(handle, () => {
        fallback();
      });
    } else {
      handle(result);
    }
  };
}

type NodeHandle = (req: IncomingMessage, res: ServerResponse, callback?: unknown) => void;

/** A handler mounted under a base path (`req.url` below the mount), calling `next()` to decline. */
export type MountedHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => unknown;

/** What {@link installBeforeExpress} answers before Express. */
export interface BeforeExpress {
  /** The Organization read hot path (omitted = off). */
  readonly fastRead?: FastRead | undefined;
  /**
   * The FHIR handler and its base path: requests under the base go to it with the base stripped from `req.url`
   * (as `app.use(basePath, handler)` would), and to Express only when it declines (delegation).
   */
  readonly fhir?: { readonly basePath: string; readonly handler: MountedHandler } | undefined;
}

/**
 * Answers requests at the node level, before Express sets up its request objects, so the FHIR API pays nothing
 * for Express: first the read hot path, then the FHIR handler for everything under its base; anything else (and
 * what they decline) goes to the Express app unchanged. Only for apps without middleware that must see every
 * request (auth, limits): with the platform installed both are mounted inside Express instead.
 */
export function installBeforeExpress(app: object, before: BeforeExpress): void {
  const original = Reflect.get(app, "handle") as NodeHandle;
  const express = (req: IncomingMessage, res: ServerResponse, callback: unknown): void => {
    original.call(app, req, res, callback);
  };
  const fhir = before.fhir;
  const base = fhir?.basePath;
  const afterFastRead: NodeHandle = (req, res, callback) => {
    const url = req.url ?? "";
    if (
      fhir === undefined ||
      base === undefined ||
      !url.startsWith(base) ||
      (url.length > base.length && url[base.length] !== "/" && url[base.length] !== "?")
    ) {
      express(req, res, callback);
      return;
    }
    const rest = url.slice(base.length);
    req.url = rest.startsWith("/") ? rest : `/${rest}`;
    const declined = (): void => {
      req.url = url;
      express(req, res, callback);
    };
    const done = fhir.handler(req, res, declined);
    if (done instanceof Promise) {
      done.catch(() => {
        if (!res.headersSent) {
          res.statusCode = 500;
        }
        res.end();
      });
    }
  };
  const fastRead = before.fastRead;
  const handle: NodeHandle =
    fastRead === undefined
      ? afterFastRead
      : (req, res, callback) => {
          fastRead(req, res, () => {
            afterFastRead(req, res, callback);
          });
        };
  Reflect.set(app, "handle", handle);
}
