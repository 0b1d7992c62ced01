import type { ColumnDef, ColumnType } from "./database.js";
import type { Dialect } from "./sql.js";

/**
 * The mirror's schema, defined once and rendered for each dialect.
 *
 * Each generation has its own set of tables (`g<n>_org`, `g<n>_org_name`...); views with the base names
 * (`org`, `org_name`...) point at the active generation. A load fills fresh tables, builds their indexes and
 * swaps the views in one transaction: readers see the old generation until the new one is complete, and a crash
 * leaves at most an unreferenced half-built generation that the next start drops.
 */

interface TableDef {
  readonly columns: readonly (ColumnDef & { readonly nullable?: boolean })[];
  readonly primaryKey?: readonly string[];
  /** Index column lists; `trgm:` prefix = a pg_trgm GIN index on PostgreSQL (SQLite uses FTS5 instead). */
  readonly indexes: readonly (readonly string[])[];
}

const c = (name: string, type: ColumnType, nullable = false): ColumnDef & { nullable: boolean } => ({
  name,
  type,
  nullable,
});

/**
 * The version of the generation tables' layout. Raise it whenever a change to the tables, indexes or views means
 * a generation built by earlier code can no longer be read; such a store must be reloaded (`mirror load --force`).
 * Stored in `mirror_meta.schema_version` when a generation is switched in; a store without it predates versioning.
 *
 * 3: SQLite's name index (FTS5) is kept by the store's own batched writes, no longer by triggers on `org`
 * (a trigger's statement savepoint makes FTS5 flush its pending terms to disk for every row: a sync of 10,000
 * renamed organisations spent about 3 of its 11 seconds there).
 *
 * 4: `org_doc` is keyed by the ODS code as an integer (`key`, the rowid on SQLite; see `codeKey` in
 * record.ts), with an index on `code`: a read by code is one integer B-tree descent (1.39x the reads/s of the
 * text-key lookup in the same run).
 *
 * Versions 2 and 3 are upgraded in place (see {@link UPGRADABLE_SCHEMA_VERSIONS}).
 */
export const MIRROR_SCHEMA_VERSION = "4";

/**
 * Earlier layouts a writable open upgrades in place, within one transaction under the writer lock: version 2
 * differs from 3 by the SQLite triggers, which the upgrade drops; 3 differs from 4 by `org_doc`'s key, which
 * the upgrade computes in SQL ({@link codeKeySql}) and builds.
 */
export const UPGRADABLE_SCHEMA_VERSIONS: readonly string[] = ["2", "3"];

const KEY_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * `codeKey` (record.ts) as a SQL expression over the text column `column` (an upper-case ODS code of 1 to 12
 * letters or digits, as the store holds them): a code of up to 10 characters is its characters as base-37
 * digits (0 = no character, then 0-9 and A-Z), padded to 10; a longer one the same over 12 positions. Used by
 * the in-place upgrade; a test checks it against the TypeScript function on both backends.
 */
export function codeKeySql(dialect: Dialect, column: string): string {
  const position = dialect === "sqlite" ? "instr" : "strpos";
  const digits = (width: number): string =>
    Array.from({ length: width }, (_, i) => {
      const weight = 37n ** BigInt(width - 1 - i);
      const digit = `CASE WHEN length(${column}) > ${i} THEN ${position}('${KEY_DIGITS}', substr(${column}, ${i + 1}, 1)) ELSE 0 END`;
      return `(${digit}) * CAST(${weight.toString()} AS BIGINT)`;
    }).join(" + ");
  return `(CASE WHEN length(${column}) <= 10 THEN ${digits(10)} ELSE ${digits(12)} END)`;
}

/**
 * DDL upgrading the active generation `generation` from layout `from` (one of
 * {@link UPGRADABLE_SCHEMA_VERSIONS}); run in one transaction, then the views are made again ({@link viewsDdl}).
 */
