import type { Database, HeldLock, PreparedQuery } from "./db/database.js";
import { PostgresDatabase, type PostgresOptions } from "./db/postgres.js";
import {
  baseDdl,
  codeKeySql,
  docStagingDdl,
  docStagingTable,
  type GenerationTable,
  dropGenerationDdl,
  GENERATION_TABLE_NAMES,
  GENERATION_TABLES,
  generationIndexesDdl,
  generationTablesDdl,
  MIRROR_SCHEMA_VERSION,
  UPGRADABLE_SCHEMA_VERSIONS,
  upgradeDdl,
  ROWID_GAP,
  tableName,
  viewsDdl,
} from "./db/schema.js";
import { join, raw, Slot, type SqlFragment, sql } from "./db/sql.js";
import { SqliteDatabase, type SqliteOptions } from "./db/sqlite.js";
import { MirrorError } from "./errors.js";
import type {
  AffiliationSearch,
  MirrorReader,
  MirrorStatus,
  OrgLookup,
  OrgSearch,
  ReadResult,
  SearchPage,
  StoredResource,
  SuccessionLink,
} from "./query.js";
import {
  codeKey,
  type MirrorRecord,
  normaliseCode,
  type PackedRows,
  packRows,
  recordRows,
} from "./record.js";
import {
  affiliationCondition,
  afterCursor,
  type ConditionMode,
  countShortcut,
  decodeCursor,
  effectiveSort,
  encodeCursor,
  orderBy,
  hasTrigramContains,
  orgCondition,
  pageDriver,
  searchPageCodes,
  singleContains,
  QUERY_LIMITS,
  queryContext,
  sortOutput,
} from "./search-sql.js";

/** Where the mirror lives. */
export type MirrorBackendOptions =
  ({ readonly kind: "sqlite" } & SqliteOptions) | ({ readonly kind: "postgres" } & PostgresOptions);

/** Options of {@link openMirror}. */
export interface OpenMirrorOptions {
  readonly backend: MirrorBackendOptions;
  /** The clock (status age, tombstone times, `ap` dates). Default `() => new Date()`. */
  readonly clock?: () => Date;
  /**
   * Open a store whose active generation was built by an earlier version of this package (see
   * {@link MIRROR_SCHEMA_VERSION}), only to load a new generation into it: its searches and syncs would fail.
   * Without it such a store is refused with `store-outdated`.
   */
  readonly allowOutdatedSchema?: boolean;
}

/** One problem found by {@link MirrorStore.checkIntegrity}. */
export interface IntegrityReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly organisations: number;
  readonly generation: number | undefined;
}

/** A batch of incremental changes, applied in one transaction. */
export interface ChangeSet {
  readonly upserts: readonly MirrorRecord[];
  /** Codes that disappeared from ODS: removed and tombstoned. */
  readonly removals: readonly string[];
  /** The new watermark, stored in the same transaction. */
  readonly watermark?: string;
}

interface OrgBytesRow {
  json: string;
  version: string;
  last_change: string;
}

interface OrgRow {
  code: string;
  json: string;
  version: string;
  last_change: string;
  name_fold: string;
}

const DAY = 86_400_000;
const TOTALS_CACHE_SIZE = 10_000;
const PAGE_CACHE_BYTES = 32 * 1024 * 1024;
const META_KEYS = [
  "active_generation",
  "release",
  "loaded_at",
  "watermark",
  "last_sync_at",
  "code_order",
  "schema_version",
] as const;
/** A key of the mirror's meta table. */
export type MetaKey = (typeof META_KEYS)[number];

function resource(row: {
  code?: string;
  id?: string;
  json: string;
  version: string;
  last_change?: string;
}): StoredResource {
  return {
    id: row.code ?? row.id ?? "",
    json: row.json,
    versionId: row.version,
    lastChangeDate: row.last_change === undefined || row.last_change === "" ? undefined : row.last_change,
  };
}

function checkCount(count: number): number {
  if (!Number.isInteger(count) || count < 0 || count > QUERY_LIMITS.count) {
    throw new MirrorError("invalid-query", `count must be an integer 0..${QUERY_LIMITS.count}`);
  }
  return count;
}

function checkOffset(offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset > QUERY_LIMITS.offset) {
    throw new MirrorError("invalid-query", `offset must be an integer 0..${QUERY_LIMITS.offset}`);
  }
  return offset;
}

/**
 * The ODS mirror store: the read API ({@link MirrorReader}) plus the write primitives used by load and sync
 * (generations, change sets, watermark, writer lock, integrity check). Create with {@link openMirror}.
 */
export class MirrorStore implements MirrorReader {
  readonly db: Database;
  readonly backend: "sqlite" | "postgres";
  readonly #clock: () => Date;
  readonly #readOrg: PreparedQuery<OrgBytesRow>;
  /** SQLite: one synchronous statement answering `version \t last_change \t json` as one text value. */
  #readOrgSync: ((code: unknown) => unknown) | undefined;
  readonly #readTombstone: PreparedQuery<{ removed_at: string }>;
  readonly #totals = new Map<string, { version: string; total: number }>();
  readonly #pages = new Map<string, { version: string; rows: OrgRow[]; bytes: number }>();
  #pageBytes = 0;
  readonly #readState: PreparedQuery<{ key: string; value: string }>;

