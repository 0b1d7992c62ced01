import { hash } from "node:crypto";
import { MirrorError } from "./errors.js";
import { fold, normalisePostcode, outwardCode } from "./fold.js";

/** The address parts the mirror indexes (FHIR Address: line, city = ODS Town, district = ODS County...). */
export interface MirrorAddress {
  readonly lines?: readonly string[];
  readonly city?: string;
  readonly district?: string;
  readonly state?: string;
  readonly country?: string;
  readonly postalCode?: string;
}

/** A role held by the organisation (ODS `Roles/Role`). */
export interface MirrorRole {
  readonly id: string;
  readonly primary: boolean;
  readonly active: boolean;
}

/** A relationship (ODS `Rels/Rel`), served as an OrganizationAffiliation. */
export interface MirrorRelationship {
  /** ODS `uniqueRelId` (the OrganizationAffiliation id). */
  readonly id: string;
  /** Relationship type, for example `RE4`. */
  readonly type: string;
  /** Target ODS code. */
  readonly target: string;
  readonly active: boolean;
  readonly start?: string;
  readonly end?: string;
  /** Pre-serialised OrganizationAffiliation JSON, when the mapping produces one. */
  readonly json?: Uint8Array;
}

/** A succession edge (ODS `Succs/Succ`). */
export interface MirrorSuccession {
  readonly type: "Successor" | "Predecessor";
  readonly target: string;
  readonly date?: string;
}

/**
 * The store's input: one organisation, already mapped to FHIR, with the facts the search indexes need. Built
 * from ods-core's `OdsOrganisation` by {@link recordFromOds}; the store never parses the JSON.
 */
export interface MirrorRecord {
  /** ODS code (upper case). */
  readonly code: string;
  /** UTF-8 FHIR Organization JSON, served as is. */
  readonly json: Uint8Array;
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly address?: MirrorAddress;
  readonly roles: readonly MirrorRole[];
  readonly active: boolean;
  /** `RC1` / `RC2`. */
  readonly recordClass: string;
  readonly refOnly: boolean;
  /** `YYYY-MM-DD`. */
  readonly lastChangeDate?: string;
  /** Parent ODS code (FHIR `partOf`). */
  readonly parent?: string;
  readonly relationships: readonly MirrorRelationship[];
  readonly successions: readonly MirrorSuccession[];
}

const CODE_RE = /^[A-Z0-9]{1,12}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_JSON = 4 * 1024 * 1024;
const MAX_TEXT = 1000;

function check(condition: boolean, code: string, message: string): asserts condition {
  if (!condition) {
    throw new MirrorError("invalid-input", `record ${code.slice(0, 20)}: ${message}`);
  }
}