export function upgradeDdl(dialect: Dialect, generation: number, from: string): string[] {
  const statements: string[] = [];
  const org = tableName(generation, "org");
  const doc = tableName(generation, "org_doc");
  if (dialect === "sqlite" && from === "2") {
    statements.push(`DROP TRIGGER IF EXISTS ${org}_ai`, `DROP TRIGGER IF EXISTS ${org}_ad`);
  }
  // 3 -> 4: org_doc gets its integer key. The views go first (SQLite refuses to rename a table while a view
  // names a missing one; PostgreSQL's views hold their column lists).
  const views: string[] = [...GENERATION_TABLE_NAMES, dialect === "sqlite" ? "name_fts" : "org_search"];
  statements.push(...views.map((view) => `DROP VIEW IF EXISTS ${view}`));
  const columns = GENERATION_TABLES.org_doc.columns.map((col) => col.name).join(", ");
  if (dialect === "sqlite") {
    statements.push(
      createTableDdl(dialect, `${doc}_sorted`, GENERATION_TABLES.org_doc, true),
      `INSERT INTO ${doc}_sorted (${columns}) SELECT ${codeKeySql(dialect, "code")}, code, json, version, last_change FROM ${doc} ORDER BY 1`,
      `DROP TABLE ${doc}`,
      `ALTER TABLE ${doc}_sorted RENAME TO ${doc}`,
    );
  } else {
    statements.push(
      `ALTER TABLE ${doc} ADD COLUMN key bigint`,
      `UPDATE ${doc} SET key = ${codeKeySql(dialect, "code")}`,
      `ALTER TABLE ${doc} ALTER COLUMN key SET NOT NULL`,
      `ALTER TABLE ${doc} DROP CONSTRAINT ${doc}_pkey`,
      `ALTER TABLE ${doc} ADD PRIMARY KEY (key)`,
    );
  }
  statements.push(`CREATE INDEX ${doc}_i0 ON ${doc} (code)`, `ANALYZE ${doc}`, viewsDdl(dialect, generation));
  return statements;
}

/** The per-generation tables. */

export const GENERATION_TABLES = {
  org: {
    columns: [
      c("code", "text"),
      c("name", "text"),
      c("name_fold", "text"),
      /** Folded name and aliases, one per line: `name:contains` searches this (FTS5 / pg_trgm). */
      c("names_fold", "text"),
      c("active", "int"),
      c("record_class", "text"),
      c("ref_only", "int"),
      c("last_change", "text"),
      c("parent", "text", true),
      c("primary_role", "text", true),
      c("postcode_norm", "text", true),
      c("outward", "text", true),
    ],
    primaryKey: ["code"],
    indexes: [["name_fold", "code"], ["last_change", "code"], ["parent"], ["postcode_norm"], ["outward"]],
  },
  /**
   * The served bytes, apart from the search columns so that index builds and scans stay small. Keyed by
   * `key`, the ODS code as an integer (`codeKey` in record.ts): on SQLite it is the rowid, so that a read by
   * code is one B-tree descent with an integer, not a text index lookup followed by a table lookup.
   */
  org_doc: {
    columns: [
      c("key", "int64"),
      c("code", "text"),
      c("json", "bytes"),
      c("version", "text"),
      c("last_change", "text"),
    ],
    primaryKey: ["key"],
    indexes: [["code"]],
  },
  org_name: {
    columns: [c("code", "text"), c("kind", "int"), c("value", "text"), c("fold", "text")],
    indexes: [["fold"], ["code"]],
  },
  org_addr: {
    columns: [c("code", "text"), c("part", "text"), c("value", "text"), c("fold", "text")],
    indexes: [["part", "fold"], ["code"]],
  },
  /**
   * One row per organisation and role id (repeated holdings merged): `active` = held actively at least once,
   * `active_primary` = held actively as the primary role; `org_active` copies the organisation's status so that
   * role + status is answered (and counted) from the covering index alone.
   */
  org_role: {
    columns: [
      c("code", "text"),
      c("role", "text"),
      c("is_primary", "int"),
      c("active", "int"),
      c("active_primary", "int"),
      c("org_active", "int"),
    ],
    indexes: [["role", "org_active", "code", "active", "active_primary"], ["code"]],
  },
  org_rel: {
    columns: [
      c("id", "text"),
      c("source", "text"),
      c("target", "text"),
      c("type", "text"),
      c("active", "int"),
      c("start_date", "text", true),
      c("end_date", "text", true),
      c("json", "bytes", true),
      c("version", "text"),
    ],
    primaryKey: ["id"],
    indexes: [["source"], ["target", "type"], ["type"]],
  },
  org_succ: {
    columns: [c("code", "text"), c("target", "text"), c("type", "text"), c("date", "text", true)],
    indexes: [["code"]],
  },
} as const satisfies Record<string, TableDef>;