  constructor(db: Database, clock: () => Date) {
    this.db = db;
    this.backend = db.dialect;
    this.#clock = clock;
    const readOrg = sql`SELECT ${jsonText(db.dialect, "json")} AS json, version, last_change FROM org_doc WHERE code = ${new Slot(0)}`;
    this.#readOrg = db.prepare("read_org", readOrg);
    this.#readOrgSync = keyedRead(db);
    this.#readState = db.prepare(
      "read_state",
      sql`SELECT key, value FROM mirror_meta WHERE key IN ('data_version', 'code_order')`,
    );
    this.#readTombstone = db.prepare(
      "read_tombstone",
      sql`SELECT removed_at FROM tombstone WHERE code = ${new Slot(0)}`,
    );
  }

  /**
   * Prepares the SQLite hot path again (after a load switched generations: a store opened with
   * `allowOutdatedSchema` on an older layout reads by code until then).
   * @internal
   */
  refreshReadPath(): void {
    this.#readOrgSync = keyedRead(this.db);
  }

  /** The store's clock, in epoch milliseconds. */
  now(): number {
    return this.#clock().getTime();
  }

  read(code: string): Promise<ReadResult> {
    const id = typeof code === "string" ? code.toUpperCase() : "";
    if (this.#readOrgSync !== undefined) {
      // SQLite hot path: one synchronous prepared statement, no awaits before the answer. Not a code (no key):
      // nothing to read, but the tombstone check below still answers.
      const key = codeKey(id);
      const packed = key === undefined ? undefined : this.#readOrgSync(key);
      if (typeof packed === "string") {
        const versionEnd = packed.indexOf("\t");
        const dateEnd = packed.indexOf("\t", versionEnd + 1);
        return Promise.resolve({
          kind: "found",
          id,
          json: packed.slice(dateEnd + 1),
          versionId: packed.slice(0, versionEnd),
          lastChangeDate: dateEnd === versionEnd + 1 ? undefined : packed.slice(versionEnd + 1, dateEnd),
        });
      }
    }
    return this.#readSlow(id);
  }

  async #readSlow(id: string): Promise<ReadResult> {
    // Reached with a SQLite hot path only when it found nothing (or the code has no key).
    const row = this.#readOrgSync === undefined ? await this.#readOrg.get([id]) : undefined;
    if (row !== undefined) {
      return {
        kind: "found",
        id,
        json: row.json,
        versionId: row.version,
        lastChangeDate: row.last_change === "" ? undefined : row.last_change,
      };
    }
    const tombstone = await this.#readTombstone.get([id]);
    return tombstone === undefined
      ? { kind: "not-found", id }
      : { kind: "gone", id, removedAt: tombstone.removed_at };
  }

  async search(query: OrgSearch): Promise<SearchPage> {
    const count = checkCount(query.count);
    if (query.where.length > QUERY_LIMITS.conditions) {
      throw new MirrorError("invalid-query", `at most ${QUERY_LIMITS.conditions} conditions`);
    }
    const now = this.now();
    const keys = effectiveSort(query.sort);
    const dialect = this.db.dialect;
    const render = (mode: ConditionMode): SqlFragment[] => {
      const context = queryContext(query.where, mode);
      return query.where.map((c) => orgCondition(dialect, c, now, context));
    };
    const conditions = render("drive");
    let offset = 0;
    let after: SqlFragment | undefined;
    if (query.page?.kind === "keyset") {
      after = afterCursor(keys, decodeCursor(keys, query.page.after));
    } else if (query.page?.kind === "offset") {
      offset = checkOffset(query.page.offset);
    }
    const where = (list: SqlFragment[]): SqlFragment =>
      list.length === 0 ? raw("") : sql` WHERE ${join(list, " AND ")}`;
    // Read the data version before counting, so that nothing is ever cached under a newer version.
    const state = query.total === "none" ? undefined : await this.#dataState();
    const counting = (): Promise<number> | undefined =>
      state === undefined
        ? undefined
        : this.#count(
            countShortcut(dialect, query.where) ?? sql`SELECT count(*) AS n FROM org o${where(conditions)}`,
            state.version,
          );
    const first = keys[0];
    const driver =
      keys.length === 1 && first?.field === "code"
        ? pageDriver(dialect, query.where, state?.codeOrder === true)
        : undefined;
    const pageRows = (mode: ConditionMode): Promise<OrgRow[]> => {
      let inner: SqlFragment;
      let outerOrder: SqlFragment;
      const contains = dialect === "postgres" ? singleContains(query.where) : undefined;
      if (
        contains !== undefined &&
        driver === undefined &&
        first?.field === "code" &&
        keys.length === 1 &&
        after === undefined
      ) {
        // PostgreSQL, one name contains value: the page's codes are found and sorted on org_search alone.
        const codesPage = searchPageCodes(contains, first.direction, count + 1, offset);
        return this.#page(
          sql`SELECT o.code, ${jsonText(dialect, "d.json")} AS json, d.version, o.last_change, o.name_fold FROM (${codesPage}) s JOIN org o ON o.code = s.code JOIN org_doc d ON d.code = s.code ORDER BY ${orderBy(keys)}`,
          state?.version,
        );
      }
      if (driver !== undefined) {
        // The driver yields matches in code order; the other conditions test each row.
        const others = render("filter").filter((_, i) => i !== driver.index);
        const direction = raw(first?.direction === "desc" ? "DESC" : "ASC");
        inner = sql`SELECT o.code, o.last_change, o.name_fold, ${driver.order} AS k FROM ${driver.from}${where([driver.where, ...others, ...(after === undefined ? [] : [after])])} ORDER BY ${driver.order} ${direction}`;
        outerOrder = sql`p.k ${direction}`;
      } else {
        const pageConditions = mode === "drive" ? [...conditions] : render(mode);
        if (after !== undefined) {
          pageConditions.push(after);
        }
        const matches = sql`SELECT o.code, o.last_change, o.name_fold FROM org o${where(pageConditions)}`;
        // PostgreSQL, name contains: the trigram index finds the matches, then they are sorted (OFFSET 0 keeps
        // the planner from walking the sort index instead, which is slow when the matches cluster late).
        inner =
          dialect === "postgres" && hasTrigramContains(query.where)
            ? sql`SELECT o.code, o.last_change, o.name_fold FROM (${matches} OFFSET 0) o ORDER BY ${orderBy(keys)}`
            : sql`${matches} ORDER BY ${orderBy(keys)}`;
        outerOrder = orderBy(keys, "p");
      }
      // The page's rows are found on the narrow org table first; only they fetch their FHIR bytes.
      return this.#page(
        sql`SELECT p.code, ${jsonText(dialect, "d.json")} AS json, d.version, p.last_change, p.name_fold FROM (${inner} LIMIT ${count + 1} OFFSET ${offset}) p JOIN org_doc d ON d.code = p.code ORDER BY ${outerOrder}`,
        state?.version,
      );
    };
    let total: number | undefined;
    let rows: OrgRow[];
    if (count === 0) {
      total = await counting();
      rows = [];
    } else if (dialect === "postgres") {
      // PostgreSQL plans IN and EXISTS alike: the page and the count run at once on two connections.
      [total, rows] = await Promise.all([counting(), pageRows("drive")]);
    } else {
      total = await counting();
      let mode: ConditionMode = "drive";
      // A large result: testing each row along the sort order's index finds a page sooner than listing every
      // match first (about (offset + count) * organisations / total rows visited versus total).
      if (state !== undefined && total !== undefined && total > 0 && conditions.length > 0) {
        const organisations = await this.#count(sql`SELECT count(*) AS n FROM org o`, state.version);
        if (((offset + count + 1) * organisations) / total < 2 * total) {
          mode = "filter";
        }
      }
      rows = total === 0 ? [] : await pageRows(mode);
    }
    const entries = rows.slice(0, count).map(resource);
    const last = rows[count - 1];
    const result: { entries: StoredResource[]; total?: number; next?: string } = { entries };
    if (total !== undefined) {
      result.total = total;
    }
    if (rows.length > count && last !== undefined) {
      result.next = encodeCursor(
        keys,
        keys.map((k) => last[sortOutput(k) as keyof OrgRow]),
      );
    }
    return result;
  }

  /**
   * A page's rows, cached like totals per query text and data version (repeated searches, such as the first
   * page of a popular query, then cost a map lookup); bounded by bytes, cleared when full.
   */
  async #page(query: SqlFragment, version: string | undefined): Promise<OrgRow[]> {
    if (version === undefined) {
      return this.db.all<OrgRow>(query);
    }
    const { text, values } = query.render(this.db.dialect);
    const key = `${text}\u0000${JSON.stringify(values)}`;
    const cached = this.#pages.get(key);
    if (cached?.version === version) {
      return cached.rows;
    }
    const rows = await this.db.all<OrgRow>(query);
    // Cache accounting in UTF-16 code units, two bytes each (what V8 holds at most per character).
    const bytes = rows.reduce((sum, row) => sum + 2 * row.json.length + 64, key.length);
    if (this.#pageBytes + bytes > PAGE_CACHE_BYTES) {
      this.#pages.clear();
      this.#pageBytes = 0;
    }
    if (bytes <= PAGE_CACHE_BYTES / 16) {
      const previous = this.#pages.get(key);
      if (previous !== undefined) {
        this.#pageBytes -= previous.bytes;
      }
      this.#pages.set(key, { version, rows, bytes });
      this.#pageBytes += bytes;
    }
    return rows;
  }

  /**
   * Exact totals are cached per query text and data version (bumped by every load and sync transaction), so a
   * repeated search costs its page only; any write makes every cached total stale at once, in every replica.
   */
  async #count(query: SqlFragment, version: string): Promise<number> {
    const { text, values } = query.render(this.db.dialect);
    const key = `${text}\u0000${JSON.stringify(values)}`;
    const cached = this.#totals.get(key);
    if (cached?.version === version) {
      return cached.total;
    }
    const rows = await this.db.all<{ n: number | string }>(query);
    const total = Number(rows[0]?.n ?? 0);
    if (this.#totals.size >= TOTALS_CACHE_SIZE) {
      this.#totals.clear();
    }
    this.#totals.set(key, { version, total });
    return total;
  }

  /** The data version and whether the org rowids are in code order (SQLite, see `ROWID_GAP`). */
  async #dataState(): Promise<{ version: string; codeOrder: boolean }> {
    const rows = await this.#readState.all([]);
    return {
      version: rows.find((r) => r.key === "data_version")?.value ?? "0",
      codeOrder: rows.find((r) => r.key === "code_order")?.value === "1",
    };
  }

  async readAffiliation(id: string): Promise<ReadResult> {
    // A relationship is part of its source organisation's record: it changes when that record does, so the
    // organisation's last change date is the affiliation's.
    const rows = await this.db.all<{
      id: string;
      json: string | null;
      version: string;
      last_change: string | null;
    }>(
      sql`SELECT r.id, ${jsonText(this.db.dialect, "r.json")} AS json, r.version, o.last_change FROM org_rel r LEFT JOIN org o ON o.code = r.source WHERE r.id = ${id} AND r.json IS NOT NULL`,
    );
    const row = rows[0];
    if (row?.json == null) {
      return { kind: "not-found", id };
    }
    return {
      kind: "found",
      id: row.id,
      json: row.json,
      versionId: row.version,
      lastChangeDate: row.last_change ?? undefined,
    };
  }

  async searchAffiliations(query: AffiliationSearch): Promise<SearchPage> {
    const count = checkCount(query.count);
    if (query.where.length > QUERY_LIMITS.conditions) {
      throw new MirrorError("invalid-query", `at most ${QUERY_LIMITS.conditions} conditions`);
    }
    const now = this.now();
    const conditions = [raw("r.json IS NOT NULL"), ...query.where.map((c) => affiliationCondition(c, now))];
    const pageConditions = [...conditions];
    let offset = 0;
    if (query.page?.kind === "keyset") {
      const after = decodeAffiliationCursor(query.page.after);
      pageConditions.push(sql`r.id > ${after}`);
    } else if (query.page?.kind === "offset") {
      offset = checkOffset(query.page.offset);
    }
    const page =
      count === 0
        ? Promise.resolve([])
        : this.db.all<{ id: string; json: string; version: string }>(
            sql`SELECT r.id, ${jsonText(this.db.dialect, "r.json")} AS json, r.version FROM org_rel r WHERE ${join(pageConditions, " AND ")} ORDER BY r.id LIMIT ${count + 1} OFFSET ${offset}`,
          );
    const total =
      query.total === "none"
        ? Promise.resolve(undefined)
        : this.db.all<{ n: number | string }>(
            sql`SELECT count(*) AS n FROM org_rel r WHERE ${join(conditions, " AND ")}`,
          );
    const [rows, totalRows] = await Promise.all([page, total]);
    const result: { entries: StoredResource[]; total?: number; next?: string } = {
      entries: rows.slice(0, count).map(resource),
    };
    if (totalRows !== undefined) {
      result.total = Number(totalRows[0]?.n ?? 0);
    }
    const last = rows[count - 1];
    if (rows.length > count && last !== undefined) {
      result.next = Buffer.from(JSON.stringify(["rel", last.id]), "utf8").toString("base64url");
    }
    return result;
  }

  async lookup(code: string): Promise<OrgLookup | undefined> {
    const id = normaliseCode(code);
    const rows = await this.db.all<{
      code: string;
      name: string;
      active: number;
      record_class: string;
      primary_role: string | null;
      last_change: string;
    }>(sql`SELECT code, name, active, record_class, primary_role, last_change FROM org WHERE code = ${id}`);
    const row = rows[0];
    if (row === undefined) {
      return undefined;
    }
    const succs = await this.db.all<{ target: string; type: string; date: string | null }>(
      sql`SELECT target, type, date FROM org_succ WHERE code = ${id} ORDER BY date, target`,
    );
    const link = (s: { target: string; date: string | null }): SuccessionLink =>
      s.date === null ? { code: s.target } : { code: s.target, date: s.date };
    return {
      code: row.code,
      name: row.name,
      active: row.active === 1,
      recordClass: row.record_class,
      primaryRole: row.primary_role ?? undefined,
      lastChangeDate: row.last_change === "" ? undefined : row.last_change,
      successors: succs.filter((s) => s.type === "Successor").map(link),
      predecessors: succs.filter((s) => s.type === "Predecessor").map(link),
    };
  }

  async status(): Promise<MirrorStatus> {
    const meta = await this.meta();
    const [orgs, rels, tombstones] = await Promise.all([
      this.db.all<{ n: number | string }>(sql`SELECT count(*) AS n FROM org`),
      this.db.all<{ n: number | string }>(sql`SELECT count(*) AS n FROM org_rel`),
      this.db.all<{ n: number | string }>(sql`SELECT count(*) AS n FROM tombstone`),
    ]);
    const watermark = meta.watermark;
    const generation = meta.active_generation === undefined ? undefined : Number(meta.active_generation);
    return {
      backend: this.backend,
      release: meta.release,
      generation,
      loadedAt: meta.loaded_at,
      organisations: Number(orgs[0]?.n ?? 0),
      relationships: Number(rels[0]?.n ?? 0),
      tombstones: Number(tombstones[0]?.n ?? 0),
      watermark,
      lastSyncAt: meta.last_sync_at,
      ageDays:
        watermark === undefined
          ? undefined
          : Math.floor((this.now() - Date.parse(`${watermark}T00:00:00Z`)) / DAY),
    };
  }

  /** Reads the meta table. */
  async meta(db: Database = this.db): Promise<Partial<Record<MetaKey, string>>> {
    const rows = await db.all<{ key: string; value: string }>(sql`SELECT key, value FROM mirror_meta`);
    const out: Partial<Record<MetaKey, string>> = {};
    for (const row of rows) {
      if ((META_KEYS as readonly string[]).includes(row.key)) {
        out[row.key as MetaKey] = row.value;
      }
    }
    return out;
  }

  /** Writes meta keys (inside the caller's transaction when `db` is one). */
  async setMeta(values: Partial<Record<MetaKey, string>>, db: Database = this.db): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
      await db.run(
        sql`INSERT INTO mirror_meta (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      );
    }
  }

  /** The active generation's id. */
  async activeGeneration(db: Database = this.db): Promise<number> {
    const meta = await this.meta(db);
    if (meta.active_generation === undefined) {
      throw new MirrorError("empty", "the mirror has no active generation");
    }
    return Number(meta.active_generation);
  }

  /**
   * Takes the writer lock (one loader/syncer at a time; a PostgreSQL advisory lock shared by every replica),
   * runs `fn`, releases the lock. Throws `sync-in-progress` when another writer holds it.
   */
  async withWriterLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = await this.db.tryLock("writer");
    if (lock === undefined) {
      throw new MirrorError("sync-in-progress", "another process is loading or syncing this mirror");
    }
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  /** Starts a new generation (the caller holds the writer lock). */
  async beginGeneration(options: { release: string; source: string }): Promise<GenerationWriter> {
    const rows = await this.db.all<{ n: number | string | null }>(
      sql`SELECT max(id) AS n FROM mirror_generation`,
    );
    const id = Number(rows[0]?.n ?? 0) + 1;
    await this.db.run(
      sql`INSERT INTO mirror_generation (id, state, release, source, started_at) VALUES (${id}, 'building', ${options.release}, ${options.source}, ${new Date(this.now()).toISOString()})`,
    );
    await this.db.exec(dropGenerationDdl(this.db.dialect, id));
    await this.db.exec(generationTablesDdl(this.db.dialect, id));
    if (this.db instanceof SqliteDatabase) {
      await this.db.exec(docStagingDdl(id));
      await this.db.bulkLoad(true);
    }
    return new GenerationWriter(this, id, options.release);
  }

  /**
   * Applies a batch of upserts and removals to the active generation in one transaction, with the new watermark.
   * Idempotent: applying the same change set twice leaves the same state.
   */
  async applyChanges(changes: ChangeSet): Promise<{ upserted: number; removed: number }> {
    const prepared = changes.upserts.map(recordRows);
    const removedAt = new Date(this.now()).toISOString();
    return this.db.transaction(async (tx) => {
      const generation = await this.activeGeneration(tx);
      const codes = [...prepared.map((p) => String(p.org[0])), ...changes.removals.map(normaliseCode)];
      const rowids = tx.dialect === "sqlite" ? await orgRowids(tx, generation, codes) : undefined;
      if (tx.dialect === "sqlite") await updateNameIndex(tx, generation, "delete", codes);
      await deleteOrgs(tx, generation, codes);
      if (rowids === undefined) {
        await insertRows(tx, generation, packRows(prepared));
        const search = raw(tableName(generation, "org_search"));
        const org = raw(tableName(generation, "org"));
        for (const list of inLists(prepared.map((p) => p.org[0]))) {
          await tx.run(
            sql`INSERT INTO ${search} (code, names_fold) SELECT code, names_fold FROM ${org} WHERE code IN (${list})`,
          );
        }
      } else {
        // SQLite: keep the org rowids in code order (an upsert keeps its rowid, a new code goes between its
        // neighbours); if no room is left, searches stop relying on the order (code_order = 0).
        if (!(await insertOrgsInCodeOrder(tx, generation, prepared, rowids))) {
          await this.setMeta({ code_order: "0" }, tx);
        }
        await updateNameIndex(
          tx,
          generation,
          "insert",
          prepared.map((p) => String(p.org[0])),
        );
        await insertRows(tx, generation, packRows(prepared), { skip: new Set(["org"]) });
      }
      let removed = 0;
      for (const code of changes.removals.map(normaliseCode)) {
        removed += await tx.run(
          sql`INSERT INTO tombstone (code, removed_at, reason) VALUES (${code}, ${removedAt}, 'absent from ORD') ON CONFLICT (code) DO NOTHING`,
        );
      }
      for (const list of inLists(prepared.map((p) => p.org[0]))) {
        await tx.run(sql`DELETE FROM tombstone WHERE code IN (${list})`);
      }
      await this.setMeta(
        {
          ...(changes.watermark === undefined ? {} : { watermark: changes.watermark }),
          last_sync_at: removedAt,
        },
        tx,
      );
      await bumpDataVersion(tx);
      return { upserted: prepared.length, removed };
    });
  }

  /**
   * Checks the store: the database's own check (SQLite), one active generation, every organisation complete
   * (a primary name row), no orphan rows, tombstones disjoint from live codes, a well-formed watermark.
   */
  async checkIntegrity(): Promise<IntegrityReport> {
    const problems: string[] = [];
    if (this.db instanceof SqliteDatabase) {
      const rows = this.db.connection.pragma("quick_check") as { quick_check: string }[];
      if (rows[0]?.quick_check !== "ok") {
        problems.push(`sqlite quick_check: ${rows.map((r) => r.quick_check).join("; ")}`);
      }
    }
    const meta = await this.meta();
    const generation = meta.active_generation === undefined ? undefined : Number(meta.active_generation);
    if (generation === undefined) {
      problems.push("no active generation");
      return { ok: false, problems, organisations: 0, generation };
    }
    const active = await this.db.all<{ state: string }>(
      sql`SELECT state FROM mirror_generation WHERE id = ${generation}`,
    );
    if (active[0]?.state !== "active") {
      problems.push(`generation ${generation} is not marked active`);
    }
    const count = async (query: SqlFragment): Promise<number> =>
      Number((await this.db.all<{ n: number | string }>(query))[0]?.n ?? 0);
    const organisations = await count(sql`SELECT count(*) AS n FROM org`);
    const checks: [string, SqlFragment][] = [
      [
        "organisations without their FHIR bytes",
        sql`SELECT count(*) AS n FROM org o WHERE NOT EXISTS (SELECT 1 FROM org_doc d WHERE d.code = o.code)`,
      ],
      [
        "FHIR bytes without an organisation",
        sql`SELECT count(*) AS n FROM org_doc d WHERE NOT EXISTS (SELECT 1 FROM org o WHERE o.code = d.code)`,
      ],
      ...(meta.schema_version === MIRROR_SCHEMA_VERSION
        ? ([
            [
              // A row written without its key (by a process of an earlier version still running after an
              // upgrade) would never be found by a read.
              "FHIR bytes under another key than their code's",
              sql`SELECT count(*) AS n FROM org_doc WHERE key <> ${raw(codeKeySql(this.db.dialect, "code"))}`,
            ],
          ] satisfies [string, SqlFragment][])
        : []),
      [
        "organisations without a name row",
        sql`SELECT count(*) AS n FROM org o WHERE NOT EXISTS (SELECT 1 FROM org_name n WHERE n.code = o.code AND n.kind = 0)`,
      ],
      [
        "orphan name rows",
        sql`SELECT count(*) AS n FROM org_name n WHERE NOT EXISTS (SELECT 1 FROM org o WHERE o.code = n.code)`,
      ],
      [
        "orphan address rows",
        sql`SELECT count(*) AS n FROM org_addr a WHERE NOT EXISTS (SELECT 1 FROM org o WHERE o.code = a.code)`,
      ],
      [
        "orphan role rows",
        sql`SELECT count(*) AS n FROM org_role r WHERE NOT EXISTS (SELECT 1 FROM org o WHERE o.code = r.code)`,
      ],
      [
        "orphan relationship rows",
        sql`SELECT count(*) AS n FROM org_rel r WHERE NOT EXISTS (SELECT 1 FROM org o WHERE o.code = r.source)`,
      ],
      [
        "orphan succession rows",
        sql`SELECT count(*) AS n FROM org_succ s WHERE NOT EXISTS (SELECT 1 FROM org o WHERE o.code = s.code)`,
      ],
      [
        "tombstones of live organisations",
        sql`SELECT count(*) AS n FROM tombstone t WHERE EXISTS (SELECT 1 FROM org o WHERE o.code = t.code)`,
      ],
    ];
    if (this.db.dialect === "postgres") {
      checks.push([
        "name search rows out of step",
        sql`SELECT abs((SELECT count(*) FROM org) - (SELECT count(*) FROM org_search)) AS n`,
      ]);
    }
    if (this.db.dialect === "sqlite") {
      checks.push([
        "name index rows out of step",
        sql`SELECT abs((SELECT count(*) FROM org) - (SELECT count(*) FROM ${raw(`${tableName(generation, "name_fts")}_docsize`)})) AS n`,
      ]);
    }
    for (const [what, query] of checks) {
      const n = await count(query);
      if (n > 0) {
        problems.push(`${what}: ${n}`);
      }
    }
    if (meta.watermark !== undefined) {
      const ms = Date.parse(`${meta.watermark}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(meta.watermark) || Number.isNaN(ms) || ms > this.now() + DAY) {
        problems.push(`watermark ${meta.watermark} is malformed or in the future`);
      }
    }
    return { ok: problems.length === 0, problems, organisations, generation };
  }

  /** Drops generations left behind by a crash (the caller holds the writer lock). */
  async dropAbandonedGenerations(): Promise<number[]> {
    const meta = await this.meta();
    const active = meta.active_generation === undefined ? -1 : Number(meta.active_generation);
    const rows = await this.db.all<{ id: number }>(
      sql`SELECT id FROM mirror_generation WHERE id <> ${active}`,
    );
    for (const row of rows) {
      await this.db.exec(dropGenerationDdl(this.db.dialect, row.id));
      await this.db.run(sql`DELETE FROM mirror_generation WHERE id = ${row.id}`);
    }
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function decodeAffiliationCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor.slice(0, 2000), "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed[0] === "rel" && typeof parsed[1] === "string") {
      return parsed[1];
    }
  } catch (_error) {
    // fall through
  }
  throw new MirrorError("invalid-query", "the paging cursor is not valid for this query");
}

