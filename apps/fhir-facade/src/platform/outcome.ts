import type { ServerResponse } from "node:http";

import { PLATFORM_ERRORS } from "./errors.js";
import type { PlatformError } from "./errors.js";

const FHIR_JSON = "application/fhir+json; charset=utf-8";

/** The OperationOutcome body for a platform error (R4 https://hl7.org/fhir/R4/operationoutcome.html). */
export function platformOutcome(err: PlatformError): fhir4.OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [{ severity: "error", code: PLATFORM_ERRORS[err.code].issue, diagnostics: err.message }],
  };
}

/**
 * Writes a platform error as an OperationOutcome with its status and headers. Works on a bare
 * `ServerResponse` (the limits run before Express parses anything); a no-op once headers are sent.
 */
export function sendPlatformError(res: ServerResponse, err: PlatformError): void {
  if (res.headersSent) {
    return;
  }
  const body = JSON.stringify(platformOutcome(err));
  res.statusCode = err.status;
  for (const [name, value] of Object.entries(err.headers)) {
    res.setHeader(name, value);
  }
  res.setHeader("Content-Type", FHIR_JSON);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.setHeader("Cache-Control", "no-store");
  res.end(res.req.method === "HEAD" ? undefined : body);
}
