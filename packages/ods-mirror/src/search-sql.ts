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

function nameCondition(dialect: Dialect, value: StringValue): SqlFragment {
  const folded = fold(str(value.value, "name"));
  if (value.match === "contains" && dialect === "sqlite" && folded.length >= 3) {
    // SQLite: the FTS5 trigram index answers LIKE '%...%' (PostgreSQL uses its pg_trgm GIN index directly).
    return sql`o.code IN (SELECT n.code FROM org_name n WHERE n.rowid IN (SELECT rowid FROM name_fts WHERE fold LIKE ${`%${escapeLike(folded)}%`} ESCAPE '\\'))`;
  }
  return sql`o.code IN (SELECT code FROM org_name WHERE ${stringMatch(value, { fold: raw("fold"), raw: raw("value") }, "name")})`;
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
export function orgCondition(dialect: Dialect, condition: OrgCondition, now: number): SqlFragment {
  switch (condition.kind) {
    case "code":
      return condition.not === true
        ? sql`o.code NOT IN (${codes(condition.codes, "code")})`
        : sql`o.code IN (${codes(condition.codes, "code")})`;
    case "name":
      return anyOf(list(condition.values, "name").map((v) => nameCondition(dialect, v)));
    case "address": {
      const values = list(condition.values, "address");
      if (condition.part === "postalcode") {
        return anyOf(values.map(postcodeCondition));
      }
      if (condition.part !== "any" && !ADDRESS_PARTS.has(condition.part)) {
        throw invalid("address: unknown part");
      }
      const columns = { fold: raw("fold"), raw: raw("value") };
      // "any" lists every part so that the (part, fold) index serves it.
      const part =
        condition.part === "any"
          ? raw("part IN ('line', 'city', 'district', 'state', 'country', 'postalcode') AND ")
          : sql`part = ${condition.part} AND `;
      return anyOf(
        values.map(
          (v) =>
            sql`o.code IN (SELECT code FROM org_addr WHERE ${part}${stringMatch(v, columns, "address")})`,
        ),
      );
    }
    case "role": {
      const ids = codes(condition.codes, "role");
      const negate = condition.not === true ? raw("NOT ") : raw("");
      switch (condition.scope) {
        case "primary":
          return condition.not === true
            ? sql`(o.primary_role IS NULL OR o.primary_role NOT IN (${ids}))`
            : sql`o.primary_role IN (${ids})`;
        case "any":
          return sql`o.code ${negate}IN (SELECT code FROM org_role WHERE role IN (${ids}))`;
        case "active":
          return sql`o.code ${negate}IN (SELECT code FROM org_role WHERE role IN (${ids}) AND active = 1)`;
        case "active-primary":
          return sql`o.code ${negate}IN (SELECT code FROM org_role WHERE role IN (${ids}) AND active = 1 AND is_primary = 1)`;
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
        filters.push(sql`type IN (${codes(condition.types, "relationship type")})`);
      }
      if (condition.targets !== undefined) {
        const column = incoming ? raw("source") : raw("target");
        filters.push(sql`${column} IN (${codes(condition.targets, "relationship target")})`);
      }
      if (condition.active !== undefined) {
        filters.push(sql`active = ${condition.active ? 1 : 0}`);
      }
      const where = filters.length === 0 ? raw("") : sql` WHERE ${join(filters, " AND ")}`;
      return sql`o.code IN (SELECT ${incoming ? raw("target") : raw("source")} FROM org_rel${where})`;
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

/** ORDER BY for a sort. */
export function orderBy(keys: readonly SortKey[]): SqlFragment {
  return raw(
    keys.map((k) => `${SORT_COLUMNS[k.field]} ${k.direction === "asc" ? "ASC" : "DESC"}`).join(", "),
  );
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