/** Increments the data version inside a write transaction (invalidates cached totals everywhere). */
async function bumpDataVersion(tx: Database): Promise<void> {
  await tx.run(
    sql`INSERT INTO mirror_meta (key, value) VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(mirror_meta.value AS INTEGER) + 1 AS TEXT)`,
  );
}

async function deleteOrgs(tx: Database, generation: number, codes: readonly string[]): Promise<void> {
  const t = (name: Parameters<typeof tableName>[1]): SqlFragment => raw(tableName(generation, name));
  for (const list of inLists(codes)) {
    await tx.run(sql`DELETE FROM ${t("org_name")} WHERE code IN (${list})`);
    await tx.run(sql`DELETE FROM ${t("org_addr")} WHERE code IN (${list})`);
    await tx.run(sql`DELETE FROM ${t("org_role")} WHERE code IN (${list})`);
    await tx.run(sql`DELETE FROM ${t("org_rel")} WHERE source IN (${list})`);
    await tx.run(sql`DELETE FROM ${t("org_succ")} WHERE code IN (${list})`);
    await tx.run(sql`DELETE FROM ${t("org_doc")} WHERE code IN (${list})`);
    await tx.run(sql`DELETE FROM ${t("org")} WHERE code IN (${list})`);
    if (tx.dialect === "postgres") {
      await tx.run(sql`DELETE FROM ${t("org_search")} WHERE code IN (${list})`);
    }
  }
}