/** The base name of a per-generation table. */
export type GenerationTable = keyof typeof GENERATION_TABLES;
export const GENERATION_TABLE_NAMES = Object.keys(GENERATION_TABLES) as GenerationTable[];

/** The concrete table name of `table` in generation `generation`. */
export function tableName(generation: number, table: GenerationTable | "name_fts" | "org_search"): string {
  return `g${generation}_${table}`;
}

const COLUMN_TYPES: Record<Dialect, Record<ColumnType, string>> = {
  sqlite: { text: "TEXT", int: "INTEGER", int64: "INTEGER", bytes: "BLOB" },
  postgres: { text: 'text COLLATE "C"', int: "integer", int64: "bigint", bytes: "bytea" },
};

function columnType(dialect: Dialect, type: ColumnType): string {
  return COLUMN_TYPES[dialect][type];
}

/** DDL of the tables shared by every generation (idempotent). */
export function baseDdl(dialect: Dialect): string {
  const text = columnType(dialect, "text");
  const int = columnType(dialect, "int");
  return [
    `CREATE TABLE IF NOT EXISTS mirror_meta (key ${text} PRIMARY KEY, value ${text} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS mirror_generation (id ${int} PRIMARY KEY, state ${text} NOT NULL, ` +
      `release ${text}, source ${text}, started_at ${text} NOT NULL, finished_at ${text}, ` +
      `org_count ${int}, rel_count ${int})`,
    `CREATE TABLE IF NOT EXISTS tombstone (code ${text} PRIMARY KEY, removed_at ${text} NOT NULL, reason ${text} NOT NULL)`,
  ].join(";\n");
}

/**
 * `CREATE TABLE` for `def`. A generation's tables are created without their primary keys (`withKey` false):
 * a key is built once after the bulk load (see {@link keyDdl}) instead of taking one random B-tree insert per
 * row and rewriting most of the key index at every batch commit.
 */
function createTableDdl(dialect: Dialect, table: string, def: TableDef, withKey: boolean): string {
  const columns = def.columns.map(
    (col) => `${col.name} ${columnType(dialect, col.type)}${col.nullable === true ? "" : " NOT NULL"}`,
  );
  if (withKey && def.primaryKey !== undefined) {
    columns.push(`PRIMARY KEY (${def.primaryKey.join(", ")})`);
  }
  return `CREATE TABLE ${table} (${columns.join(", ")})`;
}

/**
 * The primary key of a generation table, built after the bulk load: PostgreSQL adds the constraint (one sorted
 * index build); SQLite, which cannot add a primary key to a table, gets a unique index, which enforces the same
 * and serves the same lookups. A duplicate key fails here (see the load's duplicate-code report).
 */
function keyDdl(dialect: Dialect, table: string, def: TableDef): string | undefined {
  if (def.primaryKey === undefined) return undefined;
  return dialect === "postgres"
    ? `ALTER TABLE ${table} ADD PRIMARY KEY (${def.primaryKey.join(", ")})`
    : `CREATE UNIQUE INDEX ${table}_pk ON ${table} (${def.primaryKey.join(", ")})`;
}

/**
 * SQLite: the gap between the rowids of neighbouring organisations after a load. The org table is rewritten in
 * code order with rowids `rank * ROWID_GAP`, so that rowid order is code order (the FTS5 index then yields its
 * matches in code order, and a page of a frequent name stops after `count` rows); a sync keeps the order by
 * reusing rowids and placing new codes between their neighbours.
 */
