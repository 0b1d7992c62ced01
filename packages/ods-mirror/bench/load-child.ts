/** One measured load in its own process (so that peak RSS is the load's own): prints one JSON line. */
import { rmSync } from "node:fs";
import { readOdsXmlFile } from "@fhir-facade/ods-core";
import pg from "pg";
import { recordFromOds } from "../src/from-ods.js";
import { loadOdsXmlFile } from "../src/load.js";
import { openMirror } from "../src/store.js";
import { backendOptions, PG_URL } from "./dataset.js";

const [mode, path] = process.argv.slice(2);
const started = performance.now();
let organisations = 0;
let loaded: number | undefined;
if (mode === "parse") {
  for await (const item of readOdsXmlFile(path ?? "")) {
    if (item.kind === "organisation") {
      recordFromOds(item.organisation);
      organisations += 1;
    }
  }
} else {
  const kind = mode === "postgres" ? "postgres" : "sqlite";
  const name = `bench_load_${process.pid}`;
  const options = backendOptions(kind, name);
  const store = await openMirror({ backend: options });
  organisations = (await loadOdsXmlFile(store, { path: path ?? "" })).organisations;
  await store.close();
  // The load ends with the store closed (its last checkpoint written); deleting the benchmark's store is not
  // part of it (unlinking a 1.3 GB file alone takes about half a second here).
  loaded = performance.now();
  if (options.kind === "sqlite") {
    rmSync(options.path, { force: true });
    rmSync(`${options.path}-wal`, { force: true });
    rmSync(`${options.path}-shm`, { force: true });
  } else {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA ${name} CASCADE`);
    await client.end();
  }
}
const seconds = ((loaded ?? performance.now()) - started) / 1000;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({ mode, organisations, seconds, maxRssMb: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 })}\n`,
);
