import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

import type { Redis } from "ioredis";

import type { UpstreamBudget } from "./budget.js";
import { TerminologyGatewayError } from "./errors.js";

/** Options of {@link RedisRequestBudget}. */
export interface RedisRequestBudgetOptions {
  readonly redis: Redis;
  /** The Redis key of the shared window (default `fhir-facade:tx-budget`); tests use a unique one. */
  readonly key?: string;
  /** Requests per window for all replicas together (default 5,000). */
  readonly limit?: number;
  /** Window in ms (default 5 minutes). */
  readonly windowMs?: number;
  /** Longest wait for budget before 429 (default 2 s). */
  readonly maxQueueMs?: number;
  readonly now?: () => number;
  /** Called when Redis fails; the budget then lets the request through (the upstream's own limit still applies). */
  readonly onError?: (err: unknown) => void;
}

/**
 * One sliding window in a Redis sorted set (member per request, score = start time), checked and taken atomically
 * by a Lua script: trims entries older than the window, then either adds this request (returns 0) or returns how
 * long until the oldest entry leaves the window.
 */
const TAKE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/**
 * The upstream budget shared by every replica through Redis, so that the whole facade (not each process) stays
 * under the Terminology Server's "5000 requests per 5 minute period".
 */
export class RedisRequestBudget implements UpstreamBudget {
  readonly #o: Required<Omit<RedisRequestBudgetOptions, "redis" | "onError">> &
    Pick<RedisRequestBudgetOptions, "onError">;
  readonly #redis: Redis;

  constructor(options: RedisRequestBudgetOptions) {
    this.#redis = options.redis;
    this.#o = {
      key: options.key ?? "fhir-facade:tx-budget",
      limit: options.limit ?? 5000,
      windowMs: options.windowMs ?? 5 * 60_000,
      maxQueueMs: options.maxQueueMs ?? 2000,
      now: options.now ?? Date.now,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    };
  }

  async acquire(): Promise<void> {
    const deadline = this.#o.now() + this.#o.maxQueueMs;
    for (;;) {
      let wait: number;
      try {
        wait = Number(
          await this.#redis.eval(
            TAKE,
            1,
            this.#o.key,
            this.#o.now(),
            this.#o.windowMs,
            this.#o.limit,
            randomUUID(),
          ),
        );
      } catch (err) {
        this.#o.onError?.(err);
        return;
      }
      if (wait === 0) {
        return;
      }
      if (this.#o.now() + wait > deadline) {
        throw new TerminologyGatewayError(
          "budget-exhausted",
          "The facade's request budget for the NHS England Terminology Server is spent for now; retry later",
          { retryAfterS: Math.max(1, Math.ceil(wait / 1000)) },
        );
      }
      await sleep(Math.min(wait, 50));
    }
  }

  close(): void {
    // the Redis client belongs to the caller
  }
}
