import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

import { FakeServer } from "../http/fake-server.js";
import { registerTestSecret } from "../secrets.js";
import type { FakeRequest, FakeResponse } from "../http/fake-server.js";
import { fakeCapabilityStatement, fakeTerminologyCapabilities } from "./fake-capabilities.js";
import { ParameterError, readOperationParams } from "./fhir-params.js";
import { toFhirXml, wantsXml } from "./fhir-xml.js";
import { loadDefaultTerminologyContent } from "./terminology-content.js";
import type { TerminologyContent } from "./terminology-content.js";
import { expand, lookup, outcome, subsumes, translate, validateCode } from "./terminology-operations.js";
import type { OperationResult } from "./terminology-operations.js";
import { resourcesOf, search, withMeta } from "./terminology-resources.js";
import type { TerminologyResourceType } from "./terminology-resources.js";
import { addKeycloakTokenEndpoint, addNhsApiPlatformTokenEndpoint } from "./token-endpoints.js";
import type { KeycloakClient, NhsApiPlatformClient, TokenEndpoint } from "./token-endpoints.js";
import { replayKey } from "./tx-ecosystem-replay.js";
import type { TxReplayCase } from "./tx-ecosystem-replay.js";

/** The FHIR base path of NHS England's Production 1 server (`https://ontology.nhs.uk/production1/fhir`). */
export const TERMINOLOGY_FHIR_PATH = "/production1/fhir";

/** Options of {@link startFakeTerminologyServer}. */
export interface FakeTerminologyServerOptions {
  /** Keycloak clients (default: one client `facade` with a random secret, see `credentials`). */
  readonly keycloakClients?: readonly KeycloakClient[];
  /** NHS API Platform applications (default: one `facade-api-key` with a fresh RSA key, see `credentials`). */
  readonly nhsClients?: readonly NhsApiPlatformClient[];
  /** Access-token lifetime in seconds for both endpoints (defaults: Keycloak 300, NHS 599). */
  readonly tokenExpiresIn?: number;
  /** Milliseconds since the epoch, for token expiry (default `Date.now`). */
  readonly clock?: () => number;
  /** Whether the FHIR base needs a valid bearer token (default true; `/metadata` is always open, as Ontoserver). */
  readonly requireAuth?: boolean;
  /** What the server knows (default: the fixtures under `fixtures/terminology/`). */
  readonly content?: TerminologyContent;
  /** The content/index version in the ETag (`W/"<n>"`; default the recorded 1667879415644). */
  readonly contentVersion?: number;
  /** HL7 tx-ecosystem cases to replay: a POST matching a case's path, body and Accept-Language gets its response. */
  readonly replay?: readonly TxReplayCase[];
  /** The FHIR base path (default {@link TERMINOLOGY_FHIR_PATH}). */
  readonly fhirPath?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
}

/** The credentials of the default clients, for wiring a token client to the fake. */
export interface FakeTerminologyCredentials {
  readonly keycloak: { readonly clientId: string; readonly clientSecret: string };
  readonly nhs: { readonly clientId: string; readonly kid: string; readonly privateKeyPem: string };
}

/** A running fake NHS England Terminology Server (see {@link startFakeTerminologyServer}). */
export interface FakeTerminologyServer {
  /** The origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The FHIR base, `http://127.0.0.1:PORT/production1/fhir`. */
  readonly fhirBase: string;
  readonly keycloakTokenUrl: string;
  readonly nhsTokenUrl: string;
  readonly credentials: FakeTerminologyCredentials;
  readonly keycloak: TokenEndpoint;
  readonly nhs: TokenEndpoint;
  /** The underlying server: its `faults` inject failures per path, its `requests` log every request. */
  readonly server: FakeServer;
  /** Token requests on both endpoints. */
  readonly tokenRequests: number;
  /** Requests that reached the FHIR base (including refused and faulted ones). */
  readonly fhirRequests: number;
  /** Changes the content version (the ETag every answer carries), as a new index load does. */
  setContentVersion(version: number): void;
  close(): Promise<void>;
}

const OPERATIONS: Readonly<Record<TerminologyResourceType, readonly string[]>> = {
  CodeSystem: ["$lookup", "$validate-code", "$subsumes"],
  ValueSet: ["$expand", "$validate-code"],
  ConceptMap: ["$translate"],
};
const TYPES = new Set<string>(["CodeSystem", "ValueSet", "ConceptMap"]);

