import { dayRange } from "./dates.js";
import { type Dialect, escapeLike, join, raw, type SqlFragment, sql } from "./db/sql.js";
import { MirrorError } from "./errors.js";
import { fold, isOutwardCode, normalisePostcode } from "./fold.js";
import type { AffiliationCondition, DateValue, OrgCondition, SortKey, StringValue } from "./query.js";
import { normaliseCode } from "./record.js";

/** Limits on query size: a hostile query gets a clear error, not a huge SQL statement. */
export const QUERY_LIMITS = { values: 100, conditions: 50, valueLength: 200, count: 1000, offset: 1_000_000 };

const TOP = "\u{10FFFF}";

function invalid(message: string): MirrorError {
  return new MirrorError("invalid-query", message);
}

function list<T>(values: readonly T[], what: string): readonly T[] {
  if ((values as unknown) === undefined || values.length === 0) {
    throw invalid(`${what}: at least one value is required`);
  }
  if (values.length > QUERY_LIMITS.values) {
    throw invalid(`${what}: more than ${QUERY_LIMITS.values} values`);
  }
  return values;
}

function str(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw invalid(`${what}: a string value is required`);
  }
  if (value.length > QUERY_LIMITS.valueLength) {
    throw invalid(`${what}: value longer than ${QUERY_LIMITS.valueLength} characters`);
  }
  return value;
}

function codes(values: readonly string[], what: string): SqlFragment {
  return join(
    list(values, what).map((v) => sql`${normaliseCode(str(v, what))}`),
    ", ",
  );
}

function anyOf(parts: readonly SqlFragment[]): SqlFragment {
  return parts.length === 1 ? (parts[0] ?? raw("1=0")) : sql`(${join(parts, " OR ")})`;
}

/** A string match against a folded column (and the raw column for `exact`). */
function stringMatch(
  value: StringValue,
  columns: { fold: SqlFragment; raw: SqlFragment },
  what: string,
): SqlFragment {
  const text = str(value.value, what);
  switch (value.match) {
    case "exact":
      // The folded index narrows, the raw value decides (case- and accent-sensitive).
      return sql`${columns.fold} = ${fold(text)} AND ${columns.raw} = ${text}`;
    case "contains":
      return sql`${columns.fold} LIKE ${`%${escapeLike(fold(text))}%`} ESCAPE '\\'`;
    case "starts-with": {
      const folded = fold(text);
      return sql`${columns.fold} >= ${folded} AND ${columns.fold} < ${folded + TOP}`;
    }
    default:
      throw invalid(`${what}: unknown match mode`);
  }
}

/**
 * How a membership condition is rendered. `drive`: `o.code IN (subquery)`, the condition's own index finds the
 * (few) matching organisations first. `filter`: a per-row test (`EXISTS`, or the folded column itself), so that a
 * page of a large result walks the sort order's index and stops after `count` rows.
 */
export type ConditionMode = "drive" | "filter";

/** The extra context of a condition: the `active` value of a sibling condition folded into role subqueries. */
export interface ConditionContext {
  readonly mode: ConditionMode;
  readonly orgActive?: boolean;
}

const DRIVE: ConditionContext = { mode: "drive" };

function membership(
  mode: ConditionMode,
  from: { readonly table: string; readonly alias: string; readonly column: string },
  where: SqlFragment,
  negate = false,
): SqlFragment {
  const not = raw(negate ? "NOT " : "");
  const table = raw(`${from.table} ${from.alias}`);
  const column = raw(`${from.alias}.${from.column}`);
  if (mode === "filter") {
    return sql`${not}EXISTS (SELECT 1 FROM ${table} WHERE ${column} = o.code AND ${where})`;
  }
  return sql`o.code ${not}IN (SELECT ${column} FROM ${table} WHERE ${where})`;
}

const NAMES = { table: "org_name", alias: "n", column: "code" } as const;
const ADDRESSES = { table: "org_addr", alias: "a", column: "code" } as const;
const ROLES = { table: "org_role", alias: "r", column: "code" } as const;
const SEARCH = { table: "org_search", alias: "s", column: "code" } as const;

