/**
 * A child process for the kill -9 tests: opens the mirror, runs a load or a sync, and prints each progress
 * event as a JSON line so that the parent can kill it at a chosen moment.
 */
import { OrdClient } from "@fhir-facade/ods-core";
import { loadOdsXmlFile } from "../src/load.js";
import { type MirrorBackendOptions, openMirror } from "../src/store.js";
import { syncMirror } from "../src/sync.js";

const [mode, backendJson, arg, now] = process.argv.slice(2);
const backend = JSON.parse(backendJson ?? "{}") as MirrorBackendOptions;
const store = await openMirror({ backend, ...(now === undefined ? {} : { clock: () => new Date(now) }) });
const print = (event: unknown): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};
if (mode === "load") {
  await loadOdsXmlFile(store, { path: arg ?? "", batchSize: 500, onEvent: print });
} else {
  const ord = new OrdClient({ baseUrl: arg ?? "", requestsPerSecond: 1000 });
  await syncMirror(store, { ord, batchSize: 1, concurrency: 1, onEvent: print });
}
print({ type: "done" });
await store.close();