/**
 * SQLite: removes the given organisations' names from the FTS5 name index (`delete`, before their org rows go)
 * or adds them (`insert`, after their org rows are written), a few hundred per statement. One statement per
 * batch, not a trigger per row: FTS5 flushes its pending terms to disk at every statement savepoint.
 */
async function updateNameIndex(
  tx: Database,
  generation: number,
  change: "delete" | "insert",
  codes: readonly string[],
): Promise<void> {
  const org = raw(tableName(generation, "org"));
  const fts = raw(tableName(generation, "name_fts"));
  // Sorted: the rows then reach FTS5 in rowid order (the org table's rowids follow the codes' order).
  const sorted = [...codes].sort();
  for (const list of inLists(sorted)) {
    await tx.run(
      change === "delete"
        ? sql`INSERT INTO ${fts} (${fts}, rowid, names_fold) SELECT 'delete', rowid, names_fold FROM ${org} WHERE code IN (${list}) ORDER BY rowid`
        : sql`INSERT INTO ${fts} (rowid, names_fold) SELECT rowid, names_fold FROM ${org} WHERE code IN (${list}) ORDER BY rowid`,
    );
  }
}

/** Inserts packed rows into generation `generation`'s tables (except `skip`). */
export async function insertRows(
  db: Database,
  generation: number,
  packed: PackedRows,
  options: {
    /** Tables not to write. */
    readonly skip?: ReadonlySet<GenerationTable>;
    /** Tables written somewhere else than the generation's own (a load's staging table). */
    readonly targets?: Partial<Record<GenerationTable, string>>;
  } = {},
): Promise<void> {
  const { skip = new Set(), targets = {} } = options;
  for (const table of GENERATION_TABLE_NAMES) {
    if (skip.has(table)) {
      continue;
    }
    const copy = packed.copy?.[table];
    if (copy !== undefined && db.copyRows !== undefined) {
      if (packed[table].rows > 0) {
        await db.copyRows(tableName(generation, table), GENERATION_TABLES[table].columns, copy);
      }
    } else {
      await db.insertRows(
        targets[table] ?? tableName(generation, table),
        GENERATION_TABLES[table].columns,
        packed[table],
      );
    }
  }
}