/** A folded contains value long enough for the trigram indexes (3 characters or more), else undefined. */
function trigramValue(value: StringValue): string | undefined {
  if (value.match !== "contains") {
    return undefined;
  }
  const folded = fold(str(value.value, "name"));
  let characters = 0;
  for (const _ of folded) {
    characters += 1;
  }
  return characters >= 3 ? folded : undefined;
}

/** An FTS5 query that is one quoted phrase: with the trigram tokenizer, an exact substring test. */
function ftsPhrase(folded: string): string {
  return `"${folded.replaceAll('"', '""')}"`;
}

function nameCondition(dialect: Dialect, value: StringValue, mode: ConditionMode): SqlFragment {
  if (value.match === "contains") {
    const folded = fold(str(value.value, "name"));
    const trigram = trigramValue(value);
    if (dialect === "sqlite" && trigram !== undefined && mode === "drive") {
      // SQLite: the FTS5 trigram index (one document per organisation: its rowid) answers the substring test.
      return sql`o.rowid IN (SELECT rowid FROM name_fts WHERE names_fold MATCH ${ftsPhrase(trigram)})`;
    }
    if (dialect === "postgres" && trigram !== undefined) {
      // PostgreSQL: the pg_trgm GIN index of the narrow org_search table.
      return membership(mode, SEARCH, sql`s.names_fold LIKE ${`%${escapeLike(trigram)}%`} ESCAPE '\\'`);
    }
    // Short values (and SQLite's filter mode): a test per visited row.
    return sql`o.names_fold LIKE ${`%${escapeLike(folded)}%`} ESCAPE '\\'`;
  }
  return membership(mode, NAMES, stringMatch(value, { fold: raw("n.fold"), raw: raw("n.value") }, "name"));
}

function postcodeCondition(value: StringValue): SqlFragment {
  const norm = normalisePostcode(str(value.value, "postcode"));
  switch (value.match) {
    case "exact":
      return sql`o.postcode_norm = ${norm}`;
    case "contains":
      return sql`o.postcode_norm LIKE ${`%${escapeLike(norm)}%`} ESCAPE '\\'`;
    case "starts-with": {
      // "LS1 4": the space fixes the outward code; the rest is a prefix of the inward code.
      const spaced = /^\s*(\S+)\s+(\S*)\s*$/.exec(value.value);
      if (spaced?.[1] !== undefined && isOutwardCode(spaced[1])) {
        const outward = normalisePostcode(spaced[1]);
        return sql`o.outward = ${outward} AND o.postcode_norm >= ${norm} AND o.postcode_norm < ${norm + TOP}`;
      }
      // A whole outward code matches only itself: LS1 finds "LS1 4BT", never "LS10 1AA".
      return isOutwardCode(norm)
        ? sql`o.outward = ${norm}`
        : sql`o.postcode_norm >= ${norm} AND o.postcode_norm < ${norm + TOP}`;
    }
    default:
      throw invalid("postcode: unknown match mode");
  }
}

function dateCondition(column: SqlFragment, values: readonly DateValue[], now: number): SqlFragment {
  const parts = list(values, "date").map((value) => {
    const range = dayRange({ prefix: value.prefix, value: str(value.value, "date") }, now);
    if (range.empty === true) {
      return raw("1=0");
    }
    const bounds: SqlFragment[] = [sql`${column} <> ''`];
    if (range.exclude === true) {
      bounds.push(sql`(${column} < ${range.from} OR ${column} > ${range.to})`);
    } else {
      if (range.from !== undefined) {
        bounds.push(sql`${column} >= ${range.from}`);
      }
      if (range.to !== undefined) {
        bounds.push(sql`${column} <= ${range.to}`);
      }
    }
    return sql`(${join(bounds, " AND ")})`;
  });
  return anyOf(parts);
}

const ADDRESS_PARTS = new Set(["line", "city", "district", "state", "country", "postalcode"]);

