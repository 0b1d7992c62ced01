import type { OrdDate, OrdOrganisation } from "../ord/ord-types.js";
import { isoOf } from "./days.js";
import { KINDS } from "./kinds.js";
import { nameFor } from "./names.js";
import { buildFromProfile } from "./organisation-builder.js";
import type { Population, Profile } from "./population.js";
import { hash32, Rng, unit } from "./prng.js";
import { TOWNS } from "./vocabulary.js";

/** Days between two monthly publications of a revised data set. */
export const REVISION_DAYS = 28;
/** Share of records changed per revision (renamed, closed or with new contact details). */
export const CHANGE_RATE = 0.02;
/** New organisations per revision, as a share of the generated size. */
export const ADDITION_RATE = 0.002;

const S_CHANGE = 0x1000;
const S_KIND = 0x2000;

/** One organisation opened in a revision: its kind slot, its number within the kind, and the revision. */
export interface Addition {
  readonly slot: number;
  readonly k: number;
  readonly revision: number;
}

function setEnd(dates: readonly OrdDate[], day: string): OrdDate[] {
  return dates.map((d) => (d.End === undefined ? { ...d, End: day } : d));
}

/** Closes an active record on `day`: operational (and open legal) dates, roles and relationships end. */
function close(org: OrdOrganisation, day: string): OrdOrganisation {
  return {
    ...org,
    Date: setEnd(org.Date, day),
    Status: "Inactive",
    Roles: {
      Role: org.Roles.Role.map((r) =>
        r.Status === "Active" ? { ...r, Date: setEnd(r.Date, day), Status: "Inactive" } : r,
      ),
    },
    ...(org.Rels === undefined
      ? {}
      : {
          Rels: {
            Rel: org.Rels.Rel.map((r) =>
              r.Status === "Active" ? { ...r, Date: setEnd(r.Date, day), Status: "Inactive" as const } : r,
            ),
          },
        }),
  };
}

/**
 * Applies the changes of revisions 1..`revision` to a record of the base data set, in order: each revision
 * changes about 2% of the records (half get new contact details, a quarter a new name, a quarter are closed),
 * dated within the 28 days before that revision's publication, with `LastChangeDate` on the change day.
 * refOnly skeletons never change.
 */
export function reviseOrganisation(
  pop: Population,
  index: number,
  org: OrdOrganisation,
  revision: number,
): OrdOrganisation {
  if (org.refOnly === true) {
    return org;
  }
  let current = org;
  for (let rev = 1; rev <= revision; rev++) {
    if (unit(pop.seed, index, S_CHANGE, rev) >= CHANGE_RATE) {
      continue;
    }
    const rng = new Rng(hash32(pop.seed, index, S_CHANGE + 1, rev));
    const dayNumber = pop.publicationDay + (rev - 1) * REVISION_DAYS + rng.int(REVISION_DAYS);
    const day = isoOf(dayNumber);
    const kind = rng.next();
    if (kind < 0.25 && current.Status === "Active") {
      current = close(current, day);
    } else if (kind < 0.5) {
      const profile = pop.profile(index);
      current = { ...current, Name: nameFor(profile.slot.spec.key, rng, rng.pick(TOWNS), profile.k) };
    } else {
      const contact = { type: "tel", value: `0${rng.between(1100, 2099)} ${rng.between(100000, 999999)}` };
      const others = (current.Contacts?.Contact ?? []).filter((c) => c.type !== "tel");
      current = { ...current, Contacts: { Contact: [contact, ...others] } };
      // Key order as the live API: Contacts sit before Roles.
      const { Roles, Rels, Succs, ...head } = current;
      current = {
        ...head,
        Roles,
        ...(Rels === undefined ? {} : { Rels }),
        ...(Succs === undefined ? {} : { Succs }),
      };
    }
    current = { ...current, LastChangeDate: day };
  }
  return current;
}

/** The organisations opened in revisions 1..`revision`, kinds drawn by their shares, numbered per kind. */
export function plannedAdditions(pop: Population, revision: number): Addition[] {
  const perRevision = Math.floor(pop.size * ADDITION_RATE);
  const total = KINDS.reduce((sum, k) => sum + k.share, 0);
  const next = pop.slots.map((s) => s.count);
  const list: Addition[] = [];
  for (let rev = 1; rev <= revision; rev++) {
    for (let j = 0; j < perRevision; j++) {
      let u = unit(pop.seed, rev, S_KIND, j) * total;
      let slot = 0;
      while (slot < KINDS.length - 1 && u >= (KINDS[slot]?.share ?? 0)) {
        u -= KINDS[slot]?.share ?? 0;
        slot += 1;
      }
      const k = next[slot] ?? 0;
      next[slot] = k + 1;
      list.push({ slot, k, revision: rev });
    }
  }
  return list;
}

/** Builds an organisation opened in a revision (active, no succession), numbered after the base records. */
export function buildAddition(pop: Population, addition: Addition, ordinal: number): OrdOrganisation {
  const slot = pop.slots[addition.slot];
  if (slot === undefined) {
    throw new RangeError(`no kind slot ${addition.slot}`);
  }
  const index = pop.size + ordinal;
  const from = pop.publicationDay + (addition.revision - 1) * REVISION_DAYS;
  const open = from + Math.floor(unit(pop.seed, index, S_CHANGE + 2) * REVISION_DAYS);
  const profile: Profile = {
    index,
    slot,
    k: addition.k,
    code: pop.codeOf(slot, addition.k),
    active: true,
    refOnly: false,
    open,
    close: undefined,
    succs: [],
  };
  return buildFromProfile(pop, profile, from + REVISION_DAYS - 1);
}
