/**
 * The kinds of organisation the generator writes, with their share of the file and their shape. Shares and
 * rates are estimates modelled on upstream-ods.md and the reference records: about 295,000 organisations
 * (§3), NHS trusts 55% inactive of which 91% are refOnly (UEC ODS-06/08), ~33,000 refOnly skeletons (~11%,
 * §1.4), GP practices as RO177 + RO76 with NHSBSA as assigning authority (G81086 example), sites as RC2 with
 * an RE6 "is operated by" link to their parent, trusts in the geography (RE5) of and partner to (RE8) an ICB.
 */

/** Keys of the organisation kinds. */
export type KindKey =
  | "region"
  | "icb"
  | "subIcb"
  | "pct"
  | "pctSite"
  | "trust"
  | "trustSite"
  | "gp"
  | "pcc"
  | "branch"
  | "pharmacyHq"
  | "pharmacy"
  | "dental"
  | "careHomeHq"
  | "careHome"
  | "nonNhs"
  | "ishp"
  | "ishpSite"
  | "opticalHq"
  | "opticalSite"
  | "localAuthority"
  | "prison";

/** A relationship kind: `rel` to an organisation of kind `target`, with probability `p`. */
export interface RelSpec {
  readonly rel: string;
  readonly target: KindKey;
  readonly p: number;
  /** Probability of one more, ended (inactive) relationship of the same type to another target. */
  readonly history: number;
}

/** One code pattern: a head (one of `heads`) then `width` characters of `alphabet`. */
export interface CodePattern {
  readonly heads: readonly string[];
  readonly alphabet: string;
  readonly width: number;
}

export interface KindSpec {
  readonly key: KindKey;
  readonly primaryRole: string;
  readonly recordClass: "RC1" | "RC2";
  /** Relative weight in the file. */
  readonly share: number;
  /** Minimum count (parents must exist for relationships). */
  readonly min: number;
  readonly inactive: number;
  /** Share of inactive records that are refOnly skeletons (closed before the 2017-03-31 archive cut-off). */
  readonly refOnly: number;
  readonly nonPrimary: readonly { readonly role: string; readonly p: number }[];
  readonly rels: readonly RelSpec[];
  /** Probability that a block of four records of this kind holds a succession (merger, demerger, chain). */
  readonly succession: number;
  /** Probability of Legal dates besides the Operational ones. */
  readonly legal: number;
  readonly contacts: number;
  readonly authority: "HSCIC" | "NHS BUSINESS SERVICES AUTHORITY";
  /** Earliest opening year. */
  readonly since: number;
  /** Code patterns, used in order (the second when the first is full). */
  readonly codes: readonly CodePattern[];
}

const DIGITS = "0123456789";
const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const GP_HEADS = ["A", "B", "C", "D", "E", "G", "H", "J", "K", "L", "M", "N"];

const base = {
  min: 0,
  refOnly: 0.2,
  nonPrimary: [],
  rels: [],
  succession: 0,
  legal: 0,
  contacts: 0.5,
  authority: "HSCIC",
  since: 1974,
} as const;