/** SQLite: the rowids of the given codes in the org table. */
async function orgRowids(
  tx: Database,
  generation: number,
  codes: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const org = raw(tableName(generation, "org"));
  for (const list of inLists(codes)) {
    for (const row of await tx.all<{ code: string; id: number }>(
      sql`SELECT code, rowid AS id FROM ${org} WHERE code IN (${list})`,
    )) {
      out.set(row.code, row.id);
    }
  }
  return out;
}

/**
 * SQLite: inserts org rows keeping rowid order = code order: a known code reuses its rowid, a new one takes
 * the middle of the gap between its neighbours. Returns false when some code found no room (it then gets a
 * fresh rowid, out of order).
 */
async function insertOrgsInCodeOrder(
  tx: Database,
  generation: number,
  prepared: readonly ReturnType<typeof recordRows>[],
  rowids: ReadonlyMap<string, number>,
): Promise<boolean> {
  const org = raw(tableName(generation, "org"));
  const columns = raw(GENERATION_TABLES.org.columns.map((c) => c.name).join(", "));
  let ordered = true;
  for (const p of prepared) {
    const code = String(p.org[0]);
    let rowid: number | null = rowids.get(code) ?? null;
    if (rowid === null) {
      const prev = (
        await tx.all<{ id: number }>(
          sql`SELECT rowid AS id FROM ${org} WHERE code < ${code} ORDER BY code DESC LIMIT 1`,
        )
      )[0]?.id;
      const next = (
        await tx.all<{ id: number }>(
          sql`SELECT rowid AS id FROM ${org} WHERE code > ${code} ORDER BY code ASC LIMIT 1`,
        )
      )[0]?.id;
      if (prev !== undefined && next !== undefined) {
        rowid = next - prev >= 2 ? prev + Math.floor((next - prev) / 2) : null;
      } else if (prev !== undefined) {
        rowid = prev + ROWID_GAP;
      } else if (next !== undefined) {
        rowid = next - ROWID_GAP;
      } else {
        rowid = ROWID_GAP;
      }
      // Once a fallback row sits out of code order, a midpoint or gap can land on an id already taken: then
      // let SQLite choose (the table is no longer in code order, which the caller records).
      if (
        rowid !== null &&
        (await tx.all<{ one: number }>(sql`SELECT 1 AS one FROM ${org} WHERE rowid = ${rowid}`)).length > 0
      ) {
        rowid = null;
      }
      if (rowid === null) {
        ordered = false;
      }
    }
    await tx.run(
      sql`INSERT INTO ${org} (rowid, ${columns}) VALUES (${rowid}, ${join(
        p.org.map((v) => sql`${v}`),
        ", ",
      )})`,
    );
  }
  return ordered;
}

