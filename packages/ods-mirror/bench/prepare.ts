/** Loads the benchmark mirrors ahead of time (`tsx --conditions=@fhir-facade/source bench/prepare.ts`). */
import { loadedStore } from "./dataset.js";

for (const kind of ["sqlite", "postgres"] as const) {
  const started = performance.now();
  const store = await loadedStore(kind);
  process.stdout.write(
    `${kind}: ${JSON.stringify(await store.status())} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  await store.close();
}
