import type { FakeTerminologyServer } from "@fhir-facade/testkit";

/** A bearer token straight from the fake Keycloak endpoint, for calls that bypass the gateway. */
export async function fakeToken(tx: FakeTerminologyServer): Promise<string> {
  const res = await fetch(tx.keycloakTokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: tx.credentials.keycloak.clientId,
      client_secret: tx.credentials.keycloak.clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