/** Writes one new generation; {@link GenerationWriter.commit} switches readers to it atomically. */
export class GenerationWriter {
  readonly id: number;
  #release: string;
  readonly #store: MirrorStore;
  #count = 0;
  #closed = false;

  constructor(store: MirrorStore, id: number, release: string) {
    this.#store = store;
    this.id = id;
    this.#release = release;
  }

  /** The release this generation holds. */
  get release(): string {
    return this.#release;
  }

  /** Names the release once it is known (a file's Manifest comes with its first bytes). */
  async setRelease(release: string): Promise<void> {
    await this.#store.db.run(sql`UPDATE mirror_generation SET release = ${release} WHERE id = ${this.id}`);
    this.#release = release;
  }

  /** Organisations added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds records (validated; a malformed record throws `invalid-input`). */
  async add(records: readonly MirrorRecord[]): Promise<void> {
    await this.addPacked(packRows(records.map(recordRows)));
  }

  /** Adds validated records already packed into rows ({@link packRows}; what a load worker produces). */
  async addPacked(packed: PackedRows): Promise<void> {
    try {
      // SQLite: the documents go to the load's staging table, copied in key order at commit.
      const staging = this.#store.db.dialect === "sqlite" ? { org_doc: docStagingTable(this.id) } : {};
      await this.#store.db.transaction((tx) => insertRows(tx, this.id, packed, { targets: staging }));
    } catch (error) {
      throw new MirrorError("invalid-input", "could not store a batch of records", {
        cause: error,
      });
    }
    this.#count += packed.organisations;
  }

