/**
 * Incremental sync applying 10,000 changed organisations from the fake ORD with the 5 requests/s limit lifted,
 * onto a copy of the 300,000-organisation SQLite mirror. Target (issue 6): under 10 s.
 *
 * The fake ORD runs in a child process (the real ORD is another machine; in process, its HTTP server would
 * share the syncing thread). Reference, same run, same fake, same client and concurrency: fetching and mapping
 * the same 10,000 organisations without writing them ("fetch only"), so the ratio shows what the store adds.
 */
import { spawn } from "node:child_process";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { OrdClient } from "@fhir-facade/ods-core";
import { reportBench } from "@fhir-facade/testkit";

import { recordFromOds } from "../src/from-ods.js";
import { openMirror } from "../src/store.js";
import { syncMirror } from "../src/sync.js";
import { BENCH_DIR, loadedStore, MIRROR_NAME, ORGANISATIONS, SEED } from "./dataset.js";
import { SYNC_NOW } from "./sync-changes.js";

const CHANGED = 10_000;
const CONCURRENCY = 16;

const source = await loadedStore("sqlite");
await source.close();
const copy = join(BENCH_DIR, "bench_sync.sqlite");
const removeCopy = (): void => {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${copy}${suffix}`, { force: true });
};
removeCopy();
copyFileSync(join(BENCH_DIR, `${MIRROR_NAME}.sqlite`), copy);

const child = spawn(
  process.execPath,
  [
    ...process.execArgv,
    fileURLToPath(new URL("./fake-ord-child.ts", import.meta.url)),
    String(ORGANISATIONS),
    String(SEED),
    String(CHANGED),
  ],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const baseUrl = await new Promise<string>((resolve, reject) => {
  child.once("error", reject);
  child.once("exit", (code) => {
    reject(new Error(`fake ORD exited (${String(code)})`));
  });
  createInterface({ input: child.stdout }).once("line", resolve);
});

try {
  const client = new OrdClient({ baseUrl, requestsPerSecond: 1_000_000, burst: 10_000 });

  // Reference: the same fetches and mapping, no store.
  const fetchStarted = performance.now();
  const codes = (await client.sync("2026-11-01")).codes;
  let next = 0;
  let mapped = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < codes.length) {
        const code = codes[next++] ?? "";
        recordFromOds(await client.organisation(code));
        mapped++;
      }
    }),
  );
  const fetchSeconds = (performance.now() - fetchStarted) / 1000;

  const store = await openMirror({ backend: { kind: "sqlite", path: copy }, clock: () => SYNC_NOW });
  const started = performance.now();
  const result = await syncMirror(store, { ord: client, concurrency: CONCURRENCY, batchSize: 1000 });
  const seconds = (performance.now() - started) / 1000;
  const integrity = await store.checkIntegrity();
  await store.close();

  if (!integrity.ok || result.upserted !== CHANGED || mapped !== CHANGED) {
    throw new Error(`bench: sync result wrong: ${JSON.stringify({ result, integrity, mapped })}`);
  }
  const passed = reportBench({
    name: "mirror-sync",
    description: `sync of ${CHANGED.toLocaleString("en-GB")} changed organisations from the fake ORD (rate limit lifted, own process) onto a ${ORGANISATIONS.toLocaleString("en-GB")}-organisation SQLite mirror`,
    figures: {
      "sync s": Number(seconds.toFixed(2)),
      "organisations/s": Math.round(CHANGED / seconds),
      "fetch + map only (reference) s": Number(fetchSeconds.toFixed(2)),
    },
    ratios: [{ name: "sync / fetch + map only", value: seconds / fetchSeconds, target: {} }],
    limits: [{ name: "sync s", value: seconds, target: { max: 10 } }],
  });
  process.exitCode = passed ? 0 : 1;
} finally {
  child.stdin.end();
  removeCopy();
}