/** Every kind, in the order their index ranges are laid out. */
export const KINDS: readonly KindSpec[] = [
  {
    ...base,
    key: "region",
    primaryRole: "RO209",
    recordClass: "RC1",
    share: 0.00003,
    min: 7,
    inactive: 0.3,
    refOnly: 0,
    legal: 1,
    since: 2013,
    codes: [{ heads: ["Y"], alphabet: DIGITS, width: 2 }],
  },
  {
    ...base,
    key: "icb",
    primaryRole: "RO261",
    recordClass: "RC1",
    share: 0.00015,
    min: 2,
    inactive: 0.05,
    refOnly: 0,
    nonPrimary: [{ role: "RO318", p: 0.9 }],
    rels: [{ rel: "RE5", target: "region", p: 1, history: 0.3 }],
    legal: 1,
    since: 2016,
    codes: [{ heads: ["Q"], alphabet: ALNUM, width: 2 }],
  },
  {
    ...base,
    key: "subIcb",
    primaryRole: "RO98",
    recordClass: "RC1",
    share: 0.0008,
    min: 2,
    inactive: 0.55,
    refOnly: 0.1,
    nonPrimary: [{ role: "RO319", p: 0.7 }],
    rels: [
      { rel: "RE2", target: "icb", p: 0.8, history: 0 },
      { rel: "RE5", target: "region", p: 0.9, history: 0.5 },
    ],
    succession: 0.4,
    legal: 1,
    since: 2013,
    codes: [{ heads: DIGITS.split(""), alphabet: LETTERS, width: 2 }],
  },
  {
    ...base,
    key: "pct",
    primaryRole: "RO179",
    recordClass: "RC1",
    share: 0.001,
    min: 1,
    inactive: 1,
    refOnly: 0.8,
    rels: [{ rel: "RE5", target: "region", p: 0.5, history: 0 }],
    succession: 0.3,
    legal: 0.5,
    since: 1999,
    codes: [{ heads: ["T"], alphabet: ALNUM, width: 2 }],
  },
  {
    ...base,
    key: "pctSite",
    primaryRole: "RO180",
    recordClass: "RC2",
    share: 0.01,
    inactive: 0.95,
    refOnly: 0.7,
    rels: [{ rel: "RE6", target: "pct", p: 1, history: 0 }],
    since: 1999,
    codes: [{ heads: ["T"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "trust",
    primaryRole: "RO197",
    recordClass: "RC1",
    share: 0.002,
    min: 2,
    inactive: 0.55,
    refOnly: 0.95,
    nonPrimary: [
      { role: "RO57", p: 0.45 },
      { role: "RO24", p: 0.05 },
      { role: "RO7", p: 0.05 },
    ],
    rels: [
      { rel: "RE5", target: "icb", p: 0.95, history: 0.8 },
      { rel: "RE8", target: "icb", p: 0.5, history: 0.1 },
    ],
    succession: 0.35,
    legal: 0.4,
    contacts: 0.9,
    since: 1991,
    codes: [
      { heads: ["R"], alphabet: ALNUM, width: 2 },
      { heads: ["Z"], alphabet: ALNUM, width: 4 },
    ],
  },
  {
    ...base,
    key: "trustSite",
    primaryRole: "RO198",
    recordClass: "RC2",
    share: 0.1,
    inactive: 0.45,
    refOnly: 0.5,
    rels: [{ rel: "RE6", target: "trust", p: 1, history: 0.05 }],
    contacts: 0.3,
    since: 1991,
    codes: [{ heads: ["R"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "gp",
    primaryRole: "RO177",
    recordClass: "RC1",
    share: 0.07,
    inactive: 0.45,
    refOnly: 0.35,
    nonPrimary: [{ role: "RO76", p: 1 }],
    rels: [{ rel: "RE4", target: "subIcb", p: 1, history: 0.5 }],
    succession: 0.25,
    legal: 0.8,
    contacts: 0.85,
    authority: "NHS BUSINESS SERVICES AUTHORITY",
    codes: [{ heads: GP_HEADS, alphabet: DIGITS, width: 5 }],
  },
  {
    ...base,
    key: "pcc",
    primaryRole: "RO177",
    recordClass: "RC1",
    share: 0.03,
    inactive: 0.5,
    rels: [{ rel: "RE4", target: "subIcb", p: 0.9, history: 0.2 }],
    authority: "NHS BUSINESS SERVICES AUTHORITY",
    since: 2000,
    codes: [{ heads: ["Y"], alphabet: DIGITS, width: 5 }],
  },
  {
    ...base,
    key: "branch",
    primaryRole: "RO96",
    recordClass: "RC2",
    share: 0.03,
    inactive: 0.4,
    refOnly: 0.4,
    rels: [{ rel: "RE6", target: "gp", p: 1, history: 0 }],
    contacts: 0.3,
    codes: [{ heads: GP_HEADS, alphabet: DIGITS, width: 6 }],
  },
  {
    ...base,
    key: "pharmacyHq",
    primaryRole: "RO181",
    recordClass: "RC1",
    share: 0.03,
    inactive: 0.45,
    authority: "NHS BUSINESS SERVICES AUTHORITY",
    since: 1990,
    codes: [{ heads: ["P"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "pharmacy",
    primaryRole: "RO182",
    recordClass: "RC1",
    share: 0.09,
    inactive: 0.4,
    rels: [{ rel: "RE6", target: "pharmacyHq", p: 0.95, history: 0.2 }],
    succession: 0.2,
    legal: 0.9,
    contacts: 0.8,
    authority: "NHS BUSINESS SERVICES AUTHORITY",
    since: 1990,
    codes: [{ heads: ["F"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "dental",
    primaryRole: "RO110",
    recordClass: "RC1",
    share: 0.14,
    inactive: 0.5,
    authority: "NHS BUSINESS SERVICES AUTHORITY",
    since: 1990,
    codes: [{ heads: ["V"], alphabet: DIGITS, width: 6 }],
  },
  {
    ...base,
    key: "careHomeHq",
    primaryRole: "RO104",
    recordClass: "RC1",
    share: 0.03,
    inactive: 0.4,
    since: 2000,
    codes: [{ heads: ["VH"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "careHome",
    primaryRole: "RO101",
    recordClass: "RC2",
    share: 0.17,
    inactive: 0.4,
    rels: [{ rel: "RE6", target: "careHomeHq", p: 1, history: 0.1 }],
    contacts: 0.4,
    since: 2000,
    codes: [{ heads: ["VN"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "nonNhs",
    primaryRole: "RO157",
    recordClass: "RC1",
    share: 0.08,
    inactive: 0.4,
    since: 1990,
    codes: [{ heads: ["NL"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "ishp",
    primaryRole: "RO172",
    recordClass: "RC1",
    share: 0.03,
    inactive: 0.35,
    since: 1995,
    codes: [{ heads: ["NT"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "ishpSite",
    primaryRole: "RO176",
    recordClass: "RC2",
    share: 0.04,
    inactive: 0.35,
    rels: [{ rel: "RE6", target: "ishp", p: 1, history: 0 }],
    since: 1995,
    codes: [{ heads: ["NS"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "opticalHq",
    primaryRole: "RO166",
    recordClass: "RC1",
    share: 0.02,
    inactive: 0.4,
    since: 1995,
    codes: [{ heads: ["TO"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "opticalSite",
    primaryRole: "RO167",
    recordClass: "RC2",
    share: 0.03,
    inactive: 0.4,
    rels: [{ rel: "RE6", target: "opticalHq", p: 1, history: 0 }],
    since: 1995,
    codes: [{ heads: ["TS"], alphabet: ALNUM, width: 4 }],
  },
  {
    ...base,
    key: "localAuthority",
    primaryRole: "RO141",
    recordClass: "RC1",
    share: 0.002,
    inactive: 0.2,
    legal: 1,
    codes: [{ heads: ["LA"], alphabet: ALNUM, width: 3 }],
  },
  {
    ...base,
    key: "prison",
    primaryRole: "RO175",
    recordClass: "RC1",
    share: 0.001,
    inactive: 0.2,
    since: 1990,
    codes: [{ heads: ["W"], alphabet: ALNUM, width: 4 }],
  },
];
