import { ODS_ORG_ID_ROOT } from "../ord/ord-types.js";
import type {
  OrdContact,
  OrdDate,
  OrdLocation,
  OrdOrganisation,
  OrdRel,
  OrdRole,
  OrdSucc,
  OrdTarget,
} from "../ord/ord-types.js";
import { dayOf, isoOf } from "./days.js";
import type { RelSpec } from "./kinds.js";
import { nameFor } from "./names.js";
import { hash32, Rng } from "./prng.js";
import { ID_BASE, roleIdOf } from "./population.js";
import type { Population, Profile } from "./population.js";
import { PLACES, STREETS, TOWNS } from "./vocabulary.js";
import type { Town } from "./vocabulary.js";

const UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ";
const BULK_UPDATE_DAY = dayOf("2020-03-19");
const ARCHIVE_DAY = dayOf("2023-08-31");
const RECENT_FROM = dayOf("2012-01-01");

function period(type: "Operational" | "Legal", start: number, end: number | undefined): OrdDate {
  return end === undefined
    ? { Type: type, Start: isoOf(start) }
    : { Type: type, Start: isoOf(start), End: isoOf(end) };
}

function targetOf(profile: Profile): OrdTarget {
  return {
    OrgId: {
      root: ODS_ORG_ID_ROOT,
      assigningAuthorityName: profile.slot.spec.authority,
      extension: profile.code,
    },
    PrimaryRoleId: { id: profile.slot.spec.primaryRole, uniqueRoleId: roleIdOf(profile.index, 0) },
  };
}

/** Operational dates, plus Legal ones that sometimes differ (G6V2S, R1G) or end while open (RRP, Q72). */
function orgDates(p: Profile, legal: boolean, rng: Rng, last: number): OrdDate[] {
  const dates = [period("Operational", p.open, p.close)];
  if (legal) {
    const start = rng.chance(0.2) ? Math.min(p.open + rng.between(1, 120), last) : p.open;
    let end = p.close;
    if (end !== undefined && rng.chance(0.3)) {
      end = Math.max(start, end - rng.between(1, 1800));
    } else if (end === undefined && rng.chance(0.02)) {
      end = Math.min(last, start + rng.between(365, 9000));
    }
    dates.push(period("Legal", start, end));
  }
  return dates;
}

function postCode(rng: Rng, town: Town): string {
  const letter = () => UNIT_LETTERS[rng.int(UNIT_LETTERS.length)] ?? "A";
  return `${town.area}${rng.between(1, 29)} ${rng.int(10)}${letter()}${letter()}`;
}

function address(rng: Rng, town: Town, refOnly: boolean): OrdLocation {
  const loc: Record<string, string | number> = {};
  if (rng.chance(0.45)) {
    loc.AddrLn1 = `${rng.pick(PLACES)} ${rng.pick(["HOUSE", "HOSPITAL", "CENTRE", "COURT", "BUILDING"])}`;
    loc.AddrLn2 = rng.chance(0.5) ? `${rng.between(1, 300)} ${rng.pick(STREETS)}` : rng.pick(STREETS);
  } else {
    loc.AddrLn1 = `${rng.between(1, 300)} ${rng.pick(STREETS)}`;
  }
  if (rng.chance(0.15)) {
    loc.AddrLn3 = `${rng.pick(PLACES)} ESTATE`;
  }
  loc.Town = town.name;
  if (town.county !== "" && rng.chance(0.6)) {
    loc.County = town.county;
  }
  loc.PostCode = postCode(rng, town);
  loc.Country = town.area === "CF" || town.area === "SA" ? "WALES" : "ENGLAND";
  if (!refOnly && rng.chance(0.85)) {
    loc.UPRN = 10_000_000_000 + Math.floor(rng.next() * 89_999_999_999);
  }
  return loc;
}

function contacts(rng: Rng, name: string): OrdContact[] {
  const list: OrdContact[] = [
    { type: "tel", value: `0${rng.between(1100, 2099)} ${rng.between(100000, 999999)}` },
  ];
  if (rng.chance(0.3)) {
    const host = name.replace(/[^A-Z]/g, "").slice(0, 24) || "ORGANISATION";
    list.push({ type: "http", value: `HTTP://WWW.${host}.${rng.chance(0.5) ? "NHS.UK" : "CO.UK"}` });
  }
  if (rng.chance(0.05)) {
    list.push({ type: "fax", value: `0${rng.between(1100, 2099)} ${rng.between(100000, 999999)}` });
  }
  return list;
}

function roles(p: Profile, dates: readonly OrdDate[], rng: Rng, last: number): OrdRole[] {
  const status = p.active ? "Active" : "Inactive";
  const list: OrdRole[] = [
    {
      id: p.slot.spec.primaryRole,
      uniqueRoleId: roleIdOf(p.index, 0),
      primaryRole: true,
      Date: dates,
      Status: status,
    },
  ];
  if (p.refOnly) {
    return list;
  }
  const end = p.close ?? last;
  p.slot.spec.nonPrimary.forEach((np, i) => {
    if (!rng.chance(np.p)) {
      return;
    }
    const start = rng.chance(0.5) ? p.open : p.open + rng.int(Math.max(1, end - p.open));
    let stop = p.close;
    if (stop === undefined && rng.chance(0.1) && end - start > 60) {
      stop = start + rng.between(30, end - start - 1);
    }
    list.push({
      id: np.role,
      uniqueRoleId: roleIdOf(p.index, i + 1),
      Date: [period("Operational", start, stop)],
      Status: stop === undefined ? "Active" : "Inactive",
    });
  });
  return list;
}

