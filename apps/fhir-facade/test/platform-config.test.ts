import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";

import { describe, expect, test } from "vitest";

import { ConfigError, isLoopbackHost, loadConfig, secretValues } from "../src/config.js";
import { SETTINGS } from "../src/platform/settings.js";
import { API_KEYS_JSON, rsa } from "./platform-harness.js";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

const names = (list: string[]): string[] => list.map((p) => p.split(":")[0] ?? "");

describe("defaults", () => {
  test("an empty environment is a loopback facade with auth off and the NHS defaults", () => {
    const config = loadConfig({}, { cwd: "/srv/facade" });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      dataDir: "/srv/facade/data",
      auth: { enabled: false, apiKeys: [] },
      limits: { rateLimitPerS: 50, maxBodyBytes: 1_048_576, requestTimeoutMs: 30_000 },
      mirror: { backend: "sqlite", sqlitePath: "/srv/facade/data/ods-mirror.sqlite", syncIntervalS: 86_400 },
      ods: { readThrough: true },
    });
    expect(config.terminology).toBeUndefined();
  });
});

describe("every invalid setting is named", () => {
  test("malformed values across sections are all listed, in table order", () => {
    const list = problems({
      FACADE_PORT: "http",
      FACADE_LOG_LEVEL: "loud",
      FACADE_AUTH: "maybe",
      FACADE_ALLOW_UNAUTHENTICATED: "perhaps",
      FACADE_JWT_CLOCK_TOLERANCE_S: "3600",
      FACADE_RATE_LIMIT_PER_S: "-1",
      FACADE_MAX_BODY_BYTES: "1e9",
      FACADE_TERMINOLOGY_BASE_URL: "ftp://x",
      FACADE_MIRROR_BACKEND: "mysql",
      FACADE_ODS_READ_THROUGH: "sometimes",
    });
    expect(names(list)).toEqual([
      "FACADE_PORT",
      "FACADE_LOG_LEVEL",
      "FACADE_AUTH",
      "FACADE_ALLOW_UNAUTHENTICATED",
      "FACADE_JWT_CLOCK_TOLERANCE_S",
      "FACADE_RATE_LIMIT_PER_S",
      "FACADE_MAX_BODY_BYTES",
      "FACADE_TERMINOLOGY_BASE_URL",
      "FACADE_MIRROR_BACKEND",
      "FACADE_ODS_READ_THROUGH",
    ]);
    expect(list[2]).toContain("auto, on, off");
  });

  test("cross-setting problems are all listed too", () => {
    const list = problems({
      FACADE_AUTH: "on",
      FACADE_JWT_ISSUER: "https://issuer.test.invalid",
      FACADE_JWT_ALGORITHMS: "RS256,HS256,none",
      FACADE_TERMINOLOGY_CLIENT_ID: "facade",
      FACADE_TERMINOLOGY_PRIVATE_KEY: "not a key",
      FACADE_MIRROR_BACKEND: "postgres",
      FACADE_REDIS_URL: "http://cache",
    });
    expect(names(list)).toEqual([
      "FACADE_JWT_AUDIENCE",
      "FACADE_JWT_JWKS_URL",
      "FACADE_JWT_ALGORITHMS",
      "FACADE_DATABASE_URL",
      "FACADE_REDIS_URL",
      "FACADE_TERMINOLOGY_KEY_ID",
    ]);
    expect(list.find((p) => p.startsWith("FACADE_JWT_ALGORITHMS"))).toContain("HS256, none");
  });

  test("auth off on a non-loopback address refuses to start unless explicitly allowed", () => {
    expect(names(problems({ FACADE_HOST: "0.0.0.0" }))).toEqual(["FACADE_AUTH"]);
    expect(
      names(problems({ FACADE_HOST: "192.0.2.10", FACADE_AUTH: "off", FACADE_API_KEYS: API_KEYS_JSON })),
    ).toEqual(["FACADE_AUTH"]);
    expect(loadConfig({ FACADE_HOST: "0.0.0.0", FACADE_ALLOW_UNAUTHENTICATED: "true" }).auth.enabled).toBe(
      false,
    );
    expect(loadConfig({ FACADE_HOST: "0.0.0.0", FACADE_API_KEYS: API_KEYS_JSON }).auth.enabled).toBe(true);
    expect(loadConfig({ FACADE_HOST: "::1" }).auth.enabled).toBe(false);
  });

  test("loopback detection", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "example.test", "128.0.0.1", "localhost.evil"]) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  test("API key entries: bad JSON, a plain key instead of a hash, bad scopes, duplicates — each named", () => {
    expect(problems({ FACADE_API_KEYS: "[{" })).toEqual([
      "FACADE_API_KEYS: not valid JSON (expected a list of {name, sha256, scopes})",
    ]);
    const list = problems({
      FACADE_API_KEYS: JSON.stringify([
        { name: "a", sha256: "my-plain-key-0123456789", scopes: ["system/Organization.read"] },
        { name: "b", sha256: "a".repeat(64), scopes: ["Organization.read"] },
        { name: "b", sha256: "b".repeat(64), scopes: [] },
      ]),
    });
    expect(list).toHaveLength(3);
    expect(list[0]).toMatch(/^FACADE_API_KEYS \[0\.sha256\]/);
    expect(list[1]).toMatch(/^FACADE_API_KEYS \[1\.scopes\.0\]/);
    expect(list[2]).toMatch(/^FACADE_API_KEYS \[2\.name\]: duplicate name b/);
    // The rejected value is never echoed.
    expect(list.join("\n")).not.toContain("my-plain-key");
  });

  test("a public key that is not PEM is named without its value", () => {
    const list = problems({
      FACADE_JWT_ISSUER: "i",
      FACADE_JWT_AUDIENCE: "a",
      FACADE_JWT_PUBLIC_KEY: "-----BEGIN NONSENSE-----",
    });
    expect(list).toEqual(["FACADE_JWT_PUBLIC_KEY: not a PEM public key"]);
  });

  test("unknown FACADE_* variables are warnings, not silently ignored", () => {
    expect(loadConfig({ FACADE_PROT: "1" }).warnings).toEqual([
      "FACADE_PROT: unknown setting (ignored); see the README's settings table",
    ]);
  });
});

