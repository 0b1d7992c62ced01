import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { MirrorRecord } from "../src/record.js";
import { type MirrorBackendOptions, type MirrorStore, openMirror } from "../src/store.js";

/** The machine's PostgreSQL (trust authentication, database `test`). Tests never skip it. */
export const PG_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A backend under test with a fresh database (SQLite file in a temp dir / PostgreSQL schema per run). */
export interface TestBackend {
  readonly name: "sqlite" | "postgres";
  readonly options: MirrorBackendOptions;
  open(clock?: () => Date): Promise<MirrorStore>;
  cleanup(): Promise<void>;
}

let counter = 0;

/** Both backends, each on a fresh database. */
export function testBackends(): TestBackend[] {
  return [sqliteBackend(), postgresBackend()];
}

export function sqliteBackend(): TestBackend {
  const dir = mkdtempSync(join(tmpdir(), "ods-mirror-test-"));
  const options: MirrorBackendOptions = { kind: "sqlite", path: join(dir, "mirror.sqlite") };
  return {
    name: "sqlite",
    options,
    open: (clock) => openMirror(clock === undefined ? { backend: options } : { backend: options, clock }),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export function postgresBackend(): TestBackend {
  counter += 1;
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter}`;
  const options: MirrorBackendOptions = { kind: "postgres", connectionString: PG_URL, schema, poolSize: 4 };
  return {
    name: "postgres",
    options,
    open: (clock) => openMirror(clock === undefined ? { backend: options } : { backend: options, clock }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

const encoder = new TextEncoder();

/** A small but complete record for tests. */
export function record(code: string, overrides: Partial<MirrorRecord> = {}): MirrorRecord {
  const base: MirrorRecord = {
    code,
    json: encoder.encode(
      JSON.stringify({ resourceType: "Organization", id: code, name: overrides.name ?? `ORG ${code}` }),
    ),
    name: `ORG ${code}`,
    roles: [{ id: "RO177", primary: true, active: true }],
    active: true,
    recordClass: "RC1",
    refOnly: false,
    lastChangeDate: "2024-01-15",
    relationships: [],
    successions: [],
  };
  return { ...base, ...overrides };
}
