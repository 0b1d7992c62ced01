import { TrudError } from "./errors.js";
import { redactKey } from "./redact.js";

/**
 * One TRUD release, with every field of the real release object (upstream-trud.md §1.4, the 20 fields of the
 * recorded item-341 list) plus two derived ones. URLs are stored **with the key redacted** (`/keys/<REDACTED>/`)
 * so a release can be logged, serialised or written to a manifest safely; the client puts the key back when
 * it downloads.
 */
export interface TrudRelease {
  /** Usually equals `archiveFileName`; older releases use ids such as `ODS_9.0.0_20200925000001`. */
  readonly id: string;
  readonly name: string;
  /** `YYYY-MM-DD`; may differ from the date in the file name. */
  readonly releaseDate: string;
  /** Key redacted. Raw spaces are kept as TRUD sent them (they are encoded when requested). */
  readonly archiveFileUrl: string;
  readonly archiveFileName: string;
  /** A JS number: exact up to 2^53 bytes, so sizes beyond 4 GB are safe. */
  readonly archiveFileSizeBytes: number;
  /** 64 upper-case hex characters; absent from responses before late 2021. */
  readonly archiveFileSha256?: string;
  /** Changes when TRUD reissues a release (same id, new bytes). */
  readonly archiveFileLastModifiedTimestamp: string;
  readonly checksumFileUrl?: string;
  readonly checksumFileName?: string;
  readonly checksumFileSizeBytes?: number;
  readonly checksumFileLastModifiedTimestamp?: string;
  /** Ends with `.xml.asc` although the name ends with `.sig`. */
  readonly signatureFileUrl?: string;
  readonly signatureFileName?: string;
  readonly signatureFileSizeBytes?: number;
  readonly signatureFileLastModifiedTimestamp?: string;
  readonly publicKeyFileUrl?: string;
  readonly publicKeyFileName?: string;
  readonly publicKeyFileSizeBytes?: number;
  readonly publicKeyId?: number;
  /** Derived: `items` for `/content/items/<n>/…` (from 2021-12), `pack` for `/content/<PACK>/<ver>/<SUB>/…`. */
  readonly urlEra: "items" | "pack" | "other";
  /** Derived: `file-name` when `id` equals `archiveFileName`, else `pack-id` (e.g. `ODS_9.0.0_…`, up to 2020-09). */
  readonly idEra: "file-name" | "pack-id";
}

/** A parsed release list (the envelope of upstream-trud.md §1.3). */
export interface TrudReleaseList {
  readonly apiVersion: string;
  /** Newest first, as TRUD orders them. */
  readonly releases: readonly TrudRelease[];
}

type Json = Record<string, unknown>;

function fail(field: string, expected: string, value: unknown): never {
  const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  throw new TrudError("invalid-response", `TRUD release list: ${field} must be ${expected} (got ${got})`, {
    field,
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(obj: Json, key: string, path: string, pattern?: RegExp): string {
  const value = obj[key];
  if (typeof value !== "string" || value.length === 0 || (pattern && !pattern.test(value))) {
    fail(`${path}.${key}`, pattern ? `a string matching ${String(pattern)}` : "a non-empty string", value);
  }
  return value;
}

function optional<T>(obj: Json, key: string, read: () => T): T | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : read();
}

function size(obj: Json, key: string, path: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`${path}.${key}`, "a non-negative safe integer", value);
  }
  return value;
}

function timestamp(obj: Json, key: string, path: string): string {
  const value = str(obj, key, path);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    fail(`${path}.${key}`, "an ISO-8601 timestamp", value);
  }
  return value;
}

function url(obj: Json, key: string, path: string, apiKey: string | undefined): string {
  const value = str(obj, key, path);
  try {
    const parsed = new URL(value.replaceAll(" ", "%20"));
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new Error("not http(s)");
    }
  } catch {
    fail(`${path}.${key}`, "an absolute http(s) URL", value);
  }
  return redactKey(value, apiKey);
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;

/** Parses one release object; `path` names it in errors (e.g. `releases[3]`). */
export function parseRelease(value: unknown, path: string, apiKey?: string): TrudRelease {
  if (!isObject(value)) {
    fail(path, "an object", value);
  }
  const archiveFileUrl = url(value, "archiveFileUrl", path, apiKey);
  const id = str(value, "id", path);
  const archiveFileName = str(value, "archiveFileName", path);
  const sha = optional(value, "archiveFileSha256", () => str(value, "archiveFileSha256", path, SHA256));
  const release: TrudRelease = {
    id,
    name: typeof value.name === "string" ? value.name : fail(`${path}.name`, "a string", value.name),
    releaseDate: str(value, "releaseDate", path, DATE),
    archiveFileUrl,
    archiveFileName,
    archiveFileSizeBytes: size(value, "archiveFileSizeBytes", path),
    ...(sha === undefined ? {} : { archiveFileSha256: sha.toUpperCase() }),
    archiveFileLastModifiedTimestamp: timestamp(value, "archiveFileLastModifiedTimestamp", path),
    ...supportFile(value, "checksumFile", path, apiKey),
    ...supportFile(value, "signatureFile", path, apiKey),
    ...supportFile(value, "publicKeyFile", path, apiKey),
    ...optionalField(value, "publicKeyId", () => size(value, "publicKeyId", path)),
    urlEra: /\/content\/items\/\d+\//.test(archiveFileUrl)
      ? "items"
      : /\/content\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/.test(archiveFileUrl)
        ? "pack"
        : "other",
    idEra: id === archiveFileName ? "file-name" : "pack-id",
  };
  return Object.freeze(release);
}

function optionalField<K extends string, T>(obj: Json, key: K, read: () => T): Partial<Record<K, T>> {
  const value = optional(obj, key, read);
  return value === undefined ? {} : ({ [key]: value } as Record<K, T>);
}

function supportFile(obj: Json, prefix: string, path: string, apiKey: string | undefined): Json {
  return {
    ...optionalField(obj, `${prefix}Url`, () => url(obj, `${prefix}Url`, path, apiKey)),
    ...optionalField(obj, `${prefix}Name`, () => str(obj, `${prefix}Name`, path)),
    ...optionalField(obj, `${prefix}SizeBytes`, () => size(obj, `${prefix}SizeBytes`, path)),
    ...optionalField(obj, `${prefix}LastModifiedTimestamp`, () =>
      timestamp(obj, `${prefix}LastModifiedTimestamp`, path),
    ),
  };
}

/**
 * Parses a TRUD release-list body (already JSON-decoded). Lenient where the doc says so (unknown fields are
 * ignored; the checksum, signature, public-key and SHA-256 fields are optional), strict on everything a
 * download depends on: any other deviation is a `TrudError` with code `invalid-response` whose `field` names
 * the offending field, e.g. `releases[3].archiveFileSizeBytes`.
 *
 * @param apiKey - redacted from the URLs kept in the result.
 * @see upstream-trud.md §1.3–1.4
 */
export function parseReleaseList(body: unknown, apiKey?: string): TrudReleaseList {
  if (!isObject(body)) {
    fail("(body)", "a JSON object", body);
  }
  const apiVersion = str(body, "apiVersion", "(body)");
  const releases = body.releases;
  if (!Array.isArray(releases)) {
    fail("releases", "an array", releases);
  }
  const parsed = releases.map((r, i) => parseRelease(r, `releases[${i}]`, apiKey));
  const ids = new Set<string>();
  for (const [i, r] of parsed.entries()) {
    if (ids.has(r.id)) {
      fail(`releases[${i}].id`, "unique within the list", r.id);
    }
    ids.add(r.id);
  }
  return { apiVersion, releases: parsed };
}