describe("secrets from files and the config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "facade-config-"));
  const secretFile = join(dir, "client-secret");
  writeFileSync(secretFile, "s3cr3t-from-file\n");
  const keyFile = join(dir, "jwt.pem");
  writeFileSync(keyFile, rsa.publicKey);

  test("*_FILE reads the secret (one trailing newline stripped)", () => {
    const config = loadConfig({
      FACADE_TERMINOLOGY_CLIENT_ID: "facade",
      FACADE_TERMINOLOGY_CLIENT_SECRET_FILE: secretFile,
      FACADE_JWT_ISSUER: "i",
      FACADE_JWT_AUDIENCE: "a",
      FACADE_JWT_PUBLIC_KEY_FILE: keyFile,
    });
    expect(config.terminology?.clientSecret?.reveal()).toBe("s3cr3t-from-file");
    expect(config.terminology?.authMethod).toBe("client_secret_post");
    expect(config.auth.jwt?.publicKey?.reveal()).toBe(rsa.publicKey.trimEnd());
  });

  test("both NAME and NAME_FILE, or an unreadable file, are named problems", () => {
    const list = problems({
      FACADE_TERMINOLOGY_CLIENT_ID: "facade",
      FACADE_TERMINOLOGY_CLIENT_SECRET: "x",
      FACADE_TERMINOLOGY_CLIENT_SECRET_FILE: secretFile,
      FACADE_TRUD_API_KEY_FILE: join(dir, "missing"),
    });
    expect(list).toContain(
      "FACADE_TERMINOLOGY_CLIENT_SECRET: set both FACADE_TERMINOLOGY_CLIENT_SECRET and FACADE_TERMINOLOGY_CLIENT_SECRET_FILE; use one",
    );
    expect(list).toContain(`FACADE_TRUD_API_KEY_FILE: cannot read ${join(dir, "missing")} (ENOENT)`);
  });

  test("*_FILE exists only for secrets", () => {
    expect(loadConfig({ FACADE_PORT_FILE: "/nonexistent" }).warnings[0]).toMatch(
      /^FACADE_PORT_FILE: unknown setting/,
    );
  });

  test("a JSON config file supplies settings; the environment wins; unknown keys are problems", () => {
    const file = join(dir, "facade.json");
    writeFileSync(
      file,
      JSON.stringify({ FACADE_PORT: 9090, FACADE_LOG_LEVEL: "warn", FACADE_ODS_READ_THROUGH: false }),
    );
    const config = loadConfig({ FACADE_CONFIG_FILE: file, FACADE_LOG_LEVEL: "debug" });
    expect(config).toMatchObject({ port: 9090, logLevel: "debug", ods: { readThrough: false } });

    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ FACADE_PROT: 1, FACADE_HOST: { nested: true } }));
    expect(problems({ FACADE_CONFIG_FILE: bad })).toEqual([
      `FACADE_CONFIG_FILE: unknown setting FACADE_PROT in ${bad}`,
      `FACADE_HOST: in ${bad}, expected a string, number or boolean`,
    ]);
    writeFileSync(bad, "{not json");
    expect(problems({ FACADE_CONFIG_FILE: bad })).toEqual([
      `FACADE_CONFIG_FILE: cannot read ${bad} as JSON (not valid JSON)`,
    ]);
  });

  test("secrets never show in String(), JSON or inspect of the config, nor in error messages", () => {
    const secrets = {
      FACADE_TERMINOLOGY_CLIENT_ID: "facade",
      FACADE_TERMINOLOGY_CLIENT_SECRET: "tc-secret-value-123",
      FACADE_TRUD_API_KEY: "trud-key-value-456",
      FACADE_REDIS_URL: "redis://:redis-pass-789@127.0.0.1:6379/0",
      FACADE_MIRROR_BACKEND: "postgres",
      FACADE_DATABASE_URL: "postgres://u:db-pass-000@127.0.0.1:5432/test",
    };
    const config = loadConfig(secrets);
    const dumps = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(config.terminology?.clientSecret),
    ];
    for (const dump of dumps) {
      for (const value of ["tc-secret-value-123", "trud-key-value-456", "redis-pass-789", "db-pass-000"]) {
        expect(dump).not.toContain(value);
      }
    }
    expect(secretValues(config)).toEqual(
      expect.arrayContaining(["tc-secret-value-123", "trud-key-value-456", "redis-pass-789", "db-pass-000"]),
    );
    const err = (() => {
      try {
        loadConfig({ ...secrets, FACADE_PORT: "x", FACADE_TERMINOLOGY_PRIVATE_KEY: "pk-value-111" });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    const text = `${err.message} ${JSON.stringify(err)} ${inspect(err)}`;
    for (const value of ["tc-secret-value-123", "pk-value-111"]) {
      expect(text).not.toContain(value);
    }
  });
});