/** The SQL of one Organization condition, on the alias `o` of the `org` view. */
export function orgCondition(
  dialect: Dialect,
  condition: OrgCondition,
  now: number,
  context: ConditionContext = DRIVE,
): SqlFragment {
  const mode = context.mode;
  switch (condition.kind) {
    case "code":
      return condition.not === true
        ? sql`o.code NOT IN (${codes(condition.codes, "code")})`
        : sql`o.code IN (${codes(condition.codes, "code")})`;
    case "name":
      return anyOf(list(condition.values, "name").map((v) => nameCondition(dialect, v, mode)));
    case "address": {
      const values = list(condition.values, "address");
      if (condition.part === "postalcode") {
        return anyOf(values.map(postcodeCondition));
      }
      if (condition.part !== "any" && !ADDRESS_PARTS.has(condition.part)) {
        throw invalid("address: unknown part");
      }
      const columns = { fold: raw("a.fold"), raw: raw("a.value") };
      // "any" lists every part so that the (part, fold) index serves it.
      const part =
        condition.part === "any"
          ? raw("a.part IN ('line', 'city', 'district', 'state', 'country', 'postalcode') AND ")
          : sql`a.part = ${condition.part} AND `;
      return anyOf(
        values.map((v) => membership(mode, ADDRESSES, sql`${part}${stringMatch(v, columns, "address")}`)),
      );
    }
    case "role": {
      const ids = codes(condition.codes, "role");
      const negate = condition.not === true;
      // The organisation's status, when the query also tests it, narrows the role index (org_active copies it).
      const status =
        context.orgActive === undefined || negate
          ? raw("")
          : sql` AND r.org_active = ${context.orgActive ? 1 : 0}`;
      switch (condition.scope) {
        case "primary":
          return negate
            ? sql`(o.primary_role IS NULL OR o.primary_role NOT IN (${ids}))`
            : sql`o.primary_role IN (${ids})`;
        case "any":
          return membership(mode, ROLES, sql`r.role IN (${ids})${status}`, negate);
        case "active":
          return membership(mode, ROLES, sql`r.role IN (${ids})${status} AND r.active = 1`, negate);
        case "active-primary":
          return membership(mode, ROLES, sql`r.role IN (${ids})${status} AND r.active_primary = 1`, negate);
        default:
          throw invalid("role: unknown scope");
      }
    }
    case "active":
      return sql`o.active = ${condition.value ? 1 : 0}`;
    case "recordClass":
      return condition.not === true
        ? sql`o.record_class NOT IN (${codes(condition.codes, "recordClass")})`
        : sql`o.record_class IN (${codes(condition.codes, "recordClass")})`;
    case "refOnly":
      return sql`o.ref_only = ${condition.value ? 1 : 0}`;
    case "lastChangeDate":
      return dateCondition(raw("o.last_change"), condition.values, now);
    case "partOf":
      return condition.not === true
        ? sql`(o.parent IS NULL OR o.parent NOT IN (${codes(condition.codes, "partOf")}))`
        : sql`o.parent IN (${codes(condition.codes, "partOf")})`;
    case "parentOf":
      return sql`o.code IN (SELECT parent FROM org WHERE code IN (${codes(condition.codes, "parentOf")}) AND parent IS NOT NULL)`;
    case "relationship": {
      const incoming = condition.direction === "incoming";
      const filters: SqlFragment[] = [];
      if (condition.types !== undefined) {
        filters.push(sql`x.type IN (${codes(condition.types, "relationship type")})`);
      }
      if (condition.targets !== undefined) {
        const column = incoming ? raw("x.source") : raw("x.target");
        filters.push(sql`${column} IN (${codes(condition.targets, "relationship target")})`);
      }
      if (condition.active !== undefined) {
        filters.push(sql`x.active = ${condition.active ? 1 : 0}`);
      }
      const where = filters.length === 0 ? raw("1=1") : join(filters, " AND ");
      return membership(
        mode,
        { table: "org_rel", alias: "x", column: incoming ? "target" : "source" },
        where,
      );
    }
    case "missing": {
      const not = condition.missing ? raw("NOT ") : raw("");
      switch (condition.field) {
        case "postalcode":
          return condition.missing ? raw("o.postcode_norm IS NULL") : raw("o.postcode_norm IS NOT NULL");
        case "partOf":
          return condition.missing ? raw("o.parent IS NULL") : raw("o.parent IS NOT NULL");
        case "lastChangeDate":
          return condition.missing ? raw("o.last_change = ''") : raw("o.last_change <> ''");
        case "alias":
          return sql`${not}EXISTS (SELECT 1 FROM org_name n WHERE n.code = o.code AND n.kind = 1)`;
        case "address":
          return sql`${not}EXISTS (SELECT 1 FROM org_addr a WHERE a.code = o.code)`;
        case "city":
        case "district":
        case "country":
        case "line":
          return sql`${not}EXISTS (SELECT 1 FROM org_addr a WHERE a.code = o.code AND a.part = ${condition.field})`;
        default:
          throw invalid("missing: unknown field");
      }
    }
    default:
      throw invalid("unknown condition kind");
  }
}

