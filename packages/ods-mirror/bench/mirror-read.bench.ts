/**
 * Read by ODS code, in process, SQLite, one core: the hot path (one prepared statement, pre-serialised JSON).
 * Target (issue 6): at least 200,000 reads/s on the 300,000-organisation file.
 *
 * References, measured in the same run on the same file and the same codes (rounds interleaved, best of 3):
 * - "better-sqlite3 row": the plain way to read it with better-sqlite3 (`SELECT json, version, last_change`
 *   by code through the code index, the JSON as a Buffer, a row object per read): what a straightforward store
 *   would do.
 * - "better-sqlite3 JSON text by code": one column, the JSON as text, found through the code index (a text
 *   index lookup, then the table): the floor for reading by a text key.
 * - "better-sqlite3 JSON text by key": the same by the integer key (the rowid): the floor for any read of the
 *   document through better-sqlite3, which the store (that also answers version and date) approaches.
 */
import BetterSqlite3 from "better-sqlite3";

import { reportBench } from "@fhir-facade/testkit";

import { sql } from "../src/db/sql.js";
import { codeKey } from "../src/record.js";
import { SqliteDatabase } from "../src/db/sqlite.js";
import { loadedStore, ORGANISATIONS, prng } from "./dataset.js";

const READS = 500_000;
const ROUNDS = 3;

const sqlite = await loadedStore("sqlite");
const codes = (await sqlite.db.all<{ code: string }>(sql`SELECT code FROM org`)).map((r) => r.code);
const random = prng(42);
const sample = Array.from({ length: 200_000 }, () => codes[Math.floor(random() * codes.length)] ?? "");

if (!(sqlite.db instanceof SqliteDatabase)) throw new Error("bench: expected the SQLite backend");
const file = sqlite.db.connection.name;
const bare = new BetterSqlite3(file, { readonly: true });
bare.pragma("mmap_size = 2147483648");
const rowStatement = bare.prepare<[string], { json: Buffer; version: string; last_change: string }>(
  "SELECT json, version, last_change FROM org_doc WHERE code = ?",
);
const textStatement = bare
  .prepare<[string], string>("SELECT CAST(json AS TEXT) FROM org_doc WHERE code = ?")
  .pluck();
const keyStatement = bare
  .prepare<[number | bigint], string>("SELECT CAST(json AS TEXT) FROM org_doc WHERE key = ?")
  .pluck();
const sampleKeys = new Map(sample.map((code) => [code, codeKey(code) ?? -1]));

/** Reads/s of `read` over the sampled codes (after a warm-up); `size` gives the length of what it read. */
async function measure<T>(
  read: (code: string) => T | Promise<T>,
  size: (value: T) => number,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < 20_000; i++) size(await read(sample[i % sample.length] ?? ""));
  const started = performance.now();
  for (let i = 0; i < READS; i++) {
    total += size(await read(sample[i % sample.length] ?? ""));
  }
  const seconds = (performance.now() - started) / 1000;
  if (total === 0) throw new Error("bench: read nothing");
  return READS / seconds;
}

const best = { store: 0, row: 0, text: 0, key: 0 };
let meanLength = 0;
for (let round = 0; round < ROUNDS; round++) {
  best.store = Math.max(
    best.store,
    await measure(
      (code) => sqlite.read(code),
      (result) => {
        if (result.kind !== "found") throw new Error(`bench: ${result.id} not found`);
        meanLength = result.json.length;
        return result.json.length + result.versionId.length;
      },
    ),
  );
  best.row = Math.max(
    best.row,
    await measure(
      (code) => rowStatement.get(code),
      (row) => (row?.json.length ?? 0) + (row?.version.length ?? 0),
    ),
  );
  best.text = Math.max(
    best.text,
    await measure(
      (code) => textStatement.get(code),
      (text) => text?.length ?? 0,
    ),
  );
  best.key = Math.max(
    best.key,
    await measure(
      (code) => keyStatement.get(sampleKeys.get(code) ?? -1),
      (text) => text?.length ?? 0,
    ),
  );
}
bare.close();
await sqlite.close();

const passed = reportBench({
  name: "mirror-read",
  description: `ODS mirror read by code in process, SQLite (random codes of ${ORGANISATIONS.toLocaleString("en-GB")}; pre-serialised FHIR JSON)`,
  figures: {
    "store.read reads/s": Math.round(best.store),
    "better-sqlite3 row (Buffer) reads/s": Math.round(best.row),
    "better-sqlite3 JSON text by code reads/s": Math.round(best.text),
    "better-sqlite3 JSON text by key reads/s": Math.round(best.key),
    "JSON characters per resource (last read)": meanLength,
    "store.read / JSON text by code": Number((best.store / best.text).toFixed(3)),
    "store.read / JSON text by key (floor)": Number((best.store / best.key).toFixed(3)),
  },
  ratios: [
    { name: "store.read / better-sqlite3 row (Buffer)", value: best.store / best.row, target: { min: 1 } },
  ],
  limits: [{ name: "store.read reads/s", value: Math.round(best.store), target: { min: 200_000 } }],
});
process.exit(passed ? 0 : 1);