describe("private_key_jwt", () => {
  test("a private key needs a kid; with one the method is private_key_jwt", () => {
    expect(
      problems({ FACADE_TERMINOLOGY_CLIENT_ID: "f", FACADE_TERMINOLOGY_PRIVATE_KEY: rsa.privateKey }),
    ).toEqual(["FACADE_TERMINOLOGY_KEY_ID: required with a private key (NHS requires a kid)"]);
    const config = loadConfig({
      FACADE_TERMINOLOGY_CLIENT_ID: "f",
      FACADE_TERMINOLOGY_PRIVATE_KEY: rsa.privateKey,
      FACADE_TERMINOLOGY_KEY_ID: "k1",
    });
    expect(config.terminology).toMatchObject({ authMethod: "private_key_jwt", keyId: "k1" });
  });
});

describe("the settings table", () => {
  test("every env name is unique and FACADE_-prefixed", () => {
    const envs = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const env of envs) {
      expect(env).toMatch(/^FACADE_[A-Z0-9_]+$/);
    }
  });

  test("the README's settings table lists every setting with its default", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const s of Object.values(SETTINGS)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${s.env}\``));
      expect(row, s.env).toBeDefined();
      expect(row, s.env).toContain(s.default === "" ? "| — |" : `| \`${s.default}\` |`);
    }
  });
});
