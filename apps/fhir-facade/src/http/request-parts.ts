import type { IncomingMessage } from "node:http";

import { FhirError } from "../fhir/errors.js";
import { fromXml } from "./serialise.js";

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

/** The body a handler before this one already read (the terminology gateway leaves it as `req.body`). */
export function preReadBody(req: IncomingMessage): Buffer | undefined {
  const body = (req as IncomingMessage & { body?: unknown }).body;
  return Buffer.isBuffer(body) ? body : undefined;
}

/** Reads a body of at most MAX_FORM_BYTES; `what` names it in the error ("request body", "form body"). */
async function readRaw(req: IncomingMessage, what = "request body"): Promise<Buffer> {
  const length = req.headers["content-length"];
  if (length !== undefined && Number(length) > MAX_FORM_BYTES) {
    req.resume();
    throw new FhirError("too-long", `the ${what} is larger than ${MAX_FORM_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      throw new FhirError("too-long", `the ${what} is larger than ${MAX_FORM_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The input parameters of a `Parameters` resource as name/value pairs: primitive `value[x]` as text, and a
 * `valueCoding` (the `coding` input of $lookup / $validate-code) as its `system`, `code`, `version`, `display`.
 */
export function parametersToPairs(resource: unknown): [string, string][] {
  if (!isRecord(resource) || resource.resourceType !== "Parameters") {
    throw new FhirError("invalid-value", "the body is not a Parameters resource");
  }
  const out: [string, string][] = [];
  const items: unknown[] = Array.isArray(resource.parameter) ? (resource.parameter as unknown[]) : [];
  for (const item of items) {
    if (!isRecord(item) || typeof item.name !== "string") {
      throw new FhirError("invalid-value", "a Parameters.parameter has no name");
    }
    for (const [key, value] of Object.entries(item)) {
      if (!key.startsWith("value")) {
        continue;
      }
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        out.push([item.name, String(value)]);
      } else if (key === "valueCoding" && isRecord(value)) {
        for (const part of ["system", "code", "version", "display"]) {
          const v = value[part];
          if (typeof v === "string") {
            out.push([part, v]);
          }
        }
      } else {
        throw new FhirError(
          "not-supported",
          `Parameters.parameter ${item.name}: ${key} is not supported here`,
        );
      }
    }
  }
  return out;
}

/**
 * Reads the body of a POSTed operation (`CodeSystem/$lookup`, `$validate-code`; R4 operations.html#request):
 * a form, or a `Parameters` resource in FHIR JSON or XML — also when the terminology gateway already read it
 * (`req.body`). 415 for anything else, at most {@link MAX_FORM_BYTES}.
 */
export async function readOperationBody(req: IncomingMessage): Promise<[string, string][]> {
  const contentType = req.headers["content-type"];
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const pre = preReadBody(req);
  if (mime === "application/x-www-form-urlencoded" || (pre === undefined && mime === "")) {
    if (pre !== undefined) {
      return parseParams(pre.toString("utf8").trim());
    }
    return readFormBody(req);
  }
  const json = ["application/fhir+json", "application/json", "application/json+fhir"].includes(mime);
  const xml = ["application/fhir+xml", "application/xml", "text/xml", "application/xml+fhir"].includes(mime);
  if (!json && !xml) {
    req.resume();
    throw new FhirError(
      "unsupported-media-type",
      `POST an operation as a form or a Parameters resource (application/fhir+json or application/fhir+xml), not ${mime === "" ? "an unlabelled body" : mime}`,
    );
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(pre ?? (await readRaw(req)));
  let resource: unknown;
  try {
    resource = json ? JSON.parse(text) : fromXml(text);
  } catch (err) {
    throw new FhirError("invalid-value", `the body is not valid FHIR ${json ? "JSON" : "XML"}`, {
      cause: err,
    });
  }
  return parametersToPairs(resource);
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
  const text = new TextDecoder("utf-8", { fatal: false }).decode(await readRaw(req, "form body"));
  return parseParams(text.trim());
}
