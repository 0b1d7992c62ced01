/**
 * One cached upstream answer. Bodies are stored as the upstream sent them (before base-URL rewriting, which
 * depends on the facade base of the request that is served).
 */
export interface CacheEntry {
  readonly status: number;
  /** Filtered upstream headers (`filterResponseHeaders`). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** The upstream's `ETag`, used to revalidate with `If-None-Match`. */
  readonly etag: string | undefined;
  /** When the entry was stored or last revalidated (ms since the epoch). */
  readonly storedAt: number;
  /** Fresh until (ms since the epoch). */
  readonly freshUntil: number;
  /** May be served stale when the upstream fails until (ms since the epoch). */
  readonly staleUntil: number;
}

/**
 * Where cached answers live: in memory (one replica) or Redis (shared by several replicas). Implementations
 * drop entries at `staleUntil` themselves.
 */
export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined> | CacheEntry | undefined;
  set(key: string, entry: CacheEntry): Promise<void> | void;
  delete(key: string): Promise<void> | void;
  /** Bytes held (memory store) or undefined when the store cannot tell cheaply. */
  readonly size?: number;
  close?(): Promise<void>;
}

/** The size an entry counts for against the byte bound: body, headers, key and a fixed overhead. */
export function entryBytes(key: string, entry: CacheEntry): number {
  let bytes = entry.body.length + key.length * 2 + 128;
  for (const [name, value] of entry.headers) {
    bytes += (name.length + value.length) * 2;
  }
  return bytes;
}

/**
 * An in-memory LRU bounded by bytes: a `Map` kept in recency order (a hit moves the entry to the end; eviction
 * takes from the front), as CSIRO's Varnish bounds its storage. Entries past `staleUntil` are dropped on read.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, { entry: CacheEntry; bytes: number }>();
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: { readonly maxBytes: number; readonly now?: () => number }) {
    this.#maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#bytes;
  }

  /** How many entries are held. */
  get count(): number {
    return this.#entries.size;
  }

  get(key: string): CacheEntry | undefined {
    const held = this.#entries.get(key);
    if (held === undefined) {
      return undefined;
    }
    if (held.entry.staleUntil <= this.#now()) {
      this.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, held);
    return held.entry;
  }

  set(key: string, entry: CacheEntry): void {
    const bytes = entryBytes(key, entry);
    this.delete(key);
    if (bytes > this.#maxBytes) {
      return;
    }
    this.#entries.set(key, { entry, bytes });
    this.#bytes += bytes;
    for (const [oldest, held] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) {
        break;
      }
      this.#entries.delete(oldest);
      this.#bytes -= held.bytes;
    }
  }

  delete(key: string): void {
    const held = this.#entries.get(key);
    if (held !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= held.bytes;
    }
  }
}
