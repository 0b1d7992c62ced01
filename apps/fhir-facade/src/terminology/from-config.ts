import type { Redis } from "ioredis";

import type { TerminologyConfig } from "../config.js";
import { createTerminologyGateway } from "./gateway.js";
import type { TerminologyGateway } from "./gateway.js";
import type { LocalCodeSystems } from "./local-code-systems.js";
import type { TerminologyEvent } from "./options.js";
import { RedisRequestBudget } from "./redis-budget.js";
import { RedisCacheStore } from "./redis-cache-store.js";
import { tokenClientFetch } from "./token-fetch.js";
import type { TokenClientLike } from "./token-fetch.js";

/** What main.ts hands over besides the config: the token client (built with the revealed secret there). */
export interface TerminologyWiring<I> {
  readonly config: TerminologyConfig;
  /** `createTokenClient({ tokenUrl, clientId, clientSecret | privateKey + keyId, scope, fetch: createNodeHttpFetch() })`. */
  readonly tokenClient: TokenClientLike<I>;
  /** A connected ioredis client when `FACADE_REDIS_URL` is set (shared cache and budget); absent = in memory. */
  readonly redis?: Redis;
  readonly publicBaseUrl?: string;
  readonly local?: LocalCodeSystems;
  readonly onEvent?: (event: TerminologyEvent) => void;
}

/**
 * Builds the gateway from the facade's `TerminologyConfig` (seconds → milliseconds, budget, timeout, Redis).
 *
 * @example
 * ```ts
 * // main.ts (the only place that reveals secrets)
 * const t = config.terminology;
 * const tokenClient = createTokenClient({ tokenUrl: t.tokenUrl, clientId: t.clientId,
 *   clientSecret: t.clientSecret?.reveal(), fetch: createNodeHttpFetch() });
 * const gateway = terminologyGatewayFromConfig({ config: t, tokenClient, publicBaseUrl: config.publicBaseUrl });
 * createApp({ config, terminology: gateway.middleware, ... });
 * ```
 */
export function terminologyGatewayFromConfig<I>(wiring: TerminologyWiring<I>): TerminologyGateway {
  const { config } = wiring;
  return createTerminologyGateway({
    upstreamBaseUrl: config.baseUrl,
    fetch: tokenClientFetch(wiring.tokenClient),
    timeoutMs: config.timeoutMs,
    cache: {
      ttlMs: config.cache.ttlS * 1000,
      notFoundTtlMs: config.cache.notFoundTtlS * 1000,
      staleIfErrorMs: config.cache.staleIfErrorS * 1000,
      maxBytes: config.cache.maxBytes,
      ...(wiring.redis === undefined ? {} : { store: new RedisCacheStore({ redis: wiring.redis }) }),
    },
    budget:
      wiring.redis === undefined
        ? { limit: config.budget.requests, windowMs: config.budget.windowS * 1000 }
        : new RedisRequestBudget({
            redis: wiring.redis,
            limit: config.budget.requests,
            windowMs: config.budget.windowS * 1000,
          }),
    ...(wiring.publicBaseUrl === undefined ? {} : { publicBaseUrl: wiring.publicBaseUrl }),
    ...(wiring.local === undefined ? {} : { local: wiring.local }),
    ...(wiring.onEvent === undefined ? {} : { onEvent: wiring.onEvent }),
  });
}
