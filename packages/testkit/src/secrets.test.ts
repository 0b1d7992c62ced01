import { writeSync } from "node:fs";
import { generateKeyPairSync, randomBytes } from "node:crypto";

import { findSecrets } from "@fhir-facade/vitest-config/secret-scan";
import { describe, expect, test } from "vitest";

import { feedSecretGuard, registerTestSecret, registeredTestSecrets } from "./secrets.js";

interface Capture {
  text(): string;
  clear(): void;
}

function capture(): Capture {
  const handle = (globalThis as unknown as Record<symbol, Capture | undefined>)[
    Symbol.for("@fhir-facade/vitest-config/captured-output")
  ];
  if (handle === undefined) {
    throw new Error("the workspace vitest preset's secret-guard setup file is not installed");
  }
  return handle;
}

describe("registerTestSecret", () => {
  test("records values of 8 characters or more, returns the value, ignores short ones", () => {
    const long = `s-${randomBytes(9).toString("hex")}`;
    expect(registerTestSecret(long)).toBe(long);
    expect(registerTestSecret("short")).toBe("short");
    expect(registeredTestSecrets()).toContain(long);
    expect(registeredTestSecrets()).not.toContain("short");
  });

  test("the fakes register what they create", async () => {
    const { startFakeTerminologyServer } = await import("./terminology/fake-terminology-server.js");
    const { FAKE_TRUD_API_KEY } = await import("./trud/fake-trud.js");
    const tx = await startFakeTerminologyServer();
    try {
      expect(registeredTestSecrets()).toEqual(
        expect.arrayContaining([
          FAKE_TRUD_API_KEY,
          tx.credentials.keycloak.clientSecret,
          tx.credentials.nhs.privateKeyPem,
        ]),
      );
    } finally {
      await tx.close();
    }
  });
});

describe("findSecrets (the scan behind the suite-wide log check)", () => {
  const secret = "tc-secret-Zq81xYw";

  test("finds a registered secret, plain or JSON-escaped, and masks it in the report", () => {
    const found = findSecrets(`{"level":30,"msg":"token request","body":"client_secret=${secret}"}\n`, [
      secret,
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]?.kind).toBe("registered test secret");
    expect(found[0]?.line).toContain("[SECRET]");
    expect(found[0]?.line).not.toContain(secret);

    const quoted = 'p"w\\d-1234567';
    expect(findSecrets(JSON.stringify({ password: quoted }), [quoted])).toHaveLength(1);
  });

  test("finds a secret percent-encoded, in base64, and HTTP Basic credentials", () => {
    const odd = "s3cr+t/with spaces&=";
    expect(findSecrets(`POST body client_secret=${encodeURIComponent(odd)}`, [odd])).toHaveLength(1);
    expect(findSecrets(`x ${Buffer.from(odd).toString("base64")} y`, [odd])).toHaveLength(1);
    const basic = `authorization: Basic ${Buffer.from(`facade:${odd}`).toString("base64")}`;
    expect(findSecrets(basic, []).map((f) => f.kind)).toEqual(["HTTP Basic credentials"]);
    expect(findSecrets('www-authenticate: Basic realm="fhir"', [])).toEqual([]);
  });

  test("finds a PEM private key by any of its base64 lines, and the PEM header itself", () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const oneLine = pem.split("\n")[3] ?? "";
    expect(findSecrets(`error near ${oneLine}\n`, [pem]).map((f) => f.kind)).toEqual([
      "registered test secret",
    ]);
    expect(findSecrets(JSON.stringify({ key: pem }), []).map((f) => f.kind)).toEqual(["PEM private key"]);
  });

  test("finds a signed JWT whoever made it", () => {
    const jwt = `eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOiJhIiwic3ViIjoiYSJ9.${"x".repeat(40)}`;
    expect(findSecrets(`authorization: Bearer ${jwt}`, []).map((f) => f.kind)).toEqual(["signed JWT"]);
  });

  test("redacted output, short values and ordinary text are clean", () => {
    expect(findSecrets('{"authorization":"[REDACTED]","msg":"ok"}', [secret, "short"])).toEqual([]);
    expect(findSecrets("", [secret])).toEqual([]);
  });
});

describe("the capture behind the suite-wide check", () => {
  test("sees process.stdout, raw fd writes (pino's destination), the console and fed output", () => {
    const secret = registerTestSecret(`guard-probe-${randomBytes(6).toString("hex")}`);
    const handle = capture();
    handle.clear();
    process.stdout.write(`stream ${secret}-a\n`);
    writeSync(2, `raw ${secret}-b\n`);
    console.warn("console %s-c", secret);
    feedSecretGuard(`fed ${secret}-d\n`);
    const text = handle.text();
    // Discard it, or this file would (rightly) fail the guard's own check after its tests.
    handle.clear();
    expect(text).toContain(`stream ${secret}-a`);
    expect(text).toContain(`raw ${secret}-b`);
    expect(text).toContain(`console ${secret}-c`);
    expect(text).toContain(`fed ${secret}-d`);
    expect(findSecrets(text, registeredTestSecrets()).length).toBeGreaterThan(0);
  });
});