/**
 * Starts a fake NHS England Terminology Server on 127.0.0.1: the Keycloak realm token endpoint, an NHS API
 * Platform token endpoint, and an Ontoserver-like FHIR R4 base that requires a valid bearer token. It answers
 * CodeSystem/ValueSet/ConceptMap read, vread and search, and `$lookup`, `$validate-code`, `$subsumes`, `$expand`,
 * `$translate` (GET, POST form, POST Parameters in JSON or XML) from recorded Ontoserver responses and the HL7
 * test code systems, with Ontoserver's headers: weak `ETag` (a content version), `Cache-Control: max-age=1`,
 * `Vary`, `X-Request-Id`, 304 on `If-None-Match`; its own absolute base inside Bundles and capability statements.
 *
 * @example
 * ```ts
 * const tx = await startFakeTerminologyServer();
 * // token: POST tx.keycloakTokenUrl with tx.credentials.keycloak; then GET `${tx.fhirBase}/CodeSystem/$lookup?...`
 * tx.server.faults.add({ path: "/production1/fhir/CodeSystem/$lookup", fault: { kind: "status", status: 503 } });
 * await tx.close();
 * ```
 */
export async function startFakeTerminologyServer(
  options: FakeTerminologyServerOptions = {},
): Promise<FakeTerminologyServer> {
  const server = new FakeServer();
  const fhirPath = options.fhirPath ?? TERMINOLOGY_FHIR_PATH;
  const content = options.content ?? loadDefaultTerminologyContent();
  const clock = options.clock ?? Date.now;
  let contentVersion = options.contentVersion ?? 1667879415644;

  const secret = registerTestSecret(randomBytes(18).toString("base64url"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const credentials: FakeTerminologyCredentials = {
    keycloak: { clientId: "facade", clientSecret: secret },
    nhs: {
      clientId: "facade-api-key",
      kid: "facade-kid-1",
      privateKeyPem: registerTestSecret(privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
    },
  };
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const expiry = options.tokenExpiresIn === undefined ? {} : { expiresIn: options.tokenExpiresIn };
  const keycloak = addKeycloakTokenEndpoint(server, {
    clients: options.keycloakClients ?? [credentials.keycloak],
    clock,
    ...expiry,
  });
  const nhs = addNhsApiPlatformTokenEndpoint(server, {
    clients: options.nhsClients ?? [
      { clientId: credentials.nhs.clientId, kid: credentials.nhs.kid, publicKeyPem },
    ],
    clock,
    ...expiry,
  });

  const replay = new Map<string, TxReplayCase>();
  for (const c of options.replay ?? []) {
    const key = replayKey(c.path, c.requestBody, c.acceptLanguage);
    if (!replay.has(key)) {
      replay.set(key, c);
    }
  }

  const handle = (req: FakeRequest): FakeResponse => {
    const base = `${server.url}${fhirPath}`;
    const rest = req.url.pathname.slice(fhirPath.length).split("/").filter(Boolean).map(safeDecode);
    const xml = wantsXml(req.url.searchParams.get("_format"), header(req, "accept"));
    const metadata = rest.length === 1 && rest[0] === "metadata";
    if (!metadata && options.requireAuth !== false) {
      const authorization = header(req, "authorization");
      if (!keycloak.isValidAccessToken(authorization) && !nhs.isValidAccessToken(authorization)) {
        return {
          status: 401,
          headers: {
            "content-type": "application/json;charset=UTF-8",
            "www-authenticate": 'Bearer realm="oauth"',
          },
          body: JSON.stringify(
            authorization === undefined
              ? {
                  error: "unauthorized",
                  error_description: "Full authentication is required to access this resource",
                }
              : { error: "invalid_token", error_description: "Invalid access token" },
          ),
        };
      }
    }
    if (req.method === "POST") {
      const body = req.body.toString("utf8");
      const replayed =
        replay.get(replayKey(rest.join("/"), body, header(req, "accept-language"))) ??
        replay.get(replayKey(rest.join("/"), body, undefined));
      if (replayed) {
        return finish(req, { status: replayed.status, body: replayed.responseBody }, false);
      }
    }
    const result = dispatch({ req, rest, base, metadata });
    return finish(req, result, xml);
  };

  const dispatch = (input: {
    req: FakeRequest;
    rest: string[];
    base: string;
    metadata: boolean;
  }): OperationResult & { lastModified?: string; contentLocation?: string } => {
    const { req, rest, base } = input;
    const [type, second, third, fourth] = rest;
    if (input.metadata) {
      return req.url.searchParams.get("mode") === "terminology"
        ? { status: 200, body: fakeTerminologyCapabilities(base, content) }
        : { status: 200, body: fakeCapabilityStatement(base, keycloak.url) };
    }
    if (type === undefined || !TYPES.has(type)) {
      return outcome(404, "not-supported", `Unknown resource type '${type ?? ""}'`);
    }
    const resourceType = type as TerminologyResourceType;
    const isOp = (s: string | undefined): s is string => s?.startsWith("$") === true;
    if (second === undefined || (second === "_search" && req.method === "POST")) {
      if (req.method !== "GET" && second === undefined) {
        return outcome(405, "not-supported", `${req.method} is not supported on ${type}`);
      }
      const query = new URLSearchParams(req.url.searchParams);
      if (second === "_search") {
        for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) {
          query.append(k, v);
        }
      }
      query.delete("_format");
      return { status: 200, body: search({ content, type: resourceType, query, fhirBase: base }) };
    }
    const op = isOp(second) ? second : isOp(third) && rest.length === 3 ? third : undefined;
    if (op !== undefined) {
      const id = isOp(second) ? undefined : second;
      if (!OPERATIONS[resourceType].includes(op)) {
        return outcome(
          400,
          "not-supported",
          `Invalid request: the server does not know how to handle ${req.method} operation[${type}/${op}]`,
        );
      }
      let params;
      try {
        params = readOperationParams({
          method: req.method,
          query: req.url.searchParams,
          contentType: header(req, "content-type"),
          body: req.body,
        });
      } catch (err) {
        if (err instanceof ParameterError) {
          return outcome(err.message.startsWith("Unsupported") ? 415 : 400, "invalid", err.message);
        }
        throw err;
      }
      return runOperation(resourceType, op, params, id);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return outcome(405, "not-supported", `${req.method} is not supported on ${type}/${second}`);
    }
    const resource = resourcesOf(content, resourceType).find((r) => r.id === second);
    const vread = third === "_history" && fourth !== undefined && rest.length === 4;
    if (!resource || (rest.length > 2 && !vread) || (vread && fourth !== "1")) {
      return outcome(404, "not-found", `Resource ${rest.join("/")} is not known`);
    }
    const body = withMeta(resource);
    return {
      status: 200,
      body,
      lastModified: new Date("2024-04-10T14:00:00Z").toUTCString(),
      contentLocation: `${base}/${type}/${resource.id}/_history/1`,
    };
  };

  const runOperation = (
    type: TerminologyResourceType,
    op: string,
    params: Parameters<typeof lookup>[1],
    id: string | undefined,
  ): OperationResult => {
    switch (`${type}/${op}`) {
      case "CodeSystem/$lookup":
        return lookup(content, params);
      case "CodeSystem/$validate-code":
        return validateCode(content, params, { type: "CodeSystem", ...(id === undefined ? {} : { id }) });
      case "ValueSet/$validate-code":
        return validateCode(content, params, { type: "ValueSet", ...(id === undefined ? {} : { id }) });
      case "CodeSystem/$subsumes":
        return subsumes(content, params, id);
      case "ValueSet/$expand":
        return expand(content, params, id);
      default:
        return translate(content, params, id);
    }
  };

  const finish = (
    req: FakeRequest,
    result: OperationResult & { lastModified?: string; contentLocation?: string },
    xml: boolean,
  ): FakeResponse => {
    const etag = result.etag ?? `W/"${contentVersion}"`;
    const headers: Record<string, string> = {
      "x-request-id": randomUUID(),
      etag,
      "x-powered-by": "HAPI FHIR 6.1.3 REST Server (FHIR Server; FHIR 4.0.1/R4)",
      "cache-control": "max-age=1",
      vary: "Accept,Origin,Accept-Encoding,Accept-Language,Authorization",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "keep-alive": "timeout=60",
    };
    if (result.lastModified !== undefined) {
      headers["last-modified"] = result.lastModified;
    }
    if (result.contentLocation !== undefined) {
      headers["content-location"] = result.contentLocation;
    }
    const inm = header(req, "if-none-match");
    if (result.status === 200 && inm?.split(",").some((t) => t.trim() === etag) === true) {
      return { status: 304, headers };
    }
    if (xml) {
      const doc =
        typeof result.body === "string" ? (JSON.parse(result.body) as Record<string, unknown>) : result.body;
      headers["content-type"] = "application/fhir+xml;charset=UTF-8";
      return { status: result.status, headers, body: toFhirXml(doc) };
    }
    headers["content-type"] = "application/fhir+json;charset=UTF-8";
    return {
      status: result.status,
      headers,
      body: typeof result.body === "string" ? result.body : JSON.stringify(result.body),
    };
  };

  for (const method of ["GET", "POST"]) {
    server.route(method, `${fhirPath}/*`, handle);
  }
  await server.start(options.port ?? 0);

  return {
    url: server.url,
    fhirBase: `${server.url}${fhirPath}`,
    keycloakTokenUrl: keycloak.url,
    nhsTokenUrl: nhs.url,
    credentials,
    keycloak,
    nhs,
    server,
    get tokenRequests() {
      return keycloak.tokenRequests + nhs.tokenRequests;
    },
    get fhirRequests() {
      return server.count(fhirPath);
    },
    setContentVersion(version: number) {
      contentVersion = version;
    },
    close: () => server.close(),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function header(req: FakeRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
