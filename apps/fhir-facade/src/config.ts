import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join, resolve } from "node:path";

import { z } from "zod";

import type { ApiKeyRecord } from "./platform/auth/api-keys.js";
import { ASYMMETRIC_JWT_ALGORITHMS } from "./platform/auth/jwt.js";
import { isSmartScope } from "./platform/auth/scopes.js";
import type { Secret } from "./platform/secret.js";
import { SETTINGS } from "./platform/settings.js";
import type { Setting, SettingValues } from "./platform/settings.js";

/**
 * The facade's configuration. This module is the only reader of `process.env` in the project
 * (architecture.md, "Boundaries"); everything else receives a typed {@link Config}. Secret values are
 * {@link Secret}s: they print as `[redacted]` and only `reveal()` returns them.
 *
 * Sources, later ones winning: defaults; the JSON config file named by `FACADE_CONFIG_FILE` (an object
 * whose keys are the variable names below); the environment; for secrets, `<NAME>_FILE` naming a file
 * that holds the value (so it stays out of process listings). Every setting is listed in
 * `platform/settings.ts` and in the README table.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly publicBaseUrl?: string;
  /** Absolute path of the writable data directory. */
  readonly dataDir: string;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly shutdownTimeoutMs: number;
  /** Number of trusted reverse-proxy hops (Express `trust proxy`). */
  readonly trustProxy: number;
  readonly auth: AuthConfig;
  readonly limits: LimitsConfig;
  /** Present when `FACADE_TERMINOLOGY_CLIENT_ID` is set. */
  readonly terminology?: TerminologyConfig;
  readonly mirror: MirrorConfig;
  readonly ods: { readonly readThrough: boolean; readonly ordBaseUrl: string };
  /** Things worth a log line at start that are not errors (for example an unknown `FACADE_*` variable). */
  readonly warnings: readonly string[];
}

export interface AuthConfig {
  /** Whether requests must authenticate (resolved from `FACADE_AUTH`). */
  readonly enabled: boolean;
  readonly allowUnauthenticated: boolean;
  readonly apiKeys: readonly ApiKeyRecord[];
  readonly jwt?: JwtConfig;
  readonly metricsPublic: boolean;
}

export interface JwtConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl?: string;
  readonly publicKey?: Secret;
  readonly algorithms: readonly string[];
  readonly clockToleranceS: number;
  readonly jwksCacheTtlS: number;
}

export interface LimitsConfig {
  readonly rateLimitPerS: number;
  readonly rateLimitBurst: number;
  readonly maxBodyBytes: number;
  readonly maxUrlLength: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaders: number;
  readonly requestTimeoutMs: number;
  readonly upstreamMaxConcurrency: number;
  readonly upstreamQueueTimeoutMs: number;
}

export interface TerminologyConfig {
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly authMethod: "client_secret_post" | "client_secret_basic" | "private_key_jwt";
  readonly clientSecret?: Secret;
  readonly privateKey?: Secret;
  readonly keyId?: string;
  readonly scope?: string;
  readonly timeoutMs: number;
  readonly cache: {
    readonly ttlS: number;
    readonly notFoundTtlS: number;
    readonly staleIfErrorS: number;
    readonly maxBytes: number;
    /** Shared Redis cache; absent = in-memory. */
    readonly redisUrl?: Secret;
  };
  readonly budget: { readonly requests: number; readonly windowS: number };
}

export interface MirrorConfig {
  readonly backend: "sqlite" | "postgres";
  /** Absolute path of the SQLite file (sqlite backend). */
  readonly sqlitePath: string;
  readonly databaseUrl?: Secret;
  /** 0 = no periodic sync. */
  readonly syncIntervalS: number;
  readonly baselineFile?: string;
  readonly trudApiKey?: Secret;
  readonly trudBaseUrl?: string;
}

