/**
 * Read by ODS code, in process, SQLite, one core: the hot path (one prepared statement, pre-serialised bytes).
 * Target (issue 6): at least 200,000 reads/s on the 300,000-organisation file.
 */
import { reportBench } from "@fhir-facade/testkit";
import { sql } from "../src/db/sql.js";
import { loadedStore, ORGANISATIONS, prng } from "./dataset.js";

const sqlite = await loadedStore("sqlite");
const codes = (await sqlite.db.all<{ code: string }>(sql`SELECT code FROM org`)).map((r) => r.code);
const random = prng(42);
const sample = Array.from({ length: 200_000 }, () => codes[Math.floor(random() * codes.length)] ?? "");

async function measure(store: typeof sqlite, reads: number): Promise<{ perSecond: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < 20_000; i++) {
    await store.read(sample[i % sample.length] ?? "");
  }
  const started = performance.now();
  for (let i = 0; i < reads; i++) {
    const result = await store.read(sample[i % sample.length] ?? "");
    if (result.kind !== "found") {
      throw new Error(`bench: ${result.id} not found`);
    }
    bytes += result.json.byteLength;
  }
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: reads / seconds, bytes: bytes / reads };
}

const lite = await measure(sqlite, 1_000_000);
await sqlite.close();

const passed = reportBench({
  name: "mirror-read",
  description: `ODS mirror read by code in process, SQLite (random codes of ${ORGANISATIONS.toLocaleString("en-GB")}; pre-serialised FHIR JSON bytes)`,
  figures: {
    "sqlite reads/s": Math.round(lite.perSecond),
    "sqlite mean bytes per resource": Math.round(lite.bytes),
  },
  ratios: [],
  limits: [{ name: "sqlite reads/s", value: Math.round(lite.perSecond), target: { min: 200_000 } }],
});
process.exit(passed ? 0 : 1);
