import type { IncomingMessage, ServerResponse } from "node:http";

import type { FhirEngine } from "../fhir/engine.js";
import { FhirError } from "../fhir/errors.js";
import type { FhirRequest } from "../fhir/request.js";
import { FHIR_JSON, negotiate } from "./negotiate.js";
import type { WireFormat } from "./negotiate.js";
import {
  baseUrlOf,
  isStrict,
  parseParams,
  readFormBody,
  readOperationBody,
  splitUrl,
} from "./request-parts.js";
import { sendError, sendResult } from "./send.js";

/** Options of {@link createFhirHandler}. */
export interface FhirHandlerOptions {
  readonly engine: FhirEngine;
  /** Where the handler is mounted (for base URLs built from Host), default `/fhir`. */
  readonly basePath?: string;
  /** The public base URL, when configured (wins over the Host header). */
  readonly publicBaseUrl?: string | undefined;
  /** Compress bodies of at least this many bytes (default 8 KiB). */
  readonly compressMinBytes?: number;
  /**
   * Requests this returns true for are passed on with `next()` (e.g. non-ODS CodeSystem, ValueSet and
   * ConceptMap requests for the terminology gateway mounted after this handler).
   */
  readonly delegate?: (request: FhirRequest) => boolean;
  /**
   * Mounted after the terminology gateway: answer only the `CodeSystem/$lookup` / `$validate-code` requests the
   * gateway declined as local (e.g. an ODS system named only in a POST body, which it leaves in `req.body`);
   * pass everything else on.
   */
  readonly onlyDeclinedByGateway?: boolean;
  /**
   * Told of every unexpected error (answered as a 500 `exception` OperationOutcome that says only "internal
   * error"), with its cause, so the operator's logs show what the client cannot.
   */
  readonly onInternalError?: (error: unknown) => void;
}

const OPERATIONS = new Set(["$lookup", "$validate-code"]);

/** Default compression threshold: single resources stay uncompressed, bundles and big pages get br/gzip. */
export const DEFAULT_COMPRESS_MIN_BYTES = 8192;

/** The first `_format` and `_pretty` values of a parameter list. */
function formatParams(params: readonly (readonly [string, string])[]): {
  format: string | undefined;
  pretty: boolean;
} {
  let format: string | undefined;
  let pretty = false;
  for (const [k, v] of params) {
    if (k === "_format" && format === undefined) {
      format = v;
    } else if (k === "_pretty") {
      pretty = v === "true";
    }
  }
  return { format, pretty };
}

/**
 * The handler for everything under the FHIR base (an Express middleware, or called at the node level by
 * `installBeforeExpress` with the base stripped from `req.url`): it only translates (HTTP → {@link FhirRequest} →
 * engine → HTTP). Mount it with `app.use("/fhir", handler)`.
 */
export function createFhirHandler(options: FhirHandlerOptions) {
  const basePath = options.basePath ?? "/fhir";
  const compressMinBytes = options.compressMinBytes ?? DEFAULT_COMPRESS_MIN_BYTES;
  return async (raw: IncomingMessage, out: ServerResponse, next: () => void): Promise<void> => {
    const method = raw.method ?? "GET";
    let wire: WireFormat = FHIR_JSON;
    let pretty = false;
    try {
      const { segments, query } = splitUrl(raw.url ?? "/");
      const operation =
        segments.length === 2 && segments[0] === "CodeSystem" && OPERATIONS.has(segments[1] ?? "");
      if (options.onlyDeclinedByGateway === true && !operation) {
        next();
        return;
      }
      let params = parseParams(query);
      const fp = formatParams(params);
      pretty = fp.pretty;
      wire = negotiate(raw.headers.accept, fp.format);
      const baseUrl = baseUrlOf(raw, options.publicBaseUrl, basePath);
      const prefer = raw.headers.prefer;
      const strict = isStrict(Array.isArray(prefer) ? prefer.join(",") : prefer);
      // Delegation is decided on the URL alone, before any body is read (the body stays for the delegate). A POSTed
      // operation naming its system only in the body goes to the gateway, which reads it and, when the system is
      // an ODS one, hands it back to the handler mounted after it (`onlyDeclinedByGateway`).
      if (
        options.onlyDeclinedByGateway !== true &&
        options.delegate?.({ method, segments, params, baseUrl, strict }) === true
      ) {
        next();
        return;
      }
      if (operation && method === "POST") {
        params = [...params, ...(await readOperationBody(raw))];
      } else if (method === "POST" && segments[1] === "_search") {
        params = [...params, ...(await readFormBody(raw))];
      }
      const request: FhirRequest = { method, segments, params, baseUrl, strict };
      const result = await options.engine.handle(request);
      if (!result.ok && result.error.code === "internal") {
        options.onInternalError?.(result.error.cause ?? result.error);
      }
      await sendResult(raw, out, result, { format: wire, pretty, compressMinBytes });
    } catch (err) {
      const error =
        err instanceof FhirError ? err : new FhirError("internal", "internal error", { cause: err });
      if (error.code === "internal") {
        options.onInternalError?.(error.cause ?? error);
      }
      await sendError(raw, out, error, { format: wire, pretty, compressMinBytes });
    }
  };
}