export const ROWID_GAP = 1024;

/** DDL creating generation `generation`'s tables, without secondary indexes (they come after the bulk load). */
export function generationTablesDdl(dialect: Dialect, generation: number): string {
  const statements: string[] = [];
  for (const name of GENERATION_TABLE_NAMES) {
    // SQLite's org_doc is created with its key (the rowid) and filled, sorted, from the staging table at the
    // end of the load (see docStagingTable).
    const withKey = dialect === "sqlite" && name === "org_doc";
    statements.push(createTableDdl(dialect, tableName(generation, name), GENERATION_TABLES[name], withKey));
  }
  if (dialect === "postgres") {
    // name:contains on PostgreSQL: (code, folded names), filled from org after the bulk load, with a pg_trgm GIN
    // index; narrow so that the index's recheck reads little.
    statements.push(
      `CREATE TABLE ${tableName(generation, "org_search")} (code ${columnType(dialect, "text")} NOT NULL, names_fold ${columnType(dialect, "text")} NOT NULL)`,
    );
  }
  if (dialect === "sqlite") {
    statements.push(
      // External content (the org table's `names_fold`, nothing stored twice), one document per organisation
      // (its rowid), positions kept (detail=full) so that a quoted MATCH is an exact substring test answered
      // by the index alone; the column is folded already, hence case_sensitive.
      `CREATE VIRTUAL TABLE ${tableName(generation, "name_fts")} USING fts5(names_fold, content='${tableName(generation, "org")}', content_rowid='rowid', tokenize='trigram case_sensitive 1', detail='full')`,
    );
  }
  return statements.join(";\n");
}

/**
 * SQLite: where a load writes generation `generation`'s documents, in file order: a TEMP table (the
 * connection's own temporary database, no WAL), so that the 700 MB of a full file is not written to the WAL
 * and checkpointed into the mirror only to be copied again in key order. A crash loses it with the rest of the
 * half-built generation.
 */
export function docStagingTable(generation: number): string {
  return `temp.${tableName(generation, "org_doc")}_load`;
}

/** SQLite: DDL creating the document staging table of a load ({@link docStagingTable}). */
export function docStagingDdl(generation: number): string {
  return `DROP TABLE IF EXISTS ${docStagingTable(generation)}; ${createTableDdl("sqlite", docStagingTable(generation), GENERATION_TABLES.org_doc, false)}`;
}

/**
 * DDL building generation `generation`'s secondary indexes and search structures, after the bulk load.
 * `staged`: SQLite documents wait in the {@link docStagingTable} (a load; a fresh empty store has none).
 */
