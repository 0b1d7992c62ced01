import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { createTokenClient } from "@fhir-facade/auth-client-credentials";
import type { TokenClientOptions } from "@fhir-facade/auth-client-credentials";
import { OrdClient } from "@fhir-facade/ods-core";
import {
  MirrorError,
  loadOdsXmlFile,
  loadOdsZip,
  loadSampleIfEmpty,
  openMirror,
  syncMirror,
} from "@fhir-facade/ods-mirror";
import type { MirrorBackendOptions, MirrorStore, SyncResult } from "@fhir-facade/ods-mirror";
import { Redis } from "ioredis";

import type { AppDeps } from "../app.js";
import type { Config } from "../config.js";
import { MirrorOdsRepository } from "../fhir/mirror-repository.js";
import { ordLiveSource } from "../fhir/ord-live-source.js";
import { ReadThroughCache } from "../fhir/read-through.js";
import { RedisCacheStore, createTerminologyGateway, tokenClientFetch } from "../terminology/index.js";
import type { TerminologyGateway } from "../terminology/index.js";
import type { Platform } from "./platform.js";

/** How long after start the first ORD sync runs (short: a restarted replica catches up at once). */
const FIRST_SYNC_DELAY_MS = 5_000;

/** The sample ODS full file shipped in the repository, loaded into an empty mirror (issue 6, "Start-up"). */
export const SAMPLE_ODS_FILE = fileURLToPath(
  new URL("../../../../packages/testkit/fixtures/ods-sample.xml", import.meta.url),
);

/** Options of {@link buildDeps}; I/O is injectable for tests. */
export interface BuildDepsOptions {
  readonly config: Config;
  readonly platform: Platform;
  /** WHATWG fetch for every upstream (default `globalThis.fetch`); wrapped with the platform's cap. */
  readonly fetch?: typeof fetch;
  /** PostgreSQL schema of the mirror (tests use a fresh one). */
  readonly postgresSchema?: string;
  /** Redis key prefix of the terminology cache (tests use a fresh one). */
  readonly redisKeyPrefix?: string;
  /** Load the sample file into an empty mirror (default true). */
  readonly loadSample?: boolean;
}

/** What a sync attempt did: synced, skipped because another replica holds the lock, or failed. */
export type SyncOutcome =
  | { readonly kind: "synced"; readonly result: SyncResult }
  | { readonly kind: "busy" }
  | { readonly kind: "failed"; readonly error: unknown };

/** The facade's dependencies, built from the configuration, with their lifecycle. */
export interface BuiltDeps {
  /** What `createApp` needs besides `config` and `platform`. */
  readonly app: Omit<AppDeps, "config" | "platform">;
  readonly mirror: MirrorStore;
  /** Runs one ORD sync now (the PostgreSQL advisory lock lets one replica at a time through). */
  syncOnce(): Promise<SyncOutcome>;
  /** Starts the periodic sync (`FACADE_MIRROR_SYNC_INTERVAL_S`; 0 = never). */
  startSync(): void;
  /** Stops timers and closes the gateway, Redis and the store, in reverse order of creation. */
  close(): Promise<void>;
}

/**
 * Builds the mirror, the ORD read-through and the terminology gateway from the configuration, wiring their
 * events into the platform's logs and metrics. Opening the store is the only I/O at build time.
 */