  /**
   * Builds the keys and indexes (an organisation or relationship added twice is refused here, `invalid-input`
   * naming it; {@link abort} then drops the generation), then in one transaction: tombstones codes that
   * vanished since the previous generation, points the views at this generation, records release, load time
   * and watermark. Finally drops the old tables.
   */
  async commit(
    options: { watermark?: string } = {},
  ): Promise<{ organisations: number; previous: number | undefined }> {
    const store = this.#store;
    const db = store.db;
    try {
      for (const statement of generationIndexesDdl(db.dialect, this.id, { staged: true })) {
        await db.exec(statement);
      }
    } catch (error) {
      throw (await this.#duplicate()) ?? error;
    }
    const now = new Date(store.now()).toISOString();
    const previous = await db.transaction(async (tx) => {
      const meta = await store.meta(tx);
      const old = meta.active_generation === undefined ? undefined : Number(meta.active_generation);
      const fresh = raw(tableName(this.id, "org"));
      if (old !== undefined) {
        const stale = raw(tableName(old, "org"));
        await tx.run(
          sql`INSERT INTO tombstone (code, removed_at, reason) SELECT s.code, ${now}, ${`absent from ${this.#release}`} FROM ${stale} s WHERE NOT EXISTS (SELECT 1 FROM ${fresh} f WHERE f.code = s.code) ON CONFLICT (code) DO NOTHING`,
        );
      }
      await tx.run(sql`DELETE FROM tombstone WHERE code IN (SELECT code FROM ${fresh})`);
      await tx.exec(viewsDdl(db.dialect, this.id));
      await tx.run(sql`UPDATE mirror_generation SET state = 'retired' WHERE state = 'active'`);
      await tx.run(
        sql`UPDATE mirror_generation SET state = 'active', finished_at = ${now}, org_count = ${this.#count} WHERE id = ${this.id}`,
      );
      await store.setMeta(
        {
          active_generation: String(this.id),
          schema_version: MIRROR_SCHEMA_VERSION,
          release: this.#release,
          loaded_at: now,
          code_order: db.dialect === "sqlite" ? "1" : "0",
          ...(options.watermark === undefined ? {} : { watermark: options.watermark }),
        },
        tx,
      );
      await bumpDataVersion(tx);
      return old;
    });
    this.#closed = true;
    store.refreshReadPath();
    await this.#endBulk();
    await store.dropAbandonedGenerations();
    return { organisations: this.#count, previous };
  }

  /** The error for a code or relationship added twice (keys are built only after the bulk load), if any. */
  async #duplicate(): Promise<MirrorError | undefined> {
    for (const [table, column, what] of [
      ["org", "code", "organisation"],
      ["org_rel", "id", "relationship"],
    ] as const) {
      const rows = await this.#store.db.all<{ key: string }>(
        sql`SELECT ${raw(column)} AS key FROM ${raw(tableName(this.id, table))} GROUP BY ${raw(column)} HAVING count(*) > 1 LIMIT 1`,
      );
      const key = rows[0]?.key;
      if (key !== undefined) {
        return new MirrorError("invalid-input", `the data holds ${what} ${key} more than once`, {
          details: { [column]: key },
        });
      }
    }
    return undefined;
  }

  async #endBulk(): Promise<void> {
    if (this.#store.db instanceof SqliteDatabase) {
      await this.#store.db.bulkLoad(false);
    }
  }

  /** Drops this generation's tables (after a failed load). */
  async abort(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#endBulk();
    await this.#store.db.exec(dropGenerationDdl(this.#store.db.dialect, this.id));
    await this.#store.db.run(sql`DELETE FROM mirror_generation WHERE id = ${this.id}`);
  }
}

/**
 * Opens (and if needed creates) a mirror. A fresh store gets an empty generation so every query works at once.
 * Generations abandoned by a crash are dropped when no other writer is active.
 */
export async function openMirror(options: OpenMirrorOptions): Promise<MirrorStore> {
  const clock = options.clock ?? (() => new Date());
  let db: Database;
  if (options.backend.kind === "sqlite") {
    db = new SqliteDatabase(options.backend);
  } else {
    const pgdb = new PostgresDatabase(options.backend);
    try {
      await pgdb.connect();
    } catch (error) {
      await pgdb.close().catch(() => undefined);
      throw error;
    }
    db = pgdb;
  }
  try {
    // An outdated store opened to be reloaded is left as it is: the load replaces its generation anyway, and
    // an upgrade that failed would leave no way to open it.
    await initialise(db, clock, { upgrade: options.allowOutdatedSchema !== true });
    if (options.allowOutdatedSchema !== true) {
      await refuseOutdated(db);
    }
    return new MirrorStore(db, clock);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error instanceof MirrorError
      ? error
      : new MirrorError("store-unavailable", "cannot initialise the mirror", { cause: error });
  }
}

