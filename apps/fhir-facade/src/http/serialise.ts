import { Fhir } from "fhir";

import type { FhirBody } from "../fhir/request.js";
import type { WireFormat } from "./negotiate.js";

let fhirJs: Fhir | undefined;

/** FHIR.js (the `fhir` package), created on first XML use: it loads the R4 definitions once. */
function converter(): Fhir {
  fhirJs ??= new Fhir();
  return fhirJs;
}

/** Converts a FHIR resource object to FHIR XML (FHIR.js `objToXml`). */
export function toXml(resource: unknown): string {
  return converter().objToXml(resource as object);
}

/** Parses FHIR XML into a resource object (FHIR.js `xmlToObj`). */
export function fromXml(text: string): unknown {
  return converter().xmlToObj(text);
}

/**
 * Serialises a body for the wire. Pre-serialised JSON is written as it is unless `_pretty` or XML asks for
 * more (the only case that parses it).
 */
export function serialiseBody(body: FhirBody, format: WireFormat, pretty: boolean): Buffer | string {
  if (format.format === "json") {
    if (body.kind === "raw") {
      return pretty ? JSON.stringify(JSON.parse(body.json.toString()), null, 2) : body.json;
    }
    return pretty ? JSON.stringify(body.resource, null, 2) : JSON.stringify(body.resource);
  }
  const resource: unknown = body.kind === "raw" ? JSON.parse(body.json.toString()) : body.resource;
  return toXml(resource);
}
