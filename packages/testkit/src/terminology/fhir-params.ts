import { SaxesParser } from "saxes";

/**
 * Operation parameters as (name, value) pairs, whatever form the request used: query string (GET), form body,
 * or a FHIR `Parameters` resource in JSON or XML (POST). Complex values (Coding, CodeableConcept, resources) are
 * kept as JSON text; a `coding` is also unpacked into `system`/`code`/`version`/`display` when those are absent,
 * which is how Ontoserver treats `$lookup` and `$validate-code` with a Coding (FHIR R4 operations.html).
 */
export type OperationParams = readonly (readonly [string, string])[];

/** Why a request's parameters could not be read (answered with a 400 OperationOutcome by the fake). */
export class ParameterError extends Error {
  override readonly name = "ParameterError";
}

/** Reads the operation parameters of a request. `contentType` is the request's `Content-Type` header. */
export function readOperationParams(input: {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}): OperationParams {
  const pairs: [string, string][] = [];
  for (const [name, value] of input.query) {
    if (!name.startsWith("_")) {
      pairs.push([name, value]);
    }
  }
  if (input.method !== "POST" || input.body.length === 0) {
    return pairs;
  }
  const type = (input.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const text = input.body.toString("utf8");
  if (type === "application/x-www-form-urlencoded") {
    for (const [name, value] of new URLSearchParams(text)) {
      pairs.push([name, value]);
    }
  } else if (type === "application/fhir+json" || type === "application/json") {
    pairs.push(...fromJsonParameters(text));
  } else if (type === "application/fhir+xml" || type === "application/xml" || type === "text/xml") {
    pairs.push(...fromXmlParameters(text));
  } else {
    throw new ParameterError(`Unsupported Content-Type '${type}' for an operation request`);
  }
  return unpackCodings(pairs);
}

function fromJsonParameters(text: string): [string, string][] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ParameterError("The request body is not valid JSON");
  }
  if (!isRecord(doc) || doc.resourceType !== "Parameters") {
    throw new ParameterError("The request body must be a Parameters resource");
  }
  const list = Array.isArray(doc.parameter) ? (doc.parameter as unknown[]) : [];
  const pairs: [string, string][] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== "string") {
      throw new ParameterError("Each Parameters.parameter must have a name");
    }
    for (const [key, value] of Object.entries(item)) {
      if (key.startsWith("value")) {
        pairs.push([item.name, typeof value === "string" ? value : JSON.stringify(value)]);
      } else if (key === "resource") {
        pairs.push([item.name, JSON.stringify(value)]);
      }
    }
  }
  return pairs;
}

function fromXmlParameters(text: string): [string, string][] {
  const parser = new SaxesParser({ xmlns: false });
  const pairs: [string, string][] = [];
  const stack: string[] = [];
  let name: string | undefined;
  const seen = { root: false };
  parser.on("opentag", (tag) => {
    if (!seen.root) {
      seen.root = true;
      if (tag.name !== "Parameters") {
        throw new ParameterError("The request body must be a Parameters resource");
      }
    }
    stack.push(tag.name);
    const value = tag.attributes.value;
    // Only primitive parameters directly under Parameters.parameter are read; that is all the fake needs.
    if (stack.length === 3 && stack[1] === "parameter" && typeof value === "string") {
      if (tag.name === "name") {
        name = value;
      } else if (tag.name.startsWith("value") && name !== undefined) {
        pairs.push([name, value]);
      }
    }
  });
  parser.on("closetag", () => {
    if (stack.length === 2) {
      name = undefined;
    }
    stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof ParameterError) {
      throw err;
    }
    throw new ParameterError("The request body is not well-formed XML");
  }
  if (!seen.root) {
    throw new ParameterError("The request body is empty");
  }
  return pairs;
}

function unpackCodings(pairs: [string, string][]): [string, string][] {
  const names = new Set(pairs.map(([name]) => name));
  const coding = pairs.find(([name]) => name === "coding")?.[1];
  if (coding === undefined) {
    return pairs;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(coding);
  } catch {
    return pairs;
  }
  if (isRecord(parsed)) {
    for (const key of ["system", "code", "version", "display"]) {
      const value = parsed[key];
      if (typeof value === "string" && !names.has(key)) {
        pairs.push([key, value]);
      }
    }
  }
  return pairs;
}

/** The first value of a parameter. */
export function param(params: OperationParams, name: string): string | undefined {
  return params.find(([n]) => n === name)?.[1];
}

/** Every value of a repeating parameter. */
export function params(list: OperationParams, name: string): string[] {
  return list.filter(([n]) => n === name).map(([, v]) => v);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
