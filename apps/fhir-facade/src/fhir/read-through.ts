import { FhirError } from "./errors.js";
import type { StoredResource } from "./repository.js";

/**
 * Where organisations missing from the mirror can be fetched live (ods-core's rate-limited ORD client plus its
 * FHIR mapping, wired by the app). `undefined` = ORD does not know the code either.
 */
export interface LiveOrganizationSource {
  fetchOrganization(code: string): Promise<fhir4.Organization | undefined>;
}

/** Options of {@link ReadThroughCache}. */
export interface ReadThroughOptions {
  readonly source: LiveOrganizationSource;
  /** How long a live answer is reused (default 10 minutes). */
  readonly ttlMs?: number;
  /** How long "ORD does not know it" is reused (default 1 minute). */
  readonly negativeTtlMs?: number;
  /** Most cached codes (oldest dropped first; default 10,000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface CacheEntry {
  readonly value: StoredResource | undefined;
  readonly expires: number;
}

const CODE_RE = /^[A-Za-z0-9]{1,12}$/;

/**
 * The optional read-through to live ORD, with a bounded TTL cache (positive and negative) and request
 * coalescing: concurrent reads of the same code make one upstream call.
 */
export class ReadThroughCache {
  readonly #source: LiveOrganizationSource;
  readonly #ttl: number;
  readonly #negativeTtl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<StoredResource | undefined>>();

  constructor(options: ReadThroughOptions) {
    this.#source = options.source;
    this.#ttl = options.ttlMs ?? 600_000;
    this.#negativeTtl = options.negativeTtlMs ?? 60_000;
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (this.#ttl < 0 || this.#negativeTtl < 0 || this.#max < 1) {
      throw new RangeError("read-through cache: ttl must be >= 0 and maxEntries >= 1");
    }
  }

  /** The organisation from live ORD (cached), `undefined` when ORD does not know it. */
  async get(code: string): Promise<StoredResource | undefined> {
    // Only plausible ODS codes go upstream (never user-controlled text of arbitrary shape).
    if (!CODE_RE.test(code)) {
      return undefined;
    }
    const now = this.#now();
    const hit = this.#cache.get(code);
    if (hit !== undefined && hit.expires > now) {
      return hit.value;
    }
    const pending = this.#inflight.get(code);
    if (pending !== undefined) {
      return pending;
    }
    const promise = this.#fetch(code).finally(() => this.#inflight.delete(code));
    this.#inflight.set(code, promise);
    return promise;
  }

  async #fetch(code: string): Promise<StoredResource | undefined> {
    let org: fhir4.Organization | undefined;
    try {
      org = await this.#source.fetchOrganization(code);
    } catch (err) {
      throw new FhirError(
        "upstream-unavailable",
        `Organization/${code} is not in the mirror and live ORD did not answer`,
        {
          cause: err,
        },
      );
    }
    const value = org === undefined ? undefined : toStored(org, code, this.#now());
    if (this.#cache.size >= this.#max) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) {
        this.#cache.delete(oldest.value);
      }
    }
    this.#cache.set(code, {
      value,
      expires: this.#now() + (value === undefined ? this.#negativeTtl : this.#ttl),
    });
    return value;
  }
}

function toStored(org: fhir4.Organization, code: string, now: number): StoredResource {
  const meta = { ...org.meta };
  meta.versionId ??= "1";
  meta.lastUpdated ??= new Date(now).toISOString();
  const resource = { ...org, id: org.id ?? code, meta };
  return {
    resourceType: "Organization",
    id: resource.id,
    versionId: meta.versionId,
    lastUpdated: meta.lastUpdated,
    json: Buffer.from(JSON.stringify(resource)),
  };
}
