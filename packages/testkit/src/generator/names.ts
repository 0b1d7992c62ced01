import type { KindKey } from "./kinds.js";
import type { Rng } from "./prng.js";
import { PLACES, REGIONS, STREETS, SURNAMES } from "./vocabulary.js";
import type { Town } from "./vocabulary.js";

/** A plausible ODS-style (upper-case) name for an organisation of a kind. */
export function nameFor(kind: KindKey, rng: Rng, town: Town, k: number): string {
  const place = rng.pick(PLACES);
  const surname = rng.pick(SURNAMES);
  const street = rng.pick(STREETS);
  const t = town.name;
  switch (kind) {
    case "region":
      return `NHS ENGLAND ${REGIONS[k % REGIONS.length] ?? "LONDON"}${k >= REGIONS.length ? ` ${k}` : ""}`;
    case "icb":
      return `NHS ${t} AND ${place} INTEGRATED CARE BOARD`;
    case "subIcb":
      return rng.chance(0.5) ? `NHS ${t} CCG` : `NHS ${t} ICB - ${place}`;
    case "pct":
      return `${t} PCT`;
    case "pctSite":
      return `${place} HEALTH CENTRE`;
    case "trust":
      return rng.chance(0.5)
        ? `${t} HOSPITALS NHS TRUST`
        : `${t} AND ${rng.pick(SURNAMES)} HEALTHCARE NHS FOUNDATION TRUST`;
    case "trustSite":
      return rng.pick([
        `${t} GENERAL HOSPITAL`,
        `${place} CLINIC`,
        `${t} COMMUNITY HOSPITAL`,
        `${place} WARD`,
      ]);
    case "gp":
      return rng.pick([
        `${place} SURGERY`,
        `${t} MEDICAL CENTRE`,
        `THE ${place} PRACTICE`,
        `DR ${surname} & PARTNERS`,
        `${street} SURGERY`,
      ]);
    case "pcc":
      return rng.pick([`${t} WALK-IN CENTRE`, `${t} OUT OF HOURS SERVICE`, `${place} PRESCRIBING HUB`]);
    case "branch":
      return `${place} BRANCH SURGERY`;
    case "pharmacyHq":
      return `${surname} HEALTHCARE LIMITED`;
    case "pharmacy":
      return rng.pick([`${surname} PHARMACY`, `${surname}'S CHEMIST`, `${place} PHARMACY`]);
    case "dental":
      return rng.pick([`${t} DENTAL PRACTICE`, `${surname} DENTAL CARE`, `${place} DENTAL SURGERY`]);
    case "careHomeHq":
      return `${surname} CARE HOMES LTD`;
    case "careHome":
      return rng.pick([`${place} HOUSE`, `${street} NURSING HOME`, `${place} LODGE CARE HOME`]);
    case "nonNhs":
      return rng.pick([`${t} ${place} SERVICES LTD`, `${surname} & ${rng.pick(SURNAMES)} LLP`]);
    case "ishp":
      return `${surname} HEALTHCARE LTD`;
    case "ishpSite":
      return `${t} ${place} PRIVATE HOSPITAL`;
    case "opticalHq":
      return `${surname} OPTICIANS LTD`;
    case "opticalSite":
      return `${surname} OPTICIANS - ${t}`;
    case "localAuthority":
      return `${t} COUNCIL`;
    case "prison":
      return `HMP ${place}`;
  }
}