export async function buildDeps(options: BuildDepsOptions): Promise<BuiltDeps> {
  const { config, platform } = options;
  const { logger, metrics, upstream } = platform;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const closers: (() => Promise<void>)[] = [];

  const mirror = await openUpgradingSample(
    config.mirror.backend === "postgres"
      ? {
          kind: "postgres",
          connectionString: config.mirror.databaseUrl?.reveal() ?? "",
          ...(options.postgresSchema !== undefined ? { schema: options.postgresSchema } : {}),
        }
      : { kind: "sqlite", path: config.mirror.sqlitePath },
    logger,
  );
  closers.push(() => mirror.close());
  platform.setMirror(async () => {
    const s = await mirror.status();
    const asOf = s.watermark ?? s.loadedAt;
    return {
      loaded: s.release !== undefined && s.organisations > 0,
      organisations: s.organisations,
      backend: s.backend,
      ...(asOf !== undefined ? { dataAsOf: new Date(asOf) } : {}),
      ...(s.lastSyncAt !== undefined ? { lastSyncAt: new Date(s.lastSyncAt) } : {}),
    };
  });
  await loadBaselineIfEmpty(mirror, config, options.loadSample !== false, logger);

  const ord = new OrdClient({
    baseUrl: config.ods.ordBaseUrl,
    fetch: upstream.wrapFetch(baseFetch, "ord", platform.observeUpstream),
  });
  const app: { -readonly [K in keyof BuiltDeps["app"]]: BuiltDeps["app"][K] } = {
    ods: new MirrorOdsRepository(mirror),
  };
  if (config.ods.readThrough) {
    app.readThrough = new ReadThroughCache({ source: ordLiveSource(ord) });
  }

  let gateway: TerminologyGateway | undefined;
  const tc = config.terminology;
  if (tc !== undefined) {
    const upstreamFetch = upstream.wrapFetch(baseFetch, "terminology", platform.observeUpstream);
    const clientOptions: TokenClientOptions = {
      tokenUrl: tc.tokenUrl,
      clientId: tc.clientId,
      authMethod: tc.authMethod,
      ...(tc.clientSecret !== undefined ? { clientSecret: tc.clientSecret.reveal() } : {}),
      ...(tc.privateKey !== undefined ? { privateKey: tc.privateKey.reveal() } : {}),
      ...(tc.keyId !== undefined ? { keyId: tc.keyId } : {}),
      ...(tc.scope !== undefined ? { scope: tc.scope } : {}),
      fetch: upstreamFetch,
      allowInsecureLoopback: true,
    };
    const client = createTokenClient(clientOptions);
    client.on("token", () => {
      metrics.tokenRefreshes.inc({ upstream: "terminology", result: "ok" });
    });
    client.on("error", ({ error, background }) => {
      metrics.tokenRefreshes.inc({ upstream: "terminology", result: "error" });
      logger.warn({ code: error.code, background }, "terminology token request failed");
    });
    let redis: Redis | undefined;
    const redisUrl = tc.cache.redisUrl?.reveal();
    if (redisUrl !== undefined) {
      redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      redis.on("error", (err: Error) => {
        logger.warn({ err: { message: err.message } }, "redis error");
      });
      const r = redis;
      closers.push(async () => {
        await r.quit().catch(() => undefined);
      });
    }
    gateway = createTerminologyGateway({
      upstreamBaseUrl: tc.baseUrl,
      fetch: tokenClientFetch(client),
      ...(config.publicBaseUrl !== undefined ? { publicBaseUrl: config.publicBaseUrl } : {}),
      timeoutMs: tc.timeoutMs,
      maxRequestBodyBytes: config.limits.maxBodyBytes,
      cache:
        tc.cache.ttlS === 0
          ? false
          : {
              ttlMs: tc.cache.ttlS * 1000,
              notFoundTtlMs: Math.max(1, tc.cache.notFoundTtlS) * 1000,
              staleIfErrorMs: tc.cache.staleIfErrorS * 1000,
              maxBytes: Math.max(1, tc.cache.maxBytes),
              ...(redis !== undefined
                ? {
                    store: new RedisCacheStore({
                      redis,
                      ...(options.redisKeyPrefix !== undefined ? { keyPrefix: options.redisKeyPrefix } : {}),
                      onError: (err) => {
                        logger.warn({ err }, "terminology cache (redis) failed; answering as a miss");
                      },
                    }),
                  }
                : {}),
            },
      budget: { limit: tc.budget.requests, windowMs: tc.budget.windowS * 1000 },
      onEvent: (event) => {
        if (event.type === "error") {
          logger.warn({ code: event.code, path: event.path }, "terminology gateway error");
        }
      },
    });
    const gw = gateway;
    closers.push(() => gw.close());
    app.terminology = gateway.middleware;
    platform.addUpstreamProbe("terminology", async () => {
      try {
        // The CapabilityStatement is open on Ontoserver; any answer means the upstream is reachable.
        const res = await baseFetch(`${tc.baseUrl}/metadata`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return { reachable: res.status < 500, status: res.status };
      } catch (err) {
        return { reachable: false, detail: err instanceof Error ? err.name : "error" };
      }
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const controller = new AbortController();
  async function syncOnce(): Promise<SyncOutcome> {
    try {
      const result = await syncMirror(mirror, { ord, signal: controller.signal });
      logger.info({ ...result }, "mirror synced");
      return { kind: "synced", result };
    } catch (error) {
      if (error instanceof MirrorError && error.code === "sync-in-progress") {
        logger.debug("mirror sync skipped: another replica holds the sync lock");
        return { kind: "busy" };
      }
      logger.error({ err: error }, "mirror sync failed; serving the current data");
      return { kind: "failed", error };
    }
  }

  return {
    app,
    mirror,
    syncOnce,
    startSync() {
      const everyMs = config.mirror.syncIntervalS * 1000;
      if (everyMs === 0 || timer !== undefined) {
        return;
      }
      const tick = (): void => {
        void syncOnce().finally(() => {
          if (!stopped) {
            timer = setTimeout(tick, everyMs);
            timer.unref();
          }
        });
      };
      // The first sync soon after start (catching up after downtime), then every interval.
      timer = setTimeout(tick, Math.min(everyMs, FIRST_SYNC_DELAY_MS));
      timer.unref();
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      for (const close of closers.reverse()) {
        await close().catch((err: unknown) => {
          logger.warn({ err }, "error while closing");
        });
      }
    },
  };
}

/**
 * Opens the mirror. One built by an earlier table layout is refused (`store-outdated`, with the command that
 * reloads it) unless all it holds is the bundled sample: that is reloaded here, as nothing can be lost.
 */
async function openUpgradingSample(
  backend: MirrorBackendOptions,
  logger: Platform["logger"],
): Promise<MirrorStore> {
  try {
    return await openMirror({ backend });
  } catch (error) {
    if (!(error instanceof MirrorError && error.code === "store-outdated") || !existsSync(SAMPLE_ODS_FILE)) {
      throw error;
    }
    const outdated = await openMirror({ backend, allowOutdatedSchema: true });
    try {
      if ((await outdated.status()).release !== "sample") {
        throw error;
      }
      logger.warn("the mirror holds the sample from an earlier version: reloading the sample");
      await loadOdsXmlFile(outdated, { path: SAMPLE_ODS_FILE, release: "sample" });
      return outdated;
    } catch (failure) {
      await outdated.close();
      throw failure;
    }
  }
}

async function loadBaselineIfEmpty(
  mirror: MirrorStore,
  config: Config,
  loadSample: boolean,
  logger: Platform["logger"],
): Promise<void> {
  const file = config.mirror.baselineFile;
  if (file !== undefined) {
    const status = await mirror.status();
    if (status.release !== undefined) {
      return;
    }
    logger.info({ file }, "loading the mirror baseline");
    try {
      const result = file.toLowerCase().endsWith(".zip")
        ? await loadOdsZip(mirror, { path: file })
        : await loadOdsXmlFile(mirror, { path: file });
      logger.info({ ...result }, "mirror baseline loaded");
    } catch (err) {
      if (err instanceof MirrorError && err.code === "sync-in-progress") {
        logger.info("another replica is loading the baseline");
        return;
      }
      throw err;
    }
    return;
  }
  if (loadSample && existsSync(SAMPLE_ODS_FILE)) {
    const result = await loadSampleIfEmpty(mirror, { samplePath: SAMPLE_ODS_FILE });
    if (result !== undefined) {
      logger.info(
        { organisations: result.organisations },
        "mirror was empty: loaded the sample ODS file (see README to load the real data)",
      );
    }
  }
}
