import { z } from "zod";

import { Secret } from "./secret.js";

/**
 * The table of every setting the facade reads: environment variable, schema, default, whether it is a
 * secret (then `<NAME>_FILE` may name a file holding it), and a one-line description. `src/config.ts`
 * parses it; the README's settings table is checked against it by a test.
 */
export interface Setting<T> {
  readonly env: string;
  readonly schema: z.ZodType<T, string | undefined>;
  /** The default as shown in the README (`""` when there is none). */
  readonly default: string;
  readonly secret?: true;
  readonly doc: string;
}

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

const TRUE = ["true", "1", "yes", "on"];
const FALSE = ["false", "0", "no", "off"];

const bool = (def: boolean): z.ZodType<boolean, string | undefined> =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || [...TRUE, ...FALSE].includes(v.toLowerCase()), {
      message: "expected true or false",
    })
    .transform((v) => (v === undefined ? def : TRUE.includes(v.toLowerCase())));

const int = (min: number, max: number, def: number): z.ZodType<number, string | undefined> =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || /^\d+$/.test(v.trim()), { message: "expected a whole number" })
    .transform((v) => (v === undefined ? def : Number(v.trim())))
    .refine((n) => n >= min && n <= max, { message: `expected a number from ${min} to ${max}` });

const text = (def: string): z.ZodType<string, string | undefined> =>
  z
    .string()
    .optional()
    .transform((v) => v ?? def);

const optionalText = (): z.ZodType<string | undefined, string | undefined> => z.string().min(1).optional();

const httpUrl = (message = "expected an http(s) URL"): z.ZodType<string, string> =>
  z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === "https:" || u.protocol === "http:";
      } catch {
        return false;
      }
    },
    { message },
  );

const url = (def: string): z.ZodType<string, string | undefined> =>
  httpUrl()
    .optional()
    .transform((v) => v ?? def);

const optionalUrl = (): z.ZodType<string | undefined, string | undefined> => httpUrl().optional();

const secret = (): z.ZodType<Secret | undefined, string | undefined> =>
  z
    .string()
    .min(1, { message: "must not be empty" })
    .optional()
    .transform((v) => (v === undefined ? undefined : new Secret(v)));

const oneOf = <const T extends readonly [string, ...string[]]>(
  values: T,
  def: T[number],
): z.ZodType<T[number], string | undefined> =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || (values as readonly string[]).includes(v), {
      message: `expected one of ${values.join(", ")}`,
    })
    .transform((v) => (v ?? def) as T[number]);

const list = (def: readonly string[]): z.ZodType<readonly string[], string | undefined> =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? def
        : v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
    );

/** Default upstream: NHS England Terminology Server, Production 1 (upstream-terminology.md §0). */
export const NHS_TERMINOLOGY_BASE_URL = "https://ontology.nhs.uk/production1/fhir";
/** Its Keycloak token endpoint (upstream-terminology.md §0). */
export const NHS_TERMINOLOGY_TOKEN_URL =
  "https://ontology.nhs.uk/authorisation/auth/realms/nhs-digital-terminology/protocol/openid-connect/token";
/** The ODS ORD API (upstream-ods.md). */
export const ORD_BASE_URL = "https://directory.spineservices.nhs.uk/ORD/2-0-0";
/** Asymmetric algorithms accepted for inbound JWTs by default (never `none`, never HS*). */
export const DEFAULT_JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
];

