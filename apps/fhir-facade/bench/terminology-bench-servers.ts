/**
 * Child processes of `terminology.bench.ts` (each server gets its own process, as in production, so the load
 * generator, the gateway and the upstream do not share one event loop). Role and settings come as one JSON
 * argument; the process prints one JSON line with its URLs, then serves until killed.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { createTokenClient } from "@fhir-facade/auth-client-credentials";
import { startFakeTerminologyServer } from "@fhir-facade/testkit";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createNodeHttpFetch, createTerminologyGateway, tokenClientFetch } from "../src/terminology/index.js";

interface FakeRole {
  readonly role: "fake";
  readonly latencyMs: number;
}
interface GatewayRole {
  readonly role: "gateway";
  readonly fhirBase: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly cache: boolean;
}
interface BareRole {
  readonly role: "bare";
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bodyBase64: string;
}

const input = JSON.parse(process.argv[2] ?? "{}") as FakeRole | GatewayRole | BareRole;

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

if (input.role === "fake") {
  const tx = await startFakeTerminologyServer({ tokenExpiresIn: 3600 });
  if (input.latencyMs > 0) {
    tx.server.faults.add({ path: "/production1/fhir/", fault: { kind: "latency", ms: input.latencyMs } });
  }
  setInterval(() => {
    tx.server.requests.length = 0; // the request log is for tests; keep memory flat under load
  }, 1000).unref();
  process.stdout.write(
    `${JSON.stringify({
      fhirBase: tx.fhirBase,
      tokenUrl: tx.keycloakTokenUrl,
      clientId: tx.credentials.keycloak.clientId,
      clientSecret: tx.credentials.keycloak.clientSecret,
    })}\n`,
  );
} else if (input.role === "gateway") {
  const client = createTokenClient({
    fetch: createNodeHttpFetch(),
    tokenUrl: input.tokenUrl,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    allowInsecureLoopback: true,
  });
  const gateway = createTerminologyGateway({
    upstreamBaseUrl: input.fhirBase,
    fetch: tokenClientFetch(client),
    cache: input.cache ? {} : false,
    budget: { limit: 10_000_000 },
  });
  const app = createApp({ config: loadConfig({}), terminology: gateway.middleware });
  // The gateway answers before Express, as the Organization fast read path does (app.ts, no platform).
  const server = createServer((req, res) => {
    gateway.handle(req, res).then(
      (handled) => {
        if (!handled) {
          app(req, res);
        }
      },
      () => {
        res.destroy();
      },
    );
  });
  const port = await listen(server);
  process.stdout.write(`${JSON.stringify({ base: `http://127.0.0.1:${port}/fhir` })}\n`);
} else {
  const body = Buffer.from(input.bodyBase64, "base64");
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(input.status, { ...input.headers, "content-length": body.length });
    res.end(body);
  });
  const port = await listen(server);
  process.stdout.write(`${JSON.stringify({ base: `http://127.0.0.1:${port}` })}\n`);
}