/** Thrown when the configuration is invalid; the message lists every problem by variable name. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "invalid_config";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Injectable I/O for tests. */
export interface LoadConfigOptions {
  /** Reads a `*_FILE` secret or the config file (default: `fs.readFileSync` as UTF-8). */
  readonly readFile?: (path: string) => string;
  /** Base for relative paths (default: `process.cwd()`). */
  readonly cwd?: string;
}

const CONFIG_FILE = "FACADE_CONFIG_FILE";
const ALL_SETTINGS = Object.entries(SETTINGS) as [keyof SettingValues, Setting<unknown>][];
const KNOWN = new Set([
  CONFIG_FILE,
  ...ALL_SETTINGS.flatMap(([, s]) => (s.secret ? [s.env, `${s.env}_FILE`] : [s.env])),
]);

/**
 * Reads and validates the configuration from an environment (default: `process.env`).
 * @throws {ConfigError} listing every invalid setting by its variable name (values of secrets never shown).
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const warnings: string[] = [];

  const fileValues = readConfigFile(env[CONFIG_FILE], readFile, problems);
  for (const name of Object.keys(env)) {
    if (name.startsWith("FACADE_") && !KNOWN.has(name)) {
      warnings.push(`${name}: unknown setting (ignored); see the README's settings table`);
    }
  }

  const values: Record<string, unknown> = {};
  for (const [key, s] of ALL_SETTINGS) {
    const raw = rawValue(s, { env, fileValues, readFile }, problems);
    const result = s.schema.safeParse(raw === "" ? undefined : raw);
    if (result.success) {
      values[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        problems.push(`${s.env}: ${issue.message}`);
      }
      // Go on with the default so that the checks across settings still run and report their problems too.
      values[key] = s.schema.parse(undefined);
    }
  }
  const config = build(values as SettingValues, { cwd, warnings }, problems);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return config;
}

function readConfigFile(
  path: string | undefined,
  readFile: (path: string) => string,
  problems: string[],
): Record<string, string> {
  if (path === undefined || path === "") {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (err) {
    problems.push(`${CONFIG_FILE}: cannot read ${path} as JSON (${describe(err)})`);
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.push(`${CONFIG_FILE}: ${path} must hold a JSON object of setting names to values`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!KNOWN.has(name) || name === CONFIG_FILE) {
      problems.push(`${CONFIG_FILE}: unknown setting ${name} in ${path}`);
    } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out[name] = String(value);
    } else {
      problems.push(`${name}: in ${path}, expected a string, number or boolean`);
    }
  }
  return out;
}

function describe(err: unknown): string {
  if (err instanceof SyntaxError) {
    return "not valid JSON";
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : "unreadable";
}

function rawValue(
  s: Setting<unknown>,
  sources: { env: Env; fileValues: Record<string, string>; readFile: (path: string) => string },
  problems: string[],
): string | undefined {
  const fileVar = `${s.env}_FILE`;
  const direct = sources.env[s.env] ?? sources.fileValues[s.env];
  const filePath = s.secret ? (sources.env[fileVar] ?? sources.fileValues[fileVar]) : undefined;
  if (filePath === undefined || filePath === "") {
    return direct;
  }
  if (direct !== undefined && direct !== "") {
    problems.push(`${s.env}: set both ${s.env} and ${fileVar}; use one`);
    return undefined;
  }
  try {
    // A trailing newline is what editors and `echo` leave; strip it (and only it).
    return sources.readFile(filePath).replace(/\r?\n$/, "");
  } catch (err) {
    problems.push(`${fileVar}: cannot read ${filePath} (${describe(err)})`);
    return undefined;
  }
}

/** Whether an address is loopback-only: `localhost`, `127.0.0.0/8`, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || h === "::ffff:127.0.0.1") {
    return true;
  }
  return isIP(h) === 4 && h.startsWith("127.");
}

const apiKeysSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: "name: 1-64 letters, digits, . _ -" }),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, {
        message: "sha256: 64 lower-case hex digits (the SHA-256 of the key, not the key)",
      }),
      scopes: z.array(
        z.string().refine(isSmartScope, { message: "not a SMART scope such as system/Organization.read" }),
      ),
    }),
  )
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    for (const [i, k] of keys.entries()) {
      if (seen.has(k.name)) {
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate name ${k.name}` });
      }
      seen.add(k.name);
    }
    if (new Set(keys.map((k) => k.sha256)).size !== keys.length) {
      ctx.addIssue({ code: "custom", path: [], message: "the same key hash appears twice" });
    }
  });

function parseApiKeys(value: Secret | undefined, problems: string[]): ApiKeyRecord[] {
  if (value === undefined) {
    return [];
  }
  let json: unknown;
  try {
    json = JSON.parse(value.reveal());
  } catch {
    problems.push(`${SETTINGS.apiKeys.env}: not valid JSON (expected a list of {name, sha256, scopes})`);
    return [];
  }
  const result = apiKeysSchema.safeParse(json);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.length > 0 ? ` [${issue.path.join(".")}]` : "";
      problems.push(`${SETTINGS.apiKeys.env}${where}: ${issue.message}`);
    }
    return [];
  }
  return result.data;
}

function buildJwt(v: SettingValues, problems: string[]): JwtConfig | undefined {
  const any =
    v.jwtIssuer !== undefined ||
    v.jwtAudience !== undefined ||
    v.jwtJwksUrl !== undefined ||
    v.jwtPublicKey !== undefined;
  if (!any) {
    return undefined;
  }
  if (v.jwtIssuer === undefined) {
    problems.push(`${SETTINGS.jwtIssuer.env}: required when bearer JWTs are configured`);
  }
  if (v.jwtAudience === undefined) {
    problems.push(`${SETTINGS.jwtAudience.env}: required when bearer JWTs are configured`);
  }
  if ((v.jwtJwksUrl === undefined) === (v.jwtPublicKey === undefined)) {
    problems.push(
      `${SETTINGS.jwtJwksUrl.env}: set exactly one of ${SETTINGS.jwtJwksUrl.env} and ${SETTINGS.jwtPublicKey.env}`,
    );
  }
  if (v.jwtPublicKey !== undefined) {
    try {
      const key = createPublicKey(v.jwtPublicKey.reveal());
      if (key.asymmetricKeyType === undefined) {
        throw new Error("not asymmetric");
      }
    } catch {
      problems.push(`${SETTINGS.jwtPublicKey.env}: not a PEM public key`);
    }
  }
  const bad = v.jwtAlgorithms.filter((a) => !ASYMMETRIC_JWT_ALGORITHMS.has(a));
  if (bad.length > 0 || v.jwtAlgorithms.length === 0) {
    problems.push(
      `${SETTINGS.jwtAlgorithms.env}: ${bad.length > 0 ? `refused ${bad.join(", ")}; ` : ""}only asymmetric algorithms (RS*, PS*, ES*, EdDSA) are allowed, never none or HS*`,
    );
  }
  if (v.jwtIssuer === undefined || v.jwtAudience === undefined) {
    return undefined;
  }
  return {
    issuer: v.jwtIssuer,
    audience: v.jwtAudience,
    ...(v.jwtJwksUrl !== undefined ? { jwksUrl: v.jwtJwksUrl } : {}),
    ...(v.jwtPublicKey !== undefined ? { publicKey: v.jwtPublicKey } : {}),
    algorithms: v.jwtAlgorithms,
    clockToleranceS: v.jwtClockToleranceS,
    jwksCacheTtlS: v.jwksCacheTtlS,
  };
}

function buildTerminology(v: SettingValues, problems: string[]): TerminologyConfig | undefined {
  const env = (k: keyof typeof SETTINGS): string => SETTINGS[k].env;
  if (v.terminologyClientId === undefined) {
    for (const k of ["terminologyClientSecret", "terminologyPrivateKey", "terminologyKeyId"] as const) {
      if (v[k] !== undefined) {
        problems.push(`${env(k)}: set without ${env("terminologyClientId")}`);
      }
    }
    return undefined;
  }
  const hasSecret = v.terminologyClientSecret !== undefined;
  const hasKey = v.terminologyPrivateKey !== undefined;
  const method =
    v.terminologyAuthMethod === "auto"
      ? hasKey
        ? "private_key_jwt"
        : "client_secret_post"
      : v.terminologyAuthMethod;
  if (hasSecret && hasKey) {
    problems.push(`${env("terminologyClientSecret")}: set both a client secret and a private key; use one`);
  } else if (method === "private_key_jwt") {
    if (!hasKey) {
      problems.push(`${env("terminologyPrivateKey")}: required for private_key_jwt`);
    } else if (v.terminologyKeyId === undefined) {
      problems.push(`${env("terminologyKeyId")}: required with a private key (NHS requires a kid)`);
    }
  } else if (!hasSecret) {
    problems.push(
      `${env("terminologyClientSecret")}: required for ${method} (or set ${env("terminologyPrivateKey")})`,
    );
  }
  return {
    baseUrl: v.terminologyBaseUrl,
    tokenUrl: v.terminologyTokenUrl,
    clientId: v.terminologyClientId,
    authMethod: method,
    ...(v.terminologyClientSecret !== undefined ? { clientSecret: v.terminologyClientSecret } : {}),
    ...(v.terminologyPrivateKey !== undefined ? { privateKey: v.terminologyPrivateKey } : {}),
    ...(v.terminologyKeyId !== undefined ? { keyId: v.terminologyKeyId } : {}),
    ...(v.terminologyScope !== undefined ? { scope: v.terminologyScope } : {}),
    timeoutMs: v.terminologyTimeoutMs,
    cache: {
      ttlS: v.terminologyCacheTtlS,
      notFoundTtlS: v.terminologyCacheNotFoundTtlS,
      staleIfErrorS: v.terminologyStaleIfErrorS,
      maxBytes: v.terminologyCacheMaxBytes,
      ...(v.redisUrl !== undefined ? { redisUrl: v.redisUrl } : {}),
    },
    budget: { requests: v.terminologyBudgetRequests, windowS: v.terminologyBudgetWindowS },
  };
}

function build(v: SettingValues, ctx: { cwd: string; warnings: string[] }, problems: string[]): Config {
  const apiKeys = parseApiKeys(v.apiKeys, problems);
  const jwt = buildJwt(v, problems);
  const hasCredentials = apiKeys.length > 0 || v.jwtIssuer !== undefined;
  if (v.auth === "on" && !hasCredentials) {
    problems.push(
      `${SETTINGS.auth.env}: on, but neither ${SETTINGS.apiKeys.env} nor ${SETTINGS.jwtIssuer.env} is set`,
    );
  }
  const enabled = v.auth === "on" || (v.auth === "auto" && hasCredentials);
  if (!enabled && !isLoopbackHost(v.host) && !v.allowUnauthenticated) {
    problems.push(
      `${SETTINGS.auth.env}: authentication is off but ${SETTINGS.host.env}=${v.host} is not a loopback address; ` +
        `configure ${SETTINGS.apiKeys.env} or ${SETTINGS.jwtIssuer.env}, or set ${SETTINGS.allowUnauthenticated.env}=true`,
    );
  }
  if (v.auth === "off" && hasCredentials) {
    ctx.warnings.push(`${SETTINGS.auth.env}: off, so the configured API keys / JWT issuer are not used`);
  }
  if (v.rateLimitPerS > 0 && v.rateLimitBurst < 1) {
    problems.push(`${SETTINGS.rateLimitBurst.env}: must be at least 1`);
  }
  if (v.mirrorBackend === "postgres" && v.databaseUrl === undefined) {
    problems.push(`${SETTINGS.databaseUrl.env}: required when ${SETTINGS.mirrorBackend.env}=postgres`);
  }
  if (v.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(v.databaseUrl.reveal())) {
    problems.push(`${SETTINGS.databaseUrl.env}: expected a postgres:// URL`);
  }
  if (v.redisUrl !== undefined && !/^rediss?:\/\//.test(v.redisUrl.reveal())) {
    problems.push(`${SETTINGS.redisUrl.env}: expected a redis:// or rediss:// URL`);
  }
  const terminology = buildTerminology(v, problems);
  const dataDir = resolve(ctx.cwd, v.dataDir);
  if (v.trudApiKey !== undefined && v.trudApiKey.reveal().length < 8) {
    problems.push(`${SETTINGS.trudApiKey.env}: too short to be a TRUD API key`);
  }
  return {
    host: v.host,
    port: v.port,
    ...(v.publicBaseUrl !== undefined ? { publicBaseUrl: v.publicBaseUrl } : {}),
    dataDir,
    logLevel: v.logLevel,
    shutdownTimeoutMs: v.shutdownTimeoutMs,
    trustProxy: v.trustProxy,
    auth: {
      enabled,
      allowUnauthenticated: v.allowUnauthenticated,
      apiKeys,
      ...(jwt !== undefined ? { jwt } : {}),
      metricsPublic: v.metricsPublic,
    },
    limits: {
      rateLimitPerS: v.rateLimitPerS,
      rateLimitBurst: v.rateLimitBurst,
      maxBodyBytes: v.maxBodyBytes,
      maxUrlLength: v.maxUrlLength,
      maxHeaderBytes: v.maxHeaderBytes,
      maxHeaders: v.maxHeaders,
      requestTimeoutMs: v.requestTimeoutMs,
      upstreamMaxConcurrency: v.upstreamMaxConcurrency,
      upstreamQueueTimeoutMs: v.upstreamQueueTimeoutMs,
    },
    ...(terminology !== undefined ? { terminology } : {}),
    mirror: {
      backend: v.mirrorBackend,
      sqlitePath: resolve(dataDir, v.mirrorSqlitePath ?? join(dataDir, "ods-mirror.sqlite")),
      ...(v.databaseUrl !== undefined ? { databaseUrl: v.databaseUrl } : {}),
      syncIntervalS: v.mirrorSyncIntervalS,
      ...(v.mirrorBaselineFile !== undefined ? { baselineFile: resolve(ctx.cwd, v.mirrorBaselineFile) } : {}),
      ...(v.trudApiKey !== undefined ? { trudApiKey: v.trudApiKey } : {}),
      ...(v.trudBaseUrl !== undefined ? { trudBaseUrl: v.trudBaseUrl } : {}),
    },
    ods: { readThrough: v.odsReadThrough, ordBaseUrl: v.ordBaseUrl },
    warnings: ctx.warnings,
  };
}

/** The secret values in a configuration, for log scrubbing (platform/logging). */
export function secretValues(config: Config): string[] {
  const out: (Secret | undefined)[] = [
    config.auth.jwt?.publicKey,
    config.terminology?.clientSecret,
    config.terminology?.privateKey,
    config.terminology?.cache.redisUrl,
    config.mirror.databaseUrl,
    config.mirror.trudApiKey,
  ];
  const values: string[] = [];
  for (const s of out) {
    if (s === undefined) {
      continue;
    }
    values.push(s.reveal());
    // A password inside a URL (redis://:pw@host, postgres://u:pw@host) can show up on its own in errors.
    const password = /^[a-z]+:\/\/[^/@]*:([^/@]+)@/i.exec(s.reveal())?.[1];
    if (password !== undefined) {
      values.push(password);
      try {
        values.push(decodeURIComponent(password));
      } catch {
        // a malformed escape: the raw form is already covered
      }
    }
  }
  return values;
}
