import { createTokenClient } from "@fhir-facade/auth-client-credentials";
import type { FetchLike } from "@fhir-facade/auth-client-credentials";
import { startFakeTerminologyServer } from "@fhir-facade/testkit";
import type { FakeTerminologyServer, FakeTerminologyServerOptions } from "@fhir-facade/testkit";

import nodeFetch from "node-fetch";

import { createNodeHttpFetch, createTerminologyGateway, tokenClientFetch } from "../src/terminology/index.js";
import type { TerminologyGateway, TerminologyGatewayOptions } from "../src/terminology/index.js";
import { startApp } from "./helpers.js";

/** The fake Terminology Server, a real token client, the gateway, and the app serving it, all on loopback. */
export interface GatewayHarness {
  readonly tx: FakeTerminologyServer;
  readonly gateway: TerminologyGateway;
  /** The facade's FHIR base, `http://127.0.0.1:PORT/fhir`. */
  readonly base: string;
  /** Base URL of requests the caller sends with the given headers. */
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: string, contentType: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly fake?: FakeTerminologyServerOptions;
  readonly gateway?: Partial<TerminologyGatewayOptions>;
  /** `secret` (Keycloak, default) or `jwt` (NHS API Platform private_key_jwt). */
  readonly auth?: "secret" | "jwt";
  readonly tokenClient?: { readonly timeoutMs?: number; readonly deadlineMs?: number };
  /** The fetch under the token client and the gateway (default: the global fetch). */
  readonly fetchImpl?: "global" | "node-http" | "node-fetch";
}

export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const tx = await startFakeTerminologyServer(options.fake);
  const fetchImpl: { fetch?: FetchLike } =
    options.fetchImpl === "node-http"
      ? { fetch: createNodeHttpFetch() }
      : options.fetchImpl === "node-fetch"
        ? { fetch: nodeFetch }
        : {};
  const common = {
    ...fetchImpl,
    allowInsecureLoopback: true,
    timeoutMs: options.tokenClient?.timeoutMs ?? 2000,
    deadlineMs: options.tokenClient?.deadlineMs ?? 3000,
  };
  const client =
    options.auth === "jwt"
      ? createTokenClient({
          ...common,
          tokenUrl: tx.nhsTokenUrl,
          clientId: tx.credentials.nhs.clientId,
          privateKey: tx.credentials.nhs.privateKeyPem,
          keyId: tx.credentials.nhs.kid,
        })
      : createTokenClient({
          ...common,
          tokenUrl: tx.keycloakTokenUrl,
          clientId: tx.credentials.keycloak.clientId,
          clientSecret: tx.credentials.keycloak.clientSecret,
        });
  const gateway = createTerminologyGateway({
    upstreamBaseUrl: tx.fhirBase,
    fetch: tokenClientFetch(client),
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...options.gateway,
  });
  const app = await startApp({ terminology: gateway.middleware });
  return {
    tx,
    gateway,
    base: app.base,
    get: (path, headers = {}) => fetch(`${app.base}/${path}`, { headers }),
    post: (path, body, contentType, headers = {}) =>
      fetch(`${app.base}/${path}`, {
        method: "POST",
        headers: { "content-type": contentType, ...headers },
        body,
      }),
    async close() {
      await app.close();
      await gateway.close();
      await tx.close();
    },
  };
}
