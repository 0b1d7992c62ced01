/** Shared test fixtures: RSA keys and the testkit's fake token endpoints plus a protected resource, on loopback. */
import { generateKeyPairSync } from "node:crypto";

import { addKeycloakTokenEndpoint, addNhsApiPlatformTokenEndpoint, FakeServer } from "@fhir-facade/testkit";
import type { FakeRequest, FakeResponse, TokenEndpoint } from "@fhir-facade/testkit";

function rsa(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export const rsaKey = rsa();

export const KEYCLOAK_CLIENT = { clientId: "facade-system", clientSecret: "kc-S3cret-value-9f8e7d" } as const;
export const NHS_CLIENT = { clientId: "ApiKey-5b1c9e2f7a", keyId: "int-test-1" } as const;

/** A controllable clock (ms since the epoch). */
export class TestClock {
  now = Date.UTC(2026, 10, 21, 12, 0, 0);
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface Fakes {
  readonly server: FakeServer;
  readonly keycloak: TokenEndpoint;
  readonly nhs: TokenEndpoint;
  /** A protected FHIR-ish resource: 200 with a valid bearer from either endpoint, else 401. */
  readonly resourceUrl: string;
  readonly clock: TestClock;
  close(): Promise<void>;
}

export async function startFakes(options: { keycloakExpiresIn?: number } = {}): Promise<Fakes> {
  const clock = new TestClock();
  const server = new FakeServer();
  const keycloak = addKeycloakTokenEndpoint(server, {
    clients: [KEYCLOAK_CLIENT],
    clock: clock.read,
    ...(options.keycloakExpiresIn === undefined ? {} : { expiresIn: options.keycloakExpiresIn }),
  });
  const nhs = addNhsApiPlatformTokenEndpoint(server, {
    clients: [{ clientId: NHS_CLIENT.clientId, kid: NHS_CLIENT.keyId, publicKeyPem: rsaKey.publicPem }],
    clock: clock.read,
  });
  const protectedHandler = (req: FakeRequest): FakeResponse => {
    const auth = req.headers.authorization;
    if (!keycloak.isValidAccessToken(auth) && !nhs.isValidAccessToken(auth)) {
      return {
        status: 401,
        headers: { "www-authenticate": 'Bearer error="invalid_token"', "content-type": "application/json" },
        body: JSON.stringify({
          resourceType: "OperationOutcome",
          issue: [{ severity: "error", code: "login" }],
        }),
      };
    }
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: req.method, body: req.body.toString("utf8") }),
    };
  };
  server.route("GET", "/fhir/*", protectedHandler).route("POST", "/fhir/*", protectedHandler);
  await server.start();
  return {
    server,
    keycloak,
    nhs,
    resourceUrl: `${server.url}/fhir/CodeSystem/$lookup`,
    clock,
    close: () => server.close(),
  };
}

/** How many requests reached a path on the fake (whatever the answer). */
export function countPath(server: FakeServer, path: string, method = "POST"): number {
  return server.requests.filter((r) => r.path === path && r.method === method).length;
}

/** Resolves after `ms` of real time (tests only use this to let background work run). */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
