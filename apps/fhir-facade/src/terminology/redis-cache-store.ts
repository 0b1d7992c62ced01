import { createHash } from "node:crypto";

import type { Redis } from "ioredis";

import type { CacheEntry, CacheStore } from "./cache-store.js";

/** Options of {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /** A connected ioredis client; the store does not own it unless `ownsClient`. */
  readonly redis: Redis;
  /** Prefix of every key (default `fhir-facade:tx:`); tests use a unique one per run. */
  readonly keyPrefix?: string;
  /** Largest entry stored, in bytes (default 1 MiB); Redis's own `maxmemory` policy bounds the total. */
  readonly maxEntryBytes?: number;
  readonly now?: () => number;
  /** Called when Redis fails; the store then behaves as a miss (get) or a no-op (set). */
  readonly onError?: (err: unknown) => void;
}

interface StoredHead {
  readonly k: string;
  readonly s: number;
  readonly h: readonly (readonly [string, string])[];
  readonly e: string | undefined;
  readonly t: number;
  readonly f: number;
  readonly x: number;
}

/**
 * The shared cache for several replicas: one Redis string per entry, named by a SHA-256 of the cache key, holding a
 * small JSON head (status, headers, ETag, times, and the full key to rule out collisions) and the body bytes. Each
 * entry expires in Redis at its `staleUntil` (`PX`). A Redis failure never fails a request.
 */
export class RedisCacheStore implements CacheStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #maxEntryBytes: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;

  constructor(options: RedisCacheStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? "fhir-facade:tx:";
    this.#maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
  }

  #name(key: string): string {
    return this.#prefix + createHash("sha256").update(key).digest("base64url");
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    let raw: Buffer | null;
    try {
      raw = await this.#redis.getBuffer(this.#name(key));
    } catch (err) {
      this.#onError(err);
      return undefined;
    }
    if (raw === null || raw.length < 4) {
      return undefined;
    }
    try {
      const headLength = raw.readUInt32BE(0);
      const head = JSON.parse(raw.subarray(4, 4 + headLength).toString("utf8")) as StoredHead;
      if (head.k !== key || head.x <= this.#now()) {
        return undefined;
      }
      return {
        status: head.s,
        headers: head.h,
        etag: head.e,
        storedAt: head.t,
        freshUntil: head.f,
        staleUntil: head.x,
        body: raw.subarray(4 + headLength),
      };
    } catch (err) {
      this.#onError(err);
      return undefined;
    }
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const ttl = entry.staleUntil - this.#now();
    if (ttl <= 0) {
      return;
    }
    const head: StoredHead = {
      k: key,
      s: entry.status,
      h: entry.headers,
      e: entry.etag,
      t: entry.storedAt,
      f: entry.freshUntil,
      x: entry.staleUntil,
    };
    const headBytes = Buffer.from(JSON.stringify(head), "utf8");
    if (headBytes.length + entry.body.length > this.#maxEntryBytes) {
      return;
    }
    const length = Buffer.alloc(4);
    length.writeUInt32BE(headBytes.length, 0);
    try {
      await this.#redis.set(
        this.#name(key),
        Buffer.concat([length, headBytes, entry.body]),
        "PX",
        Math.ceil(ttl),
      );
    } catch (err) {
      this.#onError(err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#redis.del(this.#name(key));
    } catch (err) {
      this.#onError(err);
    }
  }
}
