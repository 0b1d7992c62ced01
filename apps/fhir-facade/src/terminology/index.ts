/**
 * The terminology gateway's public names (issue 8), for app.ts, config wiring, tests and benchmarks.
 */
export { createTerminologyGateway } from "./gateway.js";
export type { TerminologyGateway, TerminologyGatewayStats, TerminologyMiddleware } from "./gateway.js";
export { TerminologyOptionsError } from "./options.js";
export type { TerminologyCacheOptions, TerminologyEvent, TerminologyGatewayOptions } from "./options.js";
export { TERMINOLOGY_ERRORS, TerminologyGatewayError, terminologyOutcome } from "./errors.js";
export type { TerminologyErrorCode } from "./errors.js";
export { MemoryCacheStore } from "./cache-store.js";
export type { CacheEntry, CacheStore } from "./cache-store.js";
export { RedisCacheStore } from "./redis-cache-store.js";
export type { RedisCacheStoreOptions } from "./redis-cache-store.js";
export { ODS_CODE_SYSTEM_URLS, odsLocalCodeSystems } from "./local-code-systems.js";
export type { LocalCodeSystems } from "./local-code-systems.js";
export { TERMINOLOGY_OPERATIONS } from "./allow-list.js";
export type { RetryPolicy, UpstreamFetch, UpstreamInit, UpstreamResponse } from "./upstream.js";
export { tokenClientFetch } from "./token-fetch.js";
export type { TokenClientLike } from "./token-fetch.js";
export { terminologyCapabilityResources, withTerminologyCodeSystem } from "./capability.js";
export { createNodeHttpFetch } from "./node-http-fetch.js";
export type { NodeHttpFetch, NodeHttpFetchInit, NodeHttpResponse } from "./node-http-fetch.js";
export { terminologyGatewayFromConfig } from "./from-config.js";
export type { TerminologyWiring } from "./from-config.js";
export { RequestBudget } from "./budget.js";
export type { RequestBudgetOptions, UpstreamBudget } from "./budget.js";
export { RedisRequestBudget } from "./redis-budget.js";
export type { RedisRequestBudgetOptions } from "./redis-budget.js";
