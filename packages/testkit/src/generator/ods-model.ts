import { parseIsoDate } from "../ord/ord-dates.js";
import type { OrdOrganisation } from "../ord/ord-types.js";
import { referenceOrganisations } from "../ord/reference-records.js";
import { dayOf, isoOf } from "./days.js";
import { OdsGeneratorError } from "./generator-error.js";
import type { KindKey } from "./kinds.js";
import { buildOrganisation } from "./organisation-builder.js";
import { Population } from "./population.js";
import { hash32, seedOf } from "./prng.js";
import { buildAddition, plannedAdditions, REVISION_DAYS, reviseOrganisation } from "./revisions.js";

/** Options of {@link createOdsModel} (and of the full-file writer). */
export interface OdsModelOptions {
  /** Seed of the pseudo-random data; the same seed and options give the same organisations (default 1). */
  readonly seed?: number | string;
  /** How many `Organisation` records in all, reference ones included (default 300,000; at most 1,000,000). */
  readonly organisations?: number;
  /** Put the real reference records (RA9, R1G, G6V2S, …; fixtures/ods/ord) first (default false). */
  readonly includeReference?: boolean;
  /** The file's publication date, `YYYY-MM-DD` (default 2026-11-01); every generated date is before it. */
  readonly publicationDate?: string;
  /**
   * A later monthly publication of the same data set (default 0): revision r is published 28·r days after
   * `publicationDate`; each revision changes ~2% of the records (new contact details, new name or closure,
   * with a new `LastChangeDate`) and opens ~0.2% new organisations, appended after the others. At most 120.
   */
  readonly revision?: number;
}

/** A generated ODS data set: the organisations of a full file, in file order, built on demand. */
export interface OdsModel {
  readonly seed: number;
  /** Number of organisations (the Manifest's `RecordCount`). */
  readonly size: number;
  /** This revision's publication date (the base date plus 28 days per revision). */
  readonly publicationDate: string;
  readonly revision: number;
  /** How many of the first positions hold the real reference records. */
  readonly referenceCount: number;
  /** The organisation at a file position (0-based), as an ORD JSON record. */
  organisation(position: number): OrdOrganisation;
  /** Every organisation in file order (constant memory: built one at a time). */
  organisations(): IterableIterator<OrdOrganisation>;
  /** How many generated organisations of each kind (reference records not counted). */
  composition(): Readonly<Record<KindKey, number>>;
}

export const DEFAULT_ORGANISATIONS = 300_000;
export const MAX_ORGANISATIONS = 1_000_000;
export const DEFAULT_PUBLICATION_DATE = "2026-11-01";

function fail(message: string): never {
  throw new OdsGeneratorError("INVALID_OPTIONS", message);
}

/** Every code the reference records use, as organisations or as targets: generated codes avoid them. */
function referenceCodes(): Set<string> {
  const codes = new Set<string>();
  for (const org of referenceOrganisations()) {
    codes.add(org.OrgId.extension);
    for (const rel of org.Rels?.Rel ?? []) {
      codes.add(rel.Target.OrgId.extension);
    }
    for (const succ of org.Succs?.Succ ?? []) {
      codes.add(succ.Target.OrgId.extension);
    }
  }
  return codes;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Creates the model of a generated ODS full file: about 300,000 organisations of 22 kinds with roles,
 * relationships, successions, dates, addresses and contacts (see kinds.ts for the proportions). The same
 * options give the same organisations; each is built on demand from (seed, index), so memory stays
 * constant. The fake ORD can serve the same data: `startFakeOrd({ organisations: model.organisations() })`.
 */
export function createOdsModel(options: OdsModelOptions = {}): OdsModel {
  const seedInput = options.seed ?? 1;
  if (typeof seedInput === "number" ? !Number.isSafeInteger(seedInput) : seedInput.length > 1000) {
    fail("seed must be a safe integer or a string of at most 1000 characters");
  }
  const size = options.organisations ?? DEFAULT_ORGANISATIONS;
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_ORGANISATIONS) {
    fail(`organisations must be a whole number from 0 to ${MAX_ORGANISATIONS}`);
  }
  const publicationDate = options.publicationDate ?? DEFAULT_PUBLICATION_DATE;
  if (parseIsoDate(publicationDate) === undefined || publicationDate < "2018-01-01") {
    fail("publicationDate must be a YYYY-MM-DD date from 2018-01-01");
  }
  const revision = options.revision ?? 0;
  if (!Number.isSafeInteger(revision) || revision < 0 || revision > 120) {
    fail("revision must be a whole number from 0 to 120");
  }
  const reference = options.includeReference === true ? referenceOrganisations() : [];
  const generated = size - reference.length;
  if (generated < Population.minimumSize && size > 0) {
    fail(
      `organisations must be at least ${Population.minimumSize + reference.length}` +
        `${reference.length > 0 ? " with the reference records" : ""} (or 0)`,
    );
  }
  const seed = seedOf(seedInput);
  const population = new Population({
    seed,
    size: Math.max(0, generated),
    publicationDay: dayOf(publicationDate),
    reserved: referenceCodes(),
  });
  // File order: an affine permutation of the logical indices, so kinds are interleaved.
  let mult = Math.max(1, Math.floor(generated * 0.6180339887) + (hash32(seed, 1) % 97));
  while (generated > 0 && gcd(mult, generated) !== 1) {
    mult += 1;
  }
  const shift = generated > 0 ? hash32(seed, 2) % generated : 0;
  const additions = revision > 0 && generated > 0 ? plannedAdditions(population, revision) : [];
  const total = size + additions.length;
  const organisation = (position: number): OrdOrganisation => {
    if (!Number.isInteger(position) || position < 0 || position >= total) {
      throw new RangeError(`position ${position} outside 0..${total - 1}`);
    }
    const ref = reference[position];
    if (ref !== undefined) {
      return ref;
    }
    if (position >= size) {
      const ordinal = position - size;
      const addition = additions[ordinal];
      if (addition === undefined) {
        throw new RangeError(`no addition ${ordinal}`);
      }
      return buildAddition(population, addition, ordinal);
    }
    const index = ((position - reference.length) * mult + shift) % generated;
    const org = buildOrganisation(population, index);
    return revision > 0 ? reviseOrganisation(population, index, org, revision) : org;
  };
  return {
    seed,
    size: total,
    publicationDate:
      revision > 0 ? isoOf(dayOf(publicationDate) + revision * REVISION_DAYS) : publicationDate,
    revision,
    referenceCount: reference.length,
    organisation,
    *organisations() {
      for (let i = 0; i < total; i++) {
        yield organisation(i);
      }
    },
    composition() {
      return Object.fromEntries(population.slots.map((s) => [s.spec.key, s.count])) as Record<
        KindKey,
        number
      >;
    },
  };
}
