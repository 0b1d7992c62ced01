/** The sync benchmark's change set: the first `count` organisations of the model, renamed on 15 November. */
import type { createOdsModel } from "@fhir-facade/testkit";

/** The benchmark's clock. */
export const SYNC_NOW = new Date("2026-11-20T12:00:00Z");

type Model = ReturnType<typeof createOdsModel>;
type ModelOrganisation = Model extends { organisations(): Iterable<infer O> } ? O : never;

/** The first `count` organisations of `model`, each renamed (so every change touches the name index). */
export function changedOrganisations(model: Model, count: number): ModelOrganisation[] {
  const changed: ModelOrganisation[] = [];
  for (const org of model.organisations()) {
    if (changed.length === count) break;
    changed.push({ ...org, Name: `${org.Name} (RENAMED)`, LastChangeDate: "2026-11-15" });
  }
  return changed;
}
