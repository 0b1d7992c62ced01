import type { IncomingMessage, ServerResponse } from "node:http";

import type { FhirError } from "../fhir/errors.js";
import type { FhirBody, FhirResult } from "../fhir/request.js";
import { chooseEncoding, compress } from "./compress.js";
import { etagOf, httpDate, isNotModified } from "./conditional.js";
import { ERROR_TABLE } from "./error-table.js";
import { FHIR_JSON } from "./negotiate.js";
import type { WireFormat } from "./negotiate.js";
import { serialiseBody } from "./serialise.js";

/** How to write one response. */
export interface SendOptions {
  readonly format: WireFormat;
  readonly pretty: boolean;
  /** Bodies at least this large are compressed when the client accepts br or gzip. */
  readonly compressMinBytes: number;
}

const VARY = "Accept, Accept-Encoding";

/** The OperationOutcome for an error, with the issue code from the one table. */
export function outcomeOf(error: FhirError): fhir4.OperationOutcome {
  const issue: fhir4.OperationOutcomeIssue = {
    severity: error.code === "internal" ? "fatal" : "error",
    code: ERROR_TABLE[error.code].issue,
    diagnostics: error.message,
  };
  if (error.expression !== undefined) {
    issue.expression = [error.expression];
  }
  return { resourceType: "OperationOutcome", issue: [issue] };
}

async function writeBody(
  req: IncomingMessage,
  res: ServerResponse,
  payload: Buffer | string,
  options: SendOptions,
): Promise<void> {
  let data = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  res.setHeader("Vary", VARY);
  if (data.length >= options.compressMinBytes) {
    const encoding = chooseEncoding(req.headers["accept-encoding"]);
    if (encoding !== undefined) {
      data = await compress(data, encoding);
      res.setHeader("Content-Encoding", encoding);
    }
  }
  res.setHeader("Content-Length", data.length);
  if (req.method === "HEAD") {
    res.end();
  } else {
    res.end(data);
  }
}

/** Writes an error as an OperationOutcome (status and issue code from the one table). */
export async function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: FhirError,
  options: SendOptions,
): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = ERROR_TABLE[error.code].status;
  if (error.allow !== undefined) {
    res.setHeader("Allow", error.allow.join(", "));
  }
  // A 406/415 has no acceptable format by definition: answer FHIR JSON.
  const format = error.code === "not-acceptable" ? FHIR_JSON : options.format;
  res.setHeader("Content-Type", format.contentType);
  res.setHeader("Cache-Control", "no-store");
  const body: FhirBody = { kind: "resource", resource: outcomeOf(error), version: undefined };
  await writeBody(req, res, serialiseBody(body, format, options.pretty), { ...options, format });
}

/**
 * Writes a {@link FhirResult}: status, `Content-Type` with charset, `ETag: W/"<version>"`, an HTTP-date
 * `Last-Modified`, 304 (no body) for a matching conditional GET/HEAD, compression for large bodies.
 */
export async function sendResult(
  req: IncomingMessage,
  res: ServerResponse,
  result: FhirResult,
  options: SendOptions,
): Promise<void> {
  if (!result.ok) {
    await sendError(req, res, result.error, options);
    return;
  }
  const { body } = result;
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    res.setHeader(name, value);
  }
  if (body.version !== undefined) {
    res.setHeader("ETag", etagOf(body.version));
    const lastModified = httpDate(body.version.lastUpdated);
    if (lastModified !== undefined) {
      res.setHeader("Last-Modified", lastModified);
    }
    const conditional = {
      ifNoneMatch: req.headers["if-none-match"],
      ifModifiedSince: req.headers["if-modified-since"],
    };
    if ((req.method === "GET" || req.method === "HEAD") && isNotModified(conditional, body.version)) {
      res.statusCode = 304;
      res.setHeader("Vary", VARY);
      res.end();
      return;
    }
  }
  res.statusCode = 200;
  res.setHeader("Content-Type", options.format.contentType);
  await writeBody(req, res, serialiseBody(body, options.format, options.pretty), options);
}