/** Throws `store-outdated` when the active generation was built with another table layout. */
async function refuseOutdated(db: Database): Promise<void> {
  const rows = await db.all<{ value: string }>(
    sql`SELECT value FROM mirror_meta WHERE key = 'schema_version'`,
  );
  const found = rows[0]?.value;
  if (found !== MIRROR_SCHEMA_VERSION) {
    throw new MirrorError(
      "store-outdated",
      `the mirror was built by an earlier version (table layout ${found ?? "1"}, this version reads ${MIRROR_SCHEMA_VERSION}): reload it with \`mirror load --force\` (from the full file or --trud), or delete it to start again from the baseline`,
      { details: { command: "mirror load --force", found: found ?? "1", expected: MIRROR_SCHEMA_VERSION } },
    );
  }
}

async function initialise(
  db: Database,
  clock: () => Date,
  options: { readonly upgrade: boolean },
): Promise<void> {
  if (db instanceof SqliteDatabase && db.connection.readonly) {
    return;
  }
  let lock: HeldLock | undefined;
  for (let attempt = 0; attempt < 300 && lock === undefined; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await db.exec(baseDdl(db.dialect));
    const rows = await db.all<{ value: string }>(
      sql`SELECT value FROM mirror_meta WHERE key = 'active_generation'`,
    );
    lock = await db.tryLock("writer");
    if (lock === undefined && rows.length > 0) {
      return; // another writer is at work and a generation exists: nothing to set up.
    }
  }
  if (lock === undefined) {
    throw new MirrorError("sync-in-progress", "timed out waiting for the mirror's writer lock");
  }
  try {
    const store = new MirrorStoreBootstrap(db, clock, options.upgrade);
    await store.run();
  } finally {
    await lock.release();
  }
}

class MirrorStoreBootstrap {
  readonly #db: Database;
  readonly #clock: () => Date;
  readonly #upgradeLayout: boolean;
  constructor(db: Database, clock: () => Date, upgradeLayout: boolean) {
    this.#db = db;
    this.#clock = clock;
    this.#upgradeLayout = upgradeLayout;
  }

  /** Upgrades an {@link UPGRADABLE_SCHEMA_VERSIONS} store in place (one transaction; the caller holds the lock). */
  async #upgrade(active: number): Promise<void> {
    const db = this.#db;
    await db.transaction(async (tx) => {
      const rows = await tx.all<{ value: string }>(
        sql`SELECT value FROM mirror_meta WHERE key = 'schema_version'`,
      );
      const found = rows[0]?.value;
      if (found === undefined || !UPGRADABLE_SCHEMA_VERSIONS.includes(found)) return;
      for (const statement of upgradeDdl(db.dialect, active, found)) {
        await tx.exec(statement);
      }
      await tx.run(sql`UPDATE mirror_meta SET value = ${MIRROR_SCHEMA_VERSION} WHERE key = 'schema_version'`);
    });
  }

  async run(): Promise<void> {
    const db = this.#db;
    const rows = await db.all<{ value: string }>(
      sql`SELECT value FROM mirror_meta WHERE key = 'active_generation'`,
    );
    const active = rows[0] === undefined ? undefined : Number(rows[0].value);
    const abandoned = await db.all<{ id: number }>(
      sql`SELECT id FROM mirror_generation WHERE id <> ${active ?? -1}`,
    );
    for (const row of abandoned) {
      await db.exec(dropGenerationDdl(db.dialect, row.id));
      await db.run(sql`DELETE FROM mirror_generation WHERE id = ${row.id}`);
    }
    if (active !== undefined) {
      if (this.#upgradeLayout) await this.#upgrade(active);
      return;
    }
    // A fresh store: an empty generation 0 so that every view exists.
    const now = this.#clock().toISOString();
    await db.exec(dropGenerationDdl(db.dialect, 0));
    await db.exec(generationTablesDdl(db.dialect, 0));
    for (const statement of generationIndexesDdl(db.dialect, 0)) {
      await db.exec(statement);
    }
    await db.transaction(async (tx) => {
      await tx.exec(viewsDdl(db.dialect, 0));
      await tx.run(
        sql`INSERT INTO mirror_generation (id, state, release, source, started_at, finished_at, org_count) VALUES (0, 'active', NULL, 'empty', ${now}, ${now}, 0)`,
      );
      await tx.run(sql`INSERT INTO mirror_meta (key, value) VALUES ('active_generation', '0')`);
      await tx.run(
        sql`INSERT INTO mirror_meta (key, value) VALUES ('schema_version', ${MIRROR_SCHEMA_VERSION})`,
      );
    });
  }
}

/**
 * SQLite's read hot path: one synchronous statement answering one text value (better-sqlite3 builds a row object
 * or array for several columns at a cost comparable to the lookup itself; a version id and a date never hold a
 * tab), finding the row by its rowid, the code's integer key (one B-tree descent). Undefined on PostgreSQL, and
 * on a generation of an older layout (no `key`; opened with `allowOutdatedSchema` to be reloaded), which is
 * read by code instead.
 */
function keyedRead(db: Database): ((key: unknown) => unknown) | undefined {
  if (!(db instanceof SqliteDatabase)) return undefined;
  try {
    return db.prepareSync(
      sql`SELECT version || char(9) || last_change || char(9) || ${jsonText("sqlite", "json")} FROM org_doc WHERE key = ${new Slot(0)}`,
      { pluck: true },
    );
  } catch {
    return undefined;
  }
}

/**
 * A JSON document column as text (stored as UTF-8 bytes: SQLite BLOB, PostgreSQL bytea), so that the driver
 * hands over a string. `column` is one of the store's own column names, never input.
 */
function jsonText(dialect: "sqlite" | "postgres", column: string): SqlFragment {
  return raw(dialect === "sqlite" ? `CAST(${column} AS TEXT)` : `convert_from(${column}, 'UTF8')`);
}

/** `values` as SQL lists for `IN (...)`, at most 500 values each (within both backends' parameter limits). */
function inLists(values: readonly unknown[]): SqlFragment[] {
  const lists: SqlFragment[] = [];
  for (let start = 0; start < values.length; start += 500) {
    lists.push(
      join(
        values.slice(start, start + 500).map((value) => sql`${value}`),
        ", ",
      ),
    );
  }
  return lists;
}
