import { FhirError } from "./errors.js";
import { matchesAll, sortValue } from "./match.js";
import type {
  OdsRepository,
  ReadResult,
  SearchPage,
  StoredResource,
  StoredType,
  SuccessionLink,
} from "./repository.js";
import type { RepositoryQuery, SearchCondition } from "./search-query.js";

type Json = Record<string, unknown>;

interface Entry {
  readonly stored: StoredResource;
  readonly parsed: Json;
}

/** Options of {@link MemoryOdsRepository}. */
export interface MemoryRepositoryOptions {
  /** Clock for `ap` date matching. */
  readonly now?: () => number;
}

/** What {@link MemoryOdsRepository.put} accepts. */
export type PutResource = fhir4.Organization | fhir4.OrganizationAffiliation;

/**
 * An in-memory {@link OdsRepository}: the fake that ships with the port (for tests and demos), evaluating every
 * condition with the same matcher the CapabilityStatement documents.
 */
export class MemoryOdsRepository implements OdsRepository {
  readonly #entries: Record<StoredType, Map<string, Entry>> = {
    Organization: new Map(),
    OrganizationAffiliation: new Map(),
  };
  readonly #deleted = new Map<string, string | undefined>();
  readonly #succession = new Map<string, SuccessionLink[]>();
  readonly #now: () => number;

  constructor(options: MemoryRepositoryOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Stores a resource (replacing any earlier version). `meta.versionId` defaults to "1" and `meta.lastUpdated`
   * to now; both are written into the stored JSON.
   */
  put(resource: PutResource): StoredResource {
    if (resource.id === undefined || resource.id === "") {
      throw new TypeError("a stored resource needs an id");
    }
    const meta = { ...resource.meta };
    meta.versionId ??= "1";
    meta.lastUpdated ??= new Date(this.#now()).toISOString();
    const withMeta = { ...resource, meta } as Json;
    const stored: StoredResource = {
      resourceType: resource.resourceType,
      id: resource.id,
      versionId: meta.versionId,
      lastUpdated: meta.lastUpdated,
      json: Buffer.from(JSON.stringify(withMeta)),
    };
    this.#entries[resource.resourceType].set(resource.id, { stored, parsed: withMeta });
    this.#deleted.delete(`${resource.resourceType}/${resource.id}`);
    return stored;
  }

  /** Removes a resource and keeps a tombstone (reads answer "deleted", i.e. 410). */
  delete(type: StoredType, id: string, deletedAt?: string): void {
    this.#entries[type].delete(id);
    this.#deleted.set(`${type}/${id}`, deletedAt);
  }

  /** Records the succession links of an organisation. */
  setSuccession(code: string, links: readonly SuccessionLink[]): void {
    this.#succession.set(code, [...links]);
  }

  /** Number of stored resources of a type. */
  size(type: StoredType): number {
    return this.#entries[type].size;
  }

  read(type: StoredType, id: string): ReadResult {
    const entry = this.#entries[type].get(id);
    if (entry !== undefined) {
      return { status: "found", resource: entry.stored };
    }
    const key = `${type}/${id}`;
    if (this.#deleted.has(key)) {
      return { status: "deleted", id, deletedAt: this.#deleted.get(key) };
    }
    return { status: "missing" };
  }

  search(query: RepositoryQuery): Promise<SearchPage> {
    if (query.resourceType === "CodeSystem") {
      return Promise.resolve({ total: 0, resources: [], hasMore: false });
    }
    if (query.conditions.some((c: SearchCondition) => c.kind === "chain")) {
      return Promise.reject(
        new FhirError("internal", "chained conditions must be resolved before the repository"),
      );
    }
    const context = { now: this.#now(), chains: new Map() };
    const matches: Entry[] = [];
    for (const entry of this.#entries[query.resourceType].values()) {
      if (matchesAll(entry.parsed, query.conditions, context)) {
        matches.push(entry);
      }
    }
    const keyed = matches.map((entry) => ({
      entry,
      keys: query.sort.map((s) => sortValue(entry.parsed, s.param)),
    }));
    keyed.sort((a, b) => {
      for (let i = 0; i < query.sort.length; i++) {
        const av = a.keys[i];
        const bv = b.keys[i];
        if (av === bv) {
          continue;
        }
        // Missing values sort last whatever the direction.
        if (av === undefined) {
          return 1;
        }
        if (bv === undefined) {
          return -1;
        }
        const cmp = av < bv ? -1 : 1;
        return query.sort[i]?.descending === true ? -cmp : cmp;
      }
      return 0;
    });
    const page = keyed.slice(query.offset, query.offset + query.count).map((k) => k.entry.stored);
    return Promise.resolve({
      total: query.total ? matches.length : undefined,
      resources: page,
      hasMore: query.offset + query.count < matches.length,
    });
  }

  succession(code: string): Promise<readonly SuccessionLink[]> {
    return Promise.resolve(this.#succession.get(code) ?? []);
  }
}
