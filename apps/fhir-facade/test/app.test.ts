import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { createApp } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config.js";

let server: Server;
let base: string;

beforeAll(async () => {
  const app = createApp({ config: loadConfig({}) });
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("app skeleton", () => {
  test("GET /healthz answers ok", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("GET /fhir/metadata is an R4 CapabilityStatement", async () => {
    const res = await fetch(`${base}/fhir/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/fhir+json; fhirVersion=4.0; charset=utf-8");
    const body = (await res.json()) as { resourceType: string; fhirVersion: string; kind: string };
    expect(body.resourceType).toBe("CapabilityStatement");
    expect(body.fhirVersion).toBe("4.0.1");
    expect(body.kind).toBe("instance");
  });
});

describe("the FHIR API answered before Express (no platform installed)", () => {
  test("only paths under /fhir are the FHIR API's; /fhirx is not", async () => {
    const other = await fetch(`${base}/fhirx/metadata`);
    expect(other.status).toBe(404);
    expect(await other.text()).not.toContain("CapabilityStatement");
  });

  test("/fhir, /fhir/ and /fhir?query are the FHIR base: 404 OperationOutcome (no resource type)", async () => {
    for (const path of ["/fhir", "/fhir/", "/fhir?_format=json"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { resourceType: string }).resourceType, path).toBe("OperationOutcome");
    }
  });

  test("Express's case-insensitive mount still answers /FHIR/metadata", async () => {
    const res = await fetch(`${base}/FHIR/metadata`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe("CapabilityStatement");
  });
});

describe("config", () => {
  test("defaults to loopback", () => {
    expect(loadConfig({})).toMatchObject({ host: "127.0.0.1", port: 8080 });
  });
  test("lists every problem by variable name", () => {
    expect(() => loadConfig({ FACADE_PORT: "99999", FACADE_PUBLIC_BASE_URL: "not a url" })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ FACADE_PORT: "99999", FACADE_PUBLIC_BASE_URL: "not a url" });
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(":")[0])).toEqual([
        "FACADE_PORT",
        "FACADE_PUBLIC_BASE_URL",
      ]);
    }
  });
});
