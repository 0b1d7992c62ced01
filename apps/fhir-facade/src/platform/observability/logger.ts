import { pino } from "pino";
import type { DestinationStream, Logger } from "pino";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level: string;
  /** Values that must never be written (client secret, private key, TRUD key...), scrubbed from every line. */
  readonly secrets?: readonly string[];
  /** Where lines go (default: stdout). Tests pass a stream that captures them. */
  readonly destination?: DestinationStream;
}

const CENSOR = "[redacted]";
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "apiKey",
  "api_key",
  "apikey",
  "password",
  "secret",
  "clientSecret",
  "client_secret",
  "privateKey",
  "private_key",
  "token",
  "accessToken",
  "access_token",
  "refresh_token",
  "assertion",
  "client_assertion",
  "trudApiKey",
  "databaseUrl",
  "redisUrl",
];

/**
 * Field paths pino censors (https://getpino.io/#/docs/redaction): the secret-bearing keys at the top
 * level, one level down, and in request/response headers.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.map((k) => (/^[A-Za-z_]+$/.test(k) ? k : `["${k}"]`)),
  ...SECRET_KEYS.map((k) => (/^[A-Za-z_]+$/.test(k) ? `*.${k}` : `*["${k}"]`)),
  ...["req.headers", "res.headers", "headers"].flatMap((h) =>
    SECRET_KEYS.map((k) => (/^[A-Za-z_]+$/.test(k) ? `${h}.${k}` : `${h}["${k}"]`)),
  ),
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Builds the function that scrubs a serialised log line: known secret values (and their JSON-escaped
 * forms, since a PEM key has newlines), `Bearer` credentials, and TRUD keys in TRUD API paths
 * (`/keys/<key>/items`), whatever field they ended up in (an error message, a URL).
 */
export function createScrubber(secrets: readonly string[]): (line: string) => string {
  const values = new Set<string>();
  for (const s of secrets) {
    if (s.length >= 4) {
      values.add(s);
      values.add(JSON.stringify(s).slice(1, -1));
    }
  }
  const known =
    values.size === 0
      ? undefined
      : new RegExp(
          [...values]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join("|"),
          "g",
        );
  return (line) => {
    let out = known === undefined ? line : line.replace(known, CENSOR);
    if (out.includes("earer ")) {
      out = out.replace(/([Bb]earer\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1${CENSOR}`);
    }
    if (out.includes("/keys/")) {
      out = out.replace(/\/keys\/[^/"\s]+\//g, `/keys/${CENSOR}/`);
    }
    return out;
  };
}

/** The facade's pino logger: JSON lines, secrets redacted by field path and scrubbed by value. */
export function createLogger(options: LoggerOptions): Logger {
  const scrub = createScrubber(options.secrets ?? []);
  return pino(
    {
      level: options.level,
      base: { service: "fhir-facade" },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      hooks: { streamWrite: scrub },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