/** Every setting, in the order problems and the README list them. */
export const SETTINGS = {
  host: setting({
    env: "FACADE_HOST",
    schema: text("127.0.0.1"),
    default: "127.0.0.1",
    doc: "Address to listen on.",
  }),
  port: setting({
    env: "FACADE_PORT",
    schema: int(0, 65535, 8080),
    default: "8080",
    doc: "TCP port (0 = any free port).",
  }),
  publicBaseUrl: setting({
    env: "FACADE_PUBLIC_BASE_URL",
    schema: optionalUrl(),
    default: "",
    doc: "The FHIR base URL clients see (behind a proxy); default: derived from the request.",
  }),
  dataDir: setting({
    env: "FACADE_DATA_DIR",
    schema: text("./data"),
    default: "./data",
    doc: "Writable directory for the SQLite mirror and downloads.",
  }),
  logLevel: setting({
    env: "FACADE_LOG_LEVEL",
    schema: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
    default: "info",
    doc: "pino log level.",
  }),
  shutdownTimeoutMs: setting({
    env: "FACADE_SHUTDOWN_TIMEOUT_MS",
    schema: int(0, 600_000, 10_000),
    default: "10000",
    doc: "On SIGTERM/SIGINT, how long in-flight requests may take before connections are cut.",
  }),
  trustProxy: setting({
    env: "FACADE_TRUST_PROXY",
    schema: int(0, 10, 0),
    default: "0",
    doc: "Number of reverse proxies in front (for the client address in logs and rate limits).",
  }),
  auth: setting({
    env: "FACADE_AUTH",
    schema: oneOf(["auto", "on", "off"], "auto"),
    default: "auto",
    doc: "`auto`: on when API keys or a JWT issuer are configured; `on`: required; `off`: no authentication (loopback only).",
  }),
  allowUnauthenticated: setting({
    env: "FACADE_ALLOW_UNAUTHENTICATED",
    schema: bool(false),
    default: "false",
    doc: "Explicitly allow authentication off on a non-loopback address (behind your own gateway).",
  }),
  apiKeys: setting({
    env: "FACADE_API_KEYS",
    schema: secret(),
    secret: true,
    default: "",
    doc: 'JSON list of API keys: `[{"name":"ward-app","sha256":"<hex SHA-256 of the key>","scopes":["system/Organization.read"]}]`.',
  }),
  jwtIssuer: setting({
    env: "FACADE_JWT_ISSUER",
    schema: optionalText(),
    default: "",
    doc: "Required `iss` of bearer JWTs.",
  }),
  jwtAudience: setting({
    env: "FACADE_JWT_AUDIENCE",
    schema: optionalText(),
    default: "",
    doc: "Required `aud` of bearer JWTs.",
  }),
  jwtJwksUrl: setting({
    env: "FACADE_JWT_JWKS_URL",
    schema: optionalUrl(),
    default: "",
    doc: "JWKS URL of the issuer (keys cached).",
  }),
  jwtPublicKey: setting({
    env: "FACADE_JWT_PUBLIC_KEY",
    schema: secret(),
    secret: true,
    default: "",
    doc: "PEM public key instead of a JWKS URL.",
  }),
  jwtAlgorithms: setting({
    env: "FACADE_JWT_ALGORITHMS",
    schema: list(DEFAULT_JWT_ALGORITHMS),
    default: DEFAULT_JWT_ALGORITHMS.join(","),
    doc: "Allowed JWT algorithms (asymmetric only; `none` and HS* are refused).",
  }),
  jwtClockToleranceS: setting({
    env: "FACADE_JWT_CLOCK_TOLERANCE_S",
    schema: int(0, 300, 30),
    default: "30",
    doc: "Clock skew allowed on `exp`/`nbf`.",
  }),
  jwksCacheTtlS: setting({
    env: "FACADE_JWT_JWKS_CACHE_TTL_S",
    schema: int(1, 86_400, 600),
    default: "600",
    doc: "How long JWKS keys are cached.",
  }),
  metricsPublic: setting({
    env: "FACADE_METRICS_PUBLIC",
    schema: bool(false),
    default: "false",
    doc: "Serve /metrics without authentication (otherwise it needs the scope `system/metrics.read`).",
  }),
  rateLimitPerS: setting({
    env: "FACADE_RATE_LIMIT_PER_S",
    schema: int(0, 1_000_000, 50),
    default: "50",
    doc: "Sustained requests per second per client (API key / JWT client / address); 0 = no limit.",
  }),
  rateLimitBurst: setting({
    env: "FACADE_RATE_LIMIT_BURST",
    schema: int(1, 1_000_000, 100),
    default: "100",
    doc: "Burst size of the per-client limit.",
  }),
  maxBodyBytes: setting({
    env: "FACADE_MAX_BODY_BYTES",
    schema: int(1, 104_857_600, 1_048_576),
    default: "1048576",
    doc: "Largest request body (413 above).",
  }),
  maxUrlLength: setting({
    env: "FACADE_MAX_URL_LENGTH",
    schema: int(64, 65_536, 8192),
    default: "8192",
    doc: "Longest request target (414 above).",
  }),
  maxHeaderBytes: setting({
    env: "FACADE_MAX_HEADER_BYTES",
    schema: int(1024, 1_048_576, 16_384),
    default: "16384",
    doc: "Largest request head, all headers together (431 above).",
  }),
  maxHeaders: setting({
    env: "FACADE_MAX_HEADERS",
    schema: int(8, 2000, 100),
    default: "100",
    doc: "Most request headers (431 above).",
  }),
  requestTimeoutMs: setting({
    env: "FACADE_REQUEST_TIMEOUT_MS",
    schema: int(100, 600_000, 30_000),
    default: "30000",
    doc: "Deadline for a whole request; past it the caller gets 503 `timeout`.",
  }),
  upstreamMaxConcurrency: setting({
    env: "FACADE_UPSTREAM_MAX_CONCURRENCY",
    schema: int(1, 10_000, 32),
    default: "32",
    doc: "Most concurrent calls to upstreams (Terminology Server, ORD); others queue.",
  }),
  upstreamQueueTimeoutMs: setting({
    env: "FACADE_UPSTREAM_QUEUE_TIMEOUT_MS",
    schema: int(0, 60_000, 2000),
    default: "2000",
    doc: "How long a call may wait for an upstream slot before 503 with Retry-After.",
  }),
  terminologyBaseUrl: setting({
    env: "FACADE_TERMINOLOGY_BASE_URL",
    schema: url(NHS_TERMINOLOGY_BASE_URL),
    default: NHS_TERMINOLOGY_BASE_URL,
    doc: "Upstream FHIR terminology base.",
  }),
  terminologyTokenUrl: setting({
    env: "FACADE_TERMINOLOGY_TOKEN_URL",
    schema: url(NHS_TERMINOLOGY_TOKEN_URL),
    default: NHS_TERMINOLOGY_TOKEN_URL,
    doc: "OAuth2 token endpoint for the upstream.",
  }),
  terminologyClientId: setting({
    env: "FACADE_TERMINOLOGY_CLIENT_ID",
    schema: optionalText(),
    default: "",
    doc: "System-to-system client id; the terminology gateway is on when this is set.",
  }),
  terminologyClientSecret: setting({
    env: "FACADE_TERMINOLOGY_CLIENT_SECRET",
    schema: secret(),
    secret: true,
    default: "",
    doc: "Client secret (client_secret_post / client_secret_basic).",
  }),
  terminologyPrivateKey: setting({
    env: "FACADE_TERMINOLOGY_PRIVATE_KEY",
    schema: secret(),
    secret: true,
    default: "",
    doc: "PEM private key for private_key_jwt (instead of a secret).",
  }),
  terminologyKeyId: setting({
    env: "FACADE_TERMINOLOGY_KEY_ID",
    schema: optionalText(),
    default: "",
    doc: "`kid` of the private key (required with it).",
  }),
  terminologyAuthMethod: setting({
    env: "FACADE_TERMINOLOGY_AUTH_METHOD",
    schema: oneOf(["auto", "client_secret_post", "client_secret_basic", "private_key_jwt"], "auto"),
    default: "auto",
    doc: "`auto`: private_key_jwt with a key, else client_secret_post.",
  }),
  terminologyScope: setting({
    env: "FACADE_TERMINOLOGY_SCOPE",
    schema: optionalText(),
    default: "",
    doc: "OAuth2 scope to request, if any.",
  }),
  terminologyTimeoutMs: setting({
    env: "FACADE_TERMINOLOGY_TIMEOUT_MS",
    schema: int(100, 300_000, 10_000),
    default: "10000",
    doc: "Upstream request timeout (504 past it).",
  }),
  terminologyCacheTtlS: setting({
    env: "FACADE_TERMINOLOGY_CACHE_TTL_S",
    schema: int(0, 604_800, 600),
    default: "600",
    doc: "Cache TTL of successful answers; 0 = no cache.",
  }),
  terminologyCacheNotFoundTtlS: setting({
    env: "FACADE_TERMINOLOGY_CACHE_404_TTL_S",
    schema: int(0, 604_800, 60),
    default: "60",
    doc: "Cache TTL of 404 answers.",
  }),
  terminologyStaleIfErrorS: setting({
    env: "FACADE_TERMINOLOGY_STALE_IF_ERROR_S",
    schema: int(0, 604_800, 300),
    default: "300",
    doc: "How long an expired entry may be served while the upstream fails.",
  }),
  terminologyCacheMaxBytes: setting({
    env: "FACADE_TERMINOLOGY_CACHE_MAX_BYTES",
    schema: int(0, 17_179_869_184, 67_108_864),
    default: "67108864",
    doc: "Memory cache size bound (LRU).",
  }),
  redisUrl: setting({
    env: "FACADE_REDIS_URL",
    schema: secret(),
    secret: true,
    default: "",
    doc: "Redis URL for a cache shared by replicas (`redis://host:6379/0`); default: in-memory cache.",
  }),
  terminologyBudgetRequests: setting({
    env: "FACADE_TERMINOLOGY_BUDGET_REQUESTS",
    schema: int(1, 10_000_000, 5000),
    default: "5000",
    doc: "Upstream calls allowed per budget window (NHS: 5,000 per 5 minutes).",
  }),
  terminologyBudgetWindowS: setting({
    env: "FACADE_TERMINOLOGY_BUDGET_WINDOW_S",
    schema: int(1, 86_400, 300),
    default: "300",
    doc: "Budget window.",
  }),
  mirrorBackend: setting({
    env: "FACADE_MIRROR_BACKEND",
    schema: oneOf(["sqlite", "postgres"], "sqlite"),
    default: "sqlite",
    doc: "ODS mirror store: embedded SQLite file or shared PostgreSQL.",
  }),
  mirrorSqlitePath: setting({
    env: "FACADE_MIRROR_SQLITE_PATH",
    schema: optionalText(),
    default: "<data dir>/ods-mirror.sqlite",
    doc: "SQLite file of the mirror.",
  }),
  databaseUrl: setting({
    env: "FACADE_DATABASE_URL",
    schema: secret(),
    secret: true,
    default: "",
    doc: "PostgreSQL URL (`postgres://user@host:5432/db`), required with the postgres backend.",
  }),
  mirrorSyncIntervalS: setting({
    env: "FACADE_MIRROR_SYNC_INTERVAL_S",
    schema: int(0, 2_592_000, 86_400),
    default: "86400",
    doc: "How often the sync leader pulls ORD changes (the first sync runs 5 s after start); 0 = never.",
  }),
  mirrorBaselineFile: setting({
    env: "FACADE_MIRROR_BASELINE_FILE",
    schema: optionalText(),
    default: "",
    doc: "ODS XML full file (or TRUD zip) to load when the mirror is empty; default: the bundled sample.",
  }),
  ordBaseUrl: setting({
    env: "FACADE_ORD_BASE_URL",
    schema: url(ORD_BASE_URL),
    default: ORD_BASE_URL,
    doc: "ODS ORD API base.",
  }),
  trudApiKey: setting({
    env: "FACADE_TRUD_API_KEY",
    schema: secret(),
    secret: true,
    default: "",
    doc: "NHS TRUD API key, to download the ODS full file (item 341).",
  }),
  trudBaseUrl: setting({
    env: "FACADE_TRUD_BASE_URL",
    schema: optionalUrl(),
    default: "",
    doc: "TRUD API base (default: trud-core's).",
  }),
  odsReadThrough: setting({
    env: "FACADE_ODS_READ_THROUGH",
    schema: bool(true),
    default: "true",
    doc: "Answer codes missing from the mirror from the live ORD API (rate-limited, cached).",
  }),
} as const;

/** The parsed value of each setting. */
export type SettingValues = {
  -readonly [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;
};