/**
 * The organisation's status tested by the query (an `active` condition), folded into role subqueries so that
 * role + status is answered from one covering index.
 */
export function queryContext(conditions: readonly OrgCondition[], mode: ConditionMode): ConditionContext {
  const active = conditions.find((c) => c.kind === "active");
  return active === undefined ? { mode } : { mode, orgActive: active.value };
}

/** The folded value of a query that is one name contains value (3 characters or more) and nothing else. */
export function singleContains(conditions: readonly OrgCondition[]): string | undefined {
  const only = conditions[0];
  if (conditions.length !== 1 || only?.kind !== "name" || only.values.length !== 1) {
    return undefined;
  }
  const value = only.values[0];
  return value === undefined ? undefined : trigramValue(value);
}

/**
 * PostgreSQL: the codes of a page of a query that is one name contains value, sorted by code: found and sorted
 * on the narrow org_search table (the GIN index's matches, then a top-N sort), before any join.
 */
export function searchPageCodes(
  folded: string,
  direction: "asc" | "desc",
  limit: number,
  offset: number,
): SqlFragment {
  // OFFSET 0 keeps the planner from walking the code index instead, which is slow when the matches cluster.
  return sql`SELECT m.code FROM (SELECT s.code FROM org_search s WHERE s.names_fold LIKE ${`%${escapeLike(folded)}%`} ESCAPE '\\' OFFSET 0) m ORDER BY m.code ${raw(direction === "asc" ? "ASC" : "DESC")} LIMIT ${limit} OFFSET ${offset}`;
}

/** Whether the query has a name contains value long enough for the trigram indexes. */
export function hasTrigramContains(conditions: readonly OrgCondition[]): boolean {
  return conditions.some((c) => c.kind === "name" && c.values.some((v) => trigramValue(v) !== undefined));
}

/**
 * A cheaper exact count for the common one-index queries, or undefined: role (one code, optionally with the
 * status) counted from the role index alone (one row per organisation and role), name contains counted from
 * the FTS5 index alone (SQLite; one document per organisation).
 */
export function countShortcut(
  dialect: Dialect,
  conditions: readonly OrgCondition[],
): SqlFragment | undefined {
  const active = conditions.filter((c) => c.kind === "active");
  const others = conditions.filter((c) => c.kind !== "active");
  const only = others[0];
  if (others.length !== 1 || active.length > 1 || only === undefined) {
    return undefined;
  }
  if (
    only.kind === "role" &&
    only.not !== true &&
    only.scope !== "primary" &&
    Array.isArray(only.codes) &&
    only.codes.length === 1
  ) {
    const scope =
      only.scope === "active"
        ? raw(" AND r.active = 1")
        : only.scope === "active-primary"
          ? raw(" AND r.active_primary = 1")
          : raw("");
    const status = active[0] === undefined ? raw("") : sql` AND r.org_active = ${active[0].value ? 1 : 0}`;
    return sql`SELECT count(*) AS n FROM org_role r WHERE r.role IN (${codes(only.codes, "role")})${status}${scope}`;
  }
  const trigram = singleContains(conditions);
  if (trigram !== undefined) {
    return dialect === "sqlite"
      ? sql`SELECT count(*) AS n FROM name_fts WHERE names_fold MATCH ${ftsPhrase(trigram)}`
      : sql`SELECT count(*) AS n FROM org_search s WHERE s.names_fold LIKE ${`%${escapeLike(trigram)}%`} ESCAPE '\\'`;
  }
  return undefined;
}

