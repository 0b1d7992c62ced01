/**
 * Builds the ODS mirror and its upstream clients from the configuration (no side effects until called): the
 * app's server and the `mirror` command share these so that both see the same store.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { OrdClient } from "@fhir-facade/ods-core";
import {
  type LoadResult,
  type MirrorBackendOptions,
  MirrorError,
  type MirrorEventListener,
  type MirrorStore,
  loadOdsXmlFile,
  loadOdsZip,
  loadSampleIfEmpty,
  openMirror,
} from "@fhir-facade/ods-mirror";
import { Trud } from "@fhir-facade/trud-core";
import type { Config } from "./config.js";

/** The small ODS XML sample kept in the repository: what a fresh machine without a TRUD key serves. */
export const SAMPLE_ODS_XML = fileURLToPath(
  new URL("../../../packages/testkit/fixtures/ods-sample.xml", import.meta.url),
);

/** The PostgreSQL schema that holds the mirror. */
export const MIRROR_SCHEMA = "ods_mirror";

/** The store options the configuration describes. */
export function mirrorBackend(config: Config): MirrorBackendOptions {
  const { mirror } = config;
  if (mirror.backend === "postgres") {
    if (mirror.databaseUrl === undefined) {
      throw new MirrorError("store-unavailable", "the postgres mirror backend needs a database URL");
    }
    return { kind: "postgres", connectionString: mirror.databaseUrl.reveal(), schema: MIRROR_SCHEMA };
  }
  return { kind: "sqlite", path: mirror.sqlitePath };
}

/**
 * Opens the configured mirror (creating it when missing). `forLoad`: also a mirror built by an earlier table
 * layout, which only a load can bring up to date (refused otherwise with `store-outdated`).
 */
export function openConfiguredMirror(config: Config, forLoad = false): Promise<MirrorStore> {
  return openMirror({ backend: mirrorBackend(config), allowOutdatedSchema: forLoad });
}

/** The ORD client (rate-limited to ORD's 5 requests/s by ods-core). */
export function ordClientFor(config: Config): OrdClient {
  return new OrdClient({ baseUrl: config.ods.ordBaseUrl });
}

/** TRUD (item 341) through trud-core, with its verified store under the data directory. */
export async function trudFor(config: Config): Promise<Trud> {
  const key = config.mirror.trudApiKey;
  if (key === undefined) {
    throw new MirrorError("invalid-input", "loading from TRUD needs a TRUD API key (FACADE_TRUD_API_KEY)");
  }
  return Trud.open({
    apiKey: key.reveal(),
    storeDir: join(config.dataDir, "trud"),
    ...(config.mirror.trudBaseUrl === undefined ? {} : { baseUrl: config.mirror.trudBaseUrl }),
  });
}

/** Loads a local baseline file: `.zip` (a TRUD release) or `.xml`. */
export function loadBaselineFile(
  store: MirrorStore,
  path: string,
  onEvent?: MirrorEventListener,
): Promise<LoadResult> {
  const events = onEvent === undefined ? {} : { onEvent };
  return path.toLowerCase().endsWith(".zip")
    ? loadOdsZip(store, { path, ...events })
    : loadOdsXmlFile(store, { path, ...events });
}

/**
 * Start-up: a mirror that has never been loaded gets the configured baseline file, or else the repository's
 * sample, so that the facade answers at once. A loaded mirror is left as it is.
 */
export async function prepareMirrorAtStartup(
  store: MirrorStore,
  config: Config,
  onEvent?: MirrorEventListener,
): Promise<LoadResult | undefined> {
  const status = await store.status();
  if (status.release !== undefined) {
    return undefined;
  }
  if (config.mirror.baselineFile !== undefined) {
    return loadBaselineFile(store, config.mirror.baselineFile, onEvent);
  }
  return loadSampleIfEmpty(store, {
    samplePath: SAMPLE_ODS_XML,
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}
