import { readdirSync, readFileSync } from "node:fs";

import { fixturePath } from "./fixture-path.js";
import type { OrdOrganisation } from "./ord-types.js";

let cached: readonly OrdOrganisation[] | undefined;

/**
 * The real ORD records saved in `fixtures/ods/ord/` (12 NHS trusts and predecessors from the live API: RA9,
 * R1G, G6V2S, RRP, TAF, RNK and six `refOnly` skeletons; provenance in fixtures/ods/SOURCES.md), in code
 * order. Each is the value of `Organisation` in `GET organisations/{code}`. Read once and cached.
 */
export function referenceOrganisations(): readonly OrdOrganisation[] {
  if (cached === undefined) {
    const dir = fixturePath("ods/ord");
    cached = readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .sort()
      .map((name) => {
        const parsed = JSON.parse(readFileSync(`${dir}/${name}`, "utf8")) as {
          Organisation: OrdOrganisation;
        };
        return parsed.Organisation;
      });
  }
  return cached;
}