/** The SQL of one OrganizationAffiliation condition, on the alias `r` of the `org_rel` view. */
export function affiliationCondition(condition: AffiliationCondition, now: number): SqlFragment {
  switch (condition.kind) {
    case "id":
      return sql`r.id IN (${join(
        list(condition.ids, "id").map((id) => sql`${str(id, "id")}`),
        ", ",
      )})`;
    case "primaryOrganization":
      return sql`r.source IN (${codes(condition.codes, "primary-organization")})`;
    case "participatingOrganization":
      return sql`r.target IN (${codes(condition.codes, "participating-organization")})`;
    case "type":
      return condition.not === true
        ? sql`r.type NOT IN (${codes(condition.codes, "type")})`
        : sql`r.type IN (${codes(condition.codes, "type")})`;
    case "active":
      return sql`r.active = ${condition.value ? 1 : 0}`;
    case "date": {
      // The relationship's period [start, end] overlaps the search value's day range.
      const parts = list(condition.values, "date").map((value) => {
        const range = dayRange({ prefix: value.prefix, value: str(value.value, "date") }, now);
        if (range.empty === true) {
          return raw("1=0");
        }
        const bounds: SqlFragment[] = [raw("r.start_date IS NOT NULL")];
        if (range.to !== undefined) {
          bounds.push(sql`r.start_date <= ${range.to}`);
        }
        if (range.from !== undefined) {
          bounds.push(sql`(r.end_date IS NULL OR r.end_date >= ${range.from})`);
        }
        const inside = sql`(${join(bounds, " AND ")})`;
        return range.exclude === true ? sql`NOT ${inside}` : inside;
      });
      return anyOf(parts);
    }
    default:
      throw invalid("unknown condition kind");
  }
}

const SORT_COLUMNS = { name: "o.name_fold", code: "o.code", lastChangeDate: "o.last_change" } as const;
const SORT_OUTPUT = { name: "name_fold", code: "code", lastChangeDate: "last_change" } as const;

/** The effective sort: the requested keys, then `code` ascending as the unique tie-breaker. */
export function effectiveSort(sort: readonly SortKey[] | undefined): SortKey[] {
  const keys: SortKey[] = [];
  for (const key of sort ?? []) {
    if (!(key.field in SORT_COLUMNS) || !["asc", "desc"].includes(key.direction)) {
      throw invalid("sort: unknown field or direction");
    }
    if (!keys.some((k) => k.field === key.field)) {
      keys.push(key);
    }
    if (key.field === "code") {
      break;
    }
  }
  if (!keys.some((k) => k.field === "code")) {
    keys.push({ field: "code", direction: "asc" });
  }
  return keys;
}

/** ORDER BY for a sort, on the `org` alias `o` (or on the page subquery `p`, whose columns are the outputs). */
export function orderBy(keys: readonly SortKey[], on: "o" | "p" = "o"): SqlFragment {
  return raw(
    keys
      .map(
        (k) =>
          `${on === "o" ? SORT_COLUMNS[k.field] : `p.${SORT_OUTPUT[k.field]}`} ${k.direction === "asc" ? "ASC" : "DESC"}`,
      )
      .join(", "),
  );
}

/**
 * A condition that can drive a page sorted by code: its index yields the matches already in code order, joined
 * to `org o`, so a page stops after `count` rows however many match. `index` is the condition it replaces.
 */
