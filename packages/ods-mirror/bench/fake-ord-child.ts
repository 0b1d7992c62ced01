/**
 * Child process of the sync benchmark: the fake ORD serving the changed organisations, in its own process (the
 * real ORD is another machine: its work must not share the syncing process's thread). Prints its base URL on
 * the first line of stdout; stops when its stdin closes (so it never outlives the benchmark).
 *
 * Arguments: `<organisations> <seed> <changed>`: the same generated model as the benchmark's mirror.
 */
import { createOdsModel, startFakeOrd } from "@fhir-facade/testkit";

import { changedOrganisations, SYNC_NOW } from "./sync-changes.js";

const [organisations, seed, changed] = process.argv.slice(2).map(Number);
const model = createOdsModel({ organisations: organisations ?? 0, seed: seed ?? 0 });
const ord = await startFakeOrd({
  reference: false,
  organisations: changedOrganisations(model, changed ?? 0),
  now: () => SYNC_NOW,
});
process.stdout.write(`${ord.baseUrl}\n`);
process.stdin.resume();
process.stdin.on("close", () => {
  void ord.close().then(() => process.exit(0));
});