function text(value: string | undefined, code: string, what: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  check(value.length <= MAX_TEXT, code, `${what} longer than ${MAX_TEXT} characters`);
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/**
 * The integer key of an ODS code (`org_doc.key`), or undefined when `code` is not one (not 1 to 12 upper-case
 * letters or digits). A code of up to 10 characters is read as 10 base-37 digits (0 = no character, then 0-9
 * and A-Z), so that key order is code order and every key is a safe integer (below 37^10 < 2^53); a code of
 * 11 or 12 characters is read the same over 12 positions as a bigint (at least 37^11, so apart from the
 * shorter codes' keys, and below 37^12 < 2^63). Injective: two codes never share a key.
 */
export function codeKey(code: string): number | bigint | undefined {
  if (!CODE_RE.test(code)) return undefined;
  if (code.length <= 10) {
    let key = 0;
    for (let i = 0; i < 10; i++) {
      key = key * 37 + (i < code.length ? keyDigit(code.charCodeAt(i)) : 0);
    }
    return key;
  }
  let key = 0n;
  for (let i = 0; i < 12; i++) {
    key = key * 37n + BigInt(i < code.length ? keyDigit(code.charCodeAt(i)) : 0);
  }
  return key;
}

/** 1-10 for the digits 0-9, 11-36 for A-Z. */
function keyDigit(charCode: number): number {
  return charCode <= 57 ? charCode - 47 : charCode - 54;
}

/** Normalises an ODS code for lookups (upper case, trimmed). */
export function normaliseCode(code: string): string {
  return code.trim().toUpperCase();
}

/** The rows of one record, ready for the per-generation tables (column order as in the schema). */
export interface RecordRows {
  readonly org: readonly unknown[];
  readonly doc: readonly unknown[];
  readonly names: readonly (readonly unknown[])[];
  readonly addr: readonly (readonly unknown[])[];
  readonly roles: readonly (readonly unknown[])[];
  readonly rels: readonly (readonly unknown[])[];
  readonly succs: readonly (readonly unknown[])[];
}

/**
 * A short content hash used as the FHIR version id / weak ETag (one-shot `crypto.hash`: no Hash object per
 * document, a fifth cheaper than `createHash` for a 2 KB document).
 */
export function versionOf(bytes: Uint8Array): string {
  return hash("sha1", bytes, "base64url").slice(0, 12);
}

/** Validates a record and turns it into rows. Throws `invalid-input` on anything malformed. */
export function recordRows(record: MirrorRecord): RecordRows {
  const code = normaliseCode(record.code);
  check(CODE_RE.test(code), code, "the ODS code must be 1-12 letters or digits");
  check(record.json instanceof Uint8Array && record.json.byteLength > 1, code, "json bytes are required");
  check(record.json.byteLength <= MAX_JSON, code, "json larger than 4 MiB");
  const name = text(record.name, code, "name");
  check(name !== undefined, code, "a name is required");
  check(/^RC\d$/.test(record.recordClass), code, "recordClass must be RC1 or RC2");
  check(
    record.lastChangeDate === undefined || DATE_RE.test(record.lastChangeDate),
    code,
    "lastChangeDate must be YYYY-MM-DD",
  );
  const nameFold = fold(name);
  const names: unknown[][] = [[code, 0, name, nameFold]];
  let namesFold = nameFold;
  for (const alias of record.aliases ?? []) {
    const value = text(alias, code, "alias");
    if (value !== undefined) {
      const aliasFold = fold(value);
      names.push([code, 1, value, aliasFold]);
      // Folded text never holds a line break, so no substring can span two names.
      namesFold += `\n${aliasFold}`;
    }
  }
  const addr: unknown[][] = [];
  const a = record.address;
  const postcode = text(a?.postalCode, code, "postalCode");
  if (a !== undefined) {
    const parts: [string, string | undefined][] = [
      ...(a.lines ?? []).map((line): [string, string | undefined] => ["line", line]),
      ["city", a.city],
      ["district", a.district],
      ["state", a.state],
      ["country", a.country],
      ["postalcode", a.postalCode],
    ];
    for (const [part, raw] of parts) {
      const value = text(raw, code, part);
      if (value !== undefined) {
        addr.push([code, part, value, fold(value)]);
      }
    }
  }
  const primary = record.roles.find((r) => r.primary);
  const orgActive = record.active ? 1 : 0;
  // One row per role id: a role held more than once (different periods) is merged, flags OR-ed.
  const byRole = new Map<string, [string, string, number, number, number, number]>();
  for (const r of record.roles) {
    const id = normaliseCode(r.id);
    check(/^RO\d{1,6}$/.test(id), code, `bad role id ${id.slice(0, 12)}`);
    const row = byRole.get(id) ?? [code, id, 0, 0, 0, orgActive];
    row[2] |= r.primary ? 1 : 0;
    row[3] |= r.active ? 1 : 0;
    row[4] |= r.active && r.primary ? 1 : 0;
    byRole.set(id, row);
  }
  const roles = [...byRole.values()];
  const rels = record.relationships.map((r) => {
    const target = normaliseCode(r.target);
    check(CODE_RE.test(target), code, "bad relationship target");
    check(/^[A-Za-z0-9-]{1,64}$/.test(r.id), code, "bad relationship id");
    const json = r.json ?? null;
    return [
      r.id,
      code,
      target,
      normaliseCode(r.type),
      r.active ? 1 : 0,
      r.start ?? null,
      r.end ?? null,
      json,
      json === null ? "" : versionOf(json),
    ];
  });
  const succs = record.successions.map((s) => {
    const target = normaliseCode(s.target);
    check(CODE_RE.test(target), code, "bad succession target");
    return [code, target, s.type, s.date ?? null];
  });
  const parent = record.parent === undefined ? null : normaliseCode(record.parent);
  const doc = [codeKey(code), code, record.json, versionOf(record.json), record.lastChangeDate ?? ""];
  const org = [
    code,
    name,
    nameFold,
    namesFold,
    orgActive,
    record.recordClass,
    record.refOnly ? 1 : 0,
    record.lastChangeDate ?? "",
    parent,
    primary === undefined ? null : normaliseCode(primary.id),
    postcode === undefined ? null : normalisePostcode(postcode),
    postcode === undefined ? null : outwardCode(postcode),
  ];
  return { org, doc, names, addr, roles, rels, succs };
}

/** Rows of one table, flattened row-major (column order as in the schema). */
export interface FlatRows {
  readonly rows: number;
  readonly values: unknown[];
}

/** The rows of a batch of records, one flat array per table (what the bulk inserts bind, and what a load worker posts). */
export interface PackedRows {
  readonly organisations: number;
  readonly org: FlatRows;
  readonly org_doc: FlatRows;
  readonly org_name: FlatRows;
  readonly org_addr: FlatRows;
  readonly org_role: FlatRows;
  readonly org_rel: FlatRows;
  readonly org_succ: FlatRows;
  /** PostgreSQL loads: each table's rows already encoded for `COPY ... (FORMAT binary)` (then `values` are empty). */
  readonly copy?: Readonly<Record<string, Uint8Array>>;
}

/** Packs the rows of validated records into flat per-table arrays. */
export function packRows(prepared: readonly RecordRows[]): PackedRows {
  const table = (): { rows: number; values: unknown[] } => ({ rows: 0, values: [] });
  const out = {
    organisations: prepared.length,
    org: table(),
    org_doc: table(),
    org_name: table(),
    org_addr: table(),
    org_role: table(),
    org_rel: table(),
    org_succ: table(),
  };
  const one = (target: { rows: number; values: unknown[] }, row: readonly unknown[]): void => {
    target.rows += 1;
    for (const value of row) {
      target.values.push(value);
    }
  };
  const many = (target: { rows: number; values: unknown[] }, rows: readonly (readonly unknown[])[]): void => {
    for (const row of rows) {
      one(target, row);
    }
  };
  for (const p of prepared) {
    one(out.org, p.org);
    one(out.org_doc, p.doc);
    many(out.org_name, p.names);
    many(out.org_addr, p.addr);
    many(out.org_role, p.roles);
    many(out.org_rel, p.rels);
    many(out.org_succ, p.succs);
  }
  return out;
}