export interface PageDriver {
  readonly from: SqlFragment;
  readonly where: SqlFragment;
  /** The driver's column in code order. */
  readonly order: SqlFragment;
  readonly index: number;
}

/**
 * The driver of a page sorted by code, if the query has one: a single-value name contains (SQLite, when the
 * org rowids are in code order: the FTS5 index yields rowids in order), or a single role id together with the
 * organisation's status (the role index is ordered by role, status, code).
 */
export function pageDriver(
  dialect: Dialect,
  conditions: readonly OrgCondition[],
  codeOrderedRowids: boolean,
): PageDriver | undefined {
  const active = conditions.filter((c) => c.kind === "active");
  for (const [index, c] of conditions.entries()) {
    if (c.kind === "name" && dialect === "sqlite" && codeOrderedRowids && c.values.length === 1) {
      const value = c.values[0];
      const trigram = value === undefined ? undefined : trigramValue(value);
      if (trigram !== undefined) {
        return {
          from: raw("name_fts dn JOIN org o ON o.rowid = dn.rowid"),
          where: sql`dn.names_fold MATCH ${ftsPhrase(trigram)}`,
          order: raw("dn.rowid"),
          index,
        };
      }
    }
    const status = active[0];
    if (
      c.kind === "role" &&
      status !== undefined &&
      active.length === 1 &&
      c.not !== true &&
      c.scope !== "primary" &&
      Array.isArray(c.codes) &&
      c.codes.length === 1
    ) {
      const scope =
        c.scope === "active"
          ? raw(" AND dr.active = 1")
          : c.scope === "active-primary"
            ? raw(" AND dr.active_primary = 1")
            : raw("");
      return {
        from: raw("org_role dr JOIN org o ON o.code = dr.code"),
        where: sql`dr.role IN (${codes(c.codes, "role")}) AND dr.org_active = ${status.value ? 1 : 0}${scope}`,
        order: raw("dr.code"),
        index,
      };
    }
  }
  return undefined;
}

/** The output column holding each sort key's value (for cursors). */
export function sortOutput(key: SortKey): string {
  return SORT_OUTPUT[key.field];
}

/** Keyset condition: rows strictly after `values` in the sort order. */
export function afterCursor(keys: readonly SortKey[], values: readonly string[]): SqlFragment {
  const ors: SqlFragment[] = [];
  keys.forEach((key, i) => {
    const ands: SqlFragment[] = [];
    for (let j = 0; j < i; j++) {
      const prior = keys[j];
      if (prior !== undefined) {
        ands.push(sql`${raw(SORT_COLUMNS[prior.field])} = ${values[j]}`);
      }
    }
    ands.push(sql`${raw(SORT_COLUMNS[key.field])} ${raw(key.direction === "asc" ? ">" : "<")} ${values[i]}`);
    ors.push(sql`(${join(ands, " AND ")})`);
  });
  return sql`(${join(ors, " OR ")})`;
}

/** Encodes a keyset cursor (opaque to clients). */
export function encodeCursor(keys: readonly SortKey[], values: readonly string[]): string {
  const signature = keys.map((k) => `${k.field}:${k.direction}`).join(",");
  return Buffer.from(JSON.stringify([signature, values]), "utf8").toString("base64url");
}

/** Decodes a keyset cursor made for the same sort; `invalid-query` otherwise. */
export function decodeCursor(keys: readonly SortKey[], cursor: string): string[] {
  const signature = keys.map((k) => `${k.field}:${k.direction}`).join(",");
  try {
    if (cursor.length > 2000) {
      throw new Error("too long");
    }
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed[0] === signature &&
      Array.isArray(parsed[1]) &&
      parsed[1].length === keys.length &&
      parsed[1].every((v) => typeof v === "string")
    ) {
      return parsed[1];
    }
  } catch (_error) {
    // fall through to the typed error
  }
  throw invalid("the paging cursor is not valid for this query");
}