function rels(
  pop: Population,
  p: Profile,
  rng: Rng,
  { legal, last }: { readonly legal: boolean; readonly last: number },
): OrdRel[] {
  const list: OrdRel[] = [];
  const add = (spec: RelSpec, target: Profile, start: number, end: number | undefined) => {
    const dates = [period("Operational", start, end)];
    if (legal && end !== undefined && rng.chance(0.5)) {
      dates.push(period("Legal", start, Math.max(start, end - rng.int(60))));
    }
    list.push({
      Date: dates,
      Status: end === undefined ? "Active" : "Inactive",
      Target: targetOf(target),
      id: spec.rel,
      uniqueRelId: ID_BASE + p.index * 16 + list.length,
    });
  };
  p.slot.spec.rels.forEach((spec, i) => {
    if (!rng.chance(spec.p)) {
      return;
    }
    const target = pop.pick(spec.target, p.index, 100 + i, p.active);
    if (target === undefined || target.index === p.index) {
      return;
    }
    const end = p.close;
    let start = Math.min(Math.max(p.open, target.open), end ?? last);
    if (rng.chance(spec.history) && (end ?? last) - start > 400) {
      const older = pop.pick(spec.target, p.index, 200 + i, false);
      if (older !== undefined && older.index !== p.index && older.index !== target.index) {
        const switchDay = start + rng.between(200, (end ?? last) - start - 100);
        add(spec, older, start, switchDay - 1);
        start = switchDay;
      }
    }
    add(spec, target, start, end);
  });
  return list;
}

function succs(pop: Population, p: Profile): OrdSucc[] {
  return p.succs.map((plan, i) => {
    const target = pop.profile(plan.target);
    return {
      uniqueSuccId: ID_BASE + p.index * 4 + i,
      Date: [{ Type: "Legal", Start: isoOf(plan.day) }],
      Type: plan.type,
      Target: targetOf(target),
      // The live API flags a predecessor that is a refOnly skeleton (no edge back): RRP → RHC.
      ...(plan.type === "Predecessor" && target.refOnly ? { forwardSuccession: true as const } : {}),
    };
  });
}

function lastChange(p: Profile, rng: Rng, latestEvent: number, last: number): number {
  if (p.refOnly) {
    const day = rng.chance(0.6) ? BULK_UPDATE_DAY : BULK_UPDATE_DAY + rng.int(ARCHIVE_DAY - BULK_UPDATE_DAY);
    return Math.min(last, Math.max(day, latestEvent));
  }
  const day = rng.chance(0.12) ? last - rng.int(185) : RECENT_FROM + rng.int(last - RECENT_FROM);
  return Math.min(last, Math.max(day, latestEvent));
}

function latestStart(dates: readonly { readonly Date: readonly OrdDate[] }[]): string {
  let latest = "";
  for (const item of dates) {
    for (const d of item.Date) {
      const value = d.End !== undefined && d.End > d.Start ? d.End : d.Start;
      if (value > latest) {
        latest = value;
      }
    }
  }
  return latest;
}

/**
 * Builds the ORD JSON record of the generated organisation at logical index `index`, in the live API's key
 * order with its empty sections omitted. Pure: the same population and index give the same record.
 */
export function buildOrganisation(pop: Population, index: number): OrdOrganisation {
  return buildFromProfile(pop, pop.profile(index), pop.publicationDay - 1);
}

/** Builds the record of a profile whose dates are all on or before `last` (also for later additions). */
export function buildFromProfile(pop: Population, p: Profile, last: number): OrdOrganisation {
  const spec = p.slot.spec;
  const rng = new Rng(hash32(pop.seed, p.index, 0x5eed));
  const town = rng.pick(TOWNS);
  const name = nameFor(spec.key, rng, town, p.k);
  const legal = rng.chance(spec.legal);
  const dates = orgDates(p, legal, rng, last);
  const location = address(rng, town, p.refOnly);
  const roleList = roles(p, dates, rng, last);
  const relList = p.refOnly ? [] : rels(pop, p, rng, { legal, last });
  const succList = succs(pop, p);
  const contactList = !p.refOnly && rng.chance(spec.contacts) ? contacts(rng, name) : [];
  const latest = latestStart([{ Date: dates }, ...roleList, ...relList, ...succList]);
  const changed = lastChange(p, rng, latest === "" ? p.open : Math.min(dayOf(latest), last), last);
  return {
    Name: name,
    Date: dates,
    OrgId: { root: ODS_ORG_ID_ROOT, assigningAuthorityName: spec.authority, extension: p.code },
    Status: p.active ? "Active" : "Inactive",
    LastChangeDate: isoOf(changed),
    orgRecordClass: spec.recordClass,
    ...(p.refOnly ? { refOnly: true as const } : {}),
    GeoLoc: { Location: location },
    ...(contactList.length > 0 ? { Contacts: { Contact: contactList } } : {}),
    Roles: { Role: roleList },
    ...(relList.length > 0 ? { Rels: { Rel: relList } } : {}),
    ...(succList.length > 0 ? { Succs: { Succ: succList } } : {}),
  };
}
