/**
 * The benchmarks' data: the testkit's generated 300,000-organisation ODS full file (fixed seed), cached in the
 * temp directory, and mirrors loaded from it (SQLite file + PostgreSQL schema), reused across benchmark runs
 * while their release matches the file.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateOdsFullFile } from "@fhir-facade/testkit";
import { loadOdsXmlFile } from "../src/load.js";
import { MirrorError } from "../src/errors.js";
import { type MirrorBackendOptions, type MirrorStore, openMirror } from "../src/store.js";

export const BENCH_DIR = join(tmpdir(), "fhir-facade-bench");
/** 300,000 (the size); `--organisations=N` overrides it for a quick run (the report says which). */
export const ORGANISATIONS = Number(
  process.argv.find((a) => a.startsWith("--organisations="))?.slice("--organisations=".length) ?? 300_000,
);
/** The name of the shared benchmark mirror (SQLite file / PostgreSQL schema) for this size. */
export const MIRROR_NAME = `bench_mirror_${ORGANISATIONS}`;
export const SEED = 20261101;
export const FULL_FILE = join(BENCH_DIR, `ods-full-${String(ORGANISATIONS)}-${String(SEED)}.xml`);
export const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const RELEASE = `bench ${ORGANISATIONS} ${SEED}`;

/** Makes sure the generated full file exists; returns its path. */
export async function fullFile(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  if (!existsSync(FULL_FILE)) {
    const partial = `${FULL_FILE}.partial`;
    await generateOdsFullFile({ out: createWriteStream(partial), organisations: ORGANISATIONS, seed: SEED });
    renameSync(partial, FULL_FILE);
  }
  return FULL_FILE;
}

export function backendOptions(kind: "sqlite" | "postgres", name: string): MirrorBackendOptions {
  return kind === "sqlite"
    ? { kind: "sqlite", path: join(BENCH_DIR, `${name}.sqlite`) }
    : { kind: "postgres", connectionString: PG_URL, schema: name };
}

/** A mirror holding the 300k file (loaded once, then reused). */
export async function loadedStore(kind: "sqlite" | "postgres"): Promise<MirrorStore> {
  const path = await fullFile();
  const backend = backendOptions(kind, MIRROR_NAME);
  let store: MirrorStore;
  let outdated = false;
  try {
    store = await openMirror({ backend });
  } catch (error) {
    if (!(error instanceof MirrorError && error.code === "store-outdated")) {
      throw error;
    }
    // Built by an earlier table layout: reload it.
    outdated = true;
    store = await openMirror({ backend, allowOutdatedSchema: true });
  }
  if (outdated || (await store.status()).release !== RELEASE) {
    await loadOdsXmlFile(store, { path, release: RELEASE });
  }
  return store;
}

/** Percentile of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A seeded PRNG (mulberry32), so that each run samples the same queries. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
