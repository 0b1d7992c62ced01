import type { IncomingMessage } from "node:http";

import { FhirError } from "../fhir/errors.js";

/** Longest query string accepted (the rest of the head is limited by the server's maxHeaderSize). */
export const MAX_QUERY_LENGTH = 8192;
/** Largest form body accepted on POST [type]/_search. */
export const MAX_FORM_BYTES = 65_536;

/** Parses a query string or form body into ordered, decoded pairs (`+` = space, per the form encoding). */
export function parseParams(query: string): [string, string][] {
  if (query === "") {
    return [];
  }
  return [...new URLSearchParams(query)];
}

/** Splits a URL below the mount point into decoded path segments and the raw query. */
export function splitUrl(url: string): { segments: string[]; query: string } {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q + 1);
  if (query.length > MAX_QUERY_LENGTH) {
    throw new FhirError("too-long", `the query string is longer than ${MAX_QUERY_LENGTH} characters`);
  }
  const segments = path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch (err) {
        throw new FhirError("invalid-value", "the path is not valid percent-encoding", { cause: err });
      }
    });
  return { segments, query };
}

/** `Prefer: handling=strict` (R4 search.html#errors); anything else is lenient. */
export function isStrict(prefer: string | undefined): boolean {
  if (prefer === undefined) {
    return false;
  }
  return prefer
    .toLowerCase()
    .split(/[,;]/)
    .some((p) => p.replace(/\s+/g, "") === "handling=strict");
}

/** The absolute FHIR base URL: the configured public one, else from the Host header (validated). */
export function baseUrlOf(req: IncomingMessage, configured: string | undefined, basePath: string): string {
  if (configured !== undefined) {
    return configured.replace(/\/+$/, "");
  }
  const host = req.headers.host;
  const safeHost =
    host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
      ? host
      : "localhost";
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  return `${encrypted ? "https" : "http"}://${safeHost}${basePath}`;
}

/**
 * Reads a POST `_search` body: `application/x-www-form-urlencoded` only (415 otherwise, R4 http.html#search),
 * at most {@link MAX_FORM_BYTES}, UTF-8.
 */
export async function readFormBody(req: IncomingMessage): Promise<[string, string][]> {
  const contentType = req.headers["content-type"];
  const length = req.headers["content-length"];
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (contentType === undefined && (length === undefined || length === "0") && !chunked) {
    return [];
  }
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (mime !== "application/x-www-form-urlencoded") {
    req.resume();
    throw new FhirError(
      "unsupported-media-type",
      `POST _search takes application/x-www-form-urlencoded, not ${mime === "" || mime === undefined ? "an unlabelled body" : mime}`,
    );
  }
  if (length !== undefined && Number(length) > MAX_FORM_BYTES) {
    req.resume();
    throw new FhirError("too-long", `the form body is larger than ${MAX_FORM_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      throw new FhirError("too-long", `the form body is larger than ${MAX_FORM_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  return parseParams(text.trim());
}