export function generationIndexesDdl(
  dialect: Dialect,
  generation: number,
  options: { readonly staged?: boolean } = {},
): string[] {
  const statements: string[] = [];
  if (dialect === "sqlite") {
    const org = tableName(generation, "org");
    const columns = GENERATION_TABLES.org.columns.map((col) => col.name).join(", ");
    statements.push(
      // Rewritten in code order into a table with its primary key (appended in key order: cheap).
      createTableDdl(dialect, `${org}_sorted`, GENERATION_TABLES.org, true),
      `INSERT INTO ${org}_sorted (rowid, ${columns}) SELECT row_number() OVER (ORDER BY code) * ${ROWID_GAP}, ${columns} FROM ${org} ORDER BY code`,
      `DROP TABLE ${org}`,
      `ALTER TABLE ${org}_sorted RENAME TO ${org}`,
    );
    // The documents, copied in key order into the table whose rowid is the key: inserting them there in
    // file order is one random B-tree insert each (23 s for 300,000 here, against 4-5 s for this sorted copy;
    // a copy walking a key index instead of sorting took 5-7 s, a random page read per document).
    if (options.staged === true) {
      const columns = GENERATION_TABLES.org_doc.columns.map((col) => col.name).join(", ");
      statements.push(
        `INSERT INTO ${tableName(generation, "org_doc")} (${columns}) SELECT ${columns} FROM ${docStagingTable(generation)} ORDER BY key`,
        `DROP TABLE ${docStagingTable(generation)}`,
      );
    }
  }
  if (dialect === "postgres") {
    const search = tableName(generation, "org_search");
    statements.push(
      `INSERT INTO ${search} (code, names_fold) SELECT code, names_fold FROM ${tableName(generation, "org")} ORDER BY code`,
      `CREATE INDEX ${search}_i0 ON ${search} USING gin (names_fold gin_trgm_ops)`,
      `CREATE INDEX ${search}_i1 ON ${search} (code)`,
      `VACUUM (ANALYZE) ${search}`,
    );
  }
  for (const name of GENERATION_TABLE_NAMES) {
    const def: TableDef = GENERATION_TABLES[name];
    const table = tableName(generation, name);
    // SQLite's org and org_doc got their keys with the rewrites above.
    const key =
      dialect === "sqlite" && (name === "org" || name === "org_doc")
        ? undefined
        : keyDdl(dialect, table, def);
    if (key !== undefined) statements.push(key);
    def.indexes.forEach((columns, i) => {
      const index = `${table}_i${i}`;
      const first = columns[0] ?? "";
      if (first.startsWith("trgm:")) {
        if (dialect === "postgres") {
          statements.push(`CREATE INDEX ${index} ON ${table} USING gin (${first.slice(5)} gin_trgm_ops)`);
        }
      } else {
        statements.push(`CREATE INDEX ${index} ON ${table} (${columns.join(", ")})`);
      }
    });
  }
  if (dialect === "sqlite") {
    const fts = tableName(generation, "name_fts");
    // Built once here; afterwards every write to `org` keeps it itself (see MIRROR_SCHEMA_VERSION 3: no triggers).
    statements.push(`INSERT INTO ${fts} (${fts}) VALUES ('rebuild')`);
  }
  for (const name of GENERATION_TABLE_NAMES) {
    // PostgreSQL: VACUUM also marks the pages all-visible, so that counts over the small tables' covering
    // indexes (role + status) are index-only; the document tables are only analysed.
    const vacuum = dialect === "postgres" && name !== "org_doc" && name !== "org_rel";
    statements.push(`${vacuum ? "VACUUM (ANALYZE)" : "ANALYZE"} ${tableName(generation, name)}`);
  }
  return statements;
}

/** DDL pointing the base-name views at generation `generation` (run inside the switch transaction). */
export function viewsDdl(dialect: Dialect, generation: number): string {
  const statements: string[] = [];
  const views: (GenerationTable | "name_fts" | "org_search")[] = [...GENERATION_TABLE_NAMES];
  views.push(dialect === "sqlite" ? "name_fts" : "org_search");
  for (const view of views) {
    if (dialect === "sqlite") {
      statements.push(`DROP VIEW IF EXISTS ${view}`);
      const columns = view === "name_fts" ? "rowid AS rowid, names_fold" : "rowid AS rowid, *";
      statements.push(`CREATE VIEW ${view} AS SELECT ${columns} FROM ${tableName(generation, view)}`);
    } else {
      // Dropped and created (not replaced): a new generation may have more columns than the old one.
      statements.push(
        `DROP VIEW IF EXISTS ${view}`,
        `CREATE VIEW ${view} AS SELECT * FROM ${tableName(generation, view)}`,
      );
    }
  }
  return statements.join(";\n");
}

/** DDL dropping generation `generation`'s tables. */
export function dropGenerationDdl(dialect: Dialect, generation: number): string {
  const statements =
    dialect === "sqlite"
      ? [
          `DROP TABLE IF EXISTS ${tableName(generation, "name_fts")}`,
          `DROP TABLE IF EXISTS ${tableName(generation, "org")}_sorted`,
          `DROP TABLE IF EXISTS ${docStagingTable(generation)}`,
        ]
      : [`DROP TABLE IF EXISTS ${tableName(generation, "org_search")}`];
  for (const name of GENERATION_TABLE_NAMES) {
    statements.push(`DROP TABLE IF EXISTS ${tableName(generation, name)}`);
  }
  return statements.join(";\n");
}
