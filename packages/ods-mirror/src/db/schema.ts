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

/** The per-generation tables. */
export const GENERATION_TABLES = {
  org: {
    columns: [
      c("code", "text"),
      c("name", "text"),
      c("name_fold", "text"),
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
  /** The served bytes, apart from the search columns so that index builds and scans stay small. */
  org_doc: {
    columns: [c("code", "text"), c("json", "bytes"), c("version", "text"), c("last_change", "text")],
    primaryKey: ["code"],
    indexes: [],
  },
  org_name: {
    columns: [c("code", "text"), c("kind", "int"), c("value", "text"), c("fold", "text")],
    indexes: [["fold"], ["code"], ["trgm:fold"]],
  },
  org_addr: {
    columns: [c("code", "text"), c("part", "text"), c("value", "text"), c("fold", "text")],
    indexes: [["part", "fold"], ["code"]],
  },
  org_role: {
    columns: [c("code", "text"), c("role", "text"), c("is_primary", "int"), c("active", "int")],
    indexes: [["role", "active", "code"], ["code"]],
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
export function tableName(generation: number, table: GenerationTable | "name_fts"): string {
  return `g${generation}_${table}`;
}

function columnType(dialect: Dialect, type: ColumnType): string {
  if (dialect === "sqlite") {
    return type === "text" ? "TEXT" : type === "int" ? "INTEGER" : "BLOB";
  }
  return type === "text" ? 'text COLLATE "C"' : type === "int" ? "integer" : "bytea";
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

/** DDL creating generation `generation`'s tables, without secondary indexes (they come after the bulk load). */
export function generationTablesDdl(dialect: Dialect, generation: number): string {
  const statements: string[] = [];
  for (const name of GENERATION_TABLE_NAMES) {
    const def: TableDef = GENERATION_TABLES[name];
    const columns = def.columns.map(
      (col) => `${col.name} ${columnType(dialect, col.type)}${col.nullable === true ? "" : " NOT NULL"}`,
    );
    if (def.primaryKey !== undefined) {
      columns.push(`PRIMARY KEY (${def.primaryKey.join(", ")})`);
    }
    statements.push(`CREATE TABLE ${tableName(generation, name)} (${columns.join(", ")})`);
  }
  if (dialect === "sqlite") {
    statements.push(
      `CREATE VIRTUAL TABLE ${tableName(generation, "name_fts")} USING fts5(fold, tokenize='trigram', detail='none', columnsize=0)`,
    );
  }
  return statements.join(";\n");
}

/** DDL building generation `generation`'s secondary indexes and search structures, after the bulk load. */
export function generationIndexesDdl(dialect: Dialect, generation: number): string[] {
  const statements: string[] = [];
  for (const name of GENERATION_TABLE_NAMES) {
    const def: TableDef = GENERATION_TABLES[name];
    const table = tableName(generation, name);
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
    const names = tableName(generation, "org_name");
    const fts = tableName(generation, "name_fts");
    statements.push(
      `INSERT INTO ${fts} (rowid, fold) SELECT rowid, fold FROM ${names}`,
      `CREATE TRIGGER ${names}_ai AFTER INSERT ON ${names} BEGIN INSERT INTO ${fts} (rowid, fold) VALUES (new.rowid, new.fold); END`,
      `CREATE TRIGGER ${names}_ad AFTER DELETE ON ${names} BEGIN DELETE FROM ${fts} WHERE rowid = old.rowid; END`,
    );
  }
  for (const name of GENERATION_TABLE_NAMES) {
    statements.push(`ANALYZE ${tableName(generation, name)}`);
  }
  return statements;
}

/** DDL pointing the base-name views at generation `generation` (run inside the switch transaction). */
export function viewsDdl(dialect: Dialect, generation: number): string {
  const statements: string[] = [];
  const views: (GenerationTable | "name_fts")[] = [...GENERATION_TABLE_NAMES];
  if (dialect === "sqlite") {
    views.push("name_fts");
  }
  for (const view of views) {
    if (dialect === "sqlite") {
      statements.push(`DROP VIEW IF EXISTS ${view}`);
      const columns = view === "name_fts" ? "rowid AS rowid, fold" : "rowid AS rowid, *";
      statements.push(`CREATE VIEW ${view} AS SELECT ${columns} FROM ${tableName(generation, view)}`);
    } else {
      statements.push(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${tableName(generation, view)}`);
    }
  }
  return statements.join(";\n");
}

/** DDL dropping generation `generation`'s tables. */
export function dropGenerationDdl(dialect: Dialect, generation: number): string {
  const statements = GENERATION_TABLE_NAMES.map(
    (name) => `DROP TABLE IF EXISTS ${tableName(generation, name)}`,
  );
  if (dialect === "sqlite") {
    statements.push(`DROP TABLE IF EXISTS ${tableName(generation, "name_fts")}`);
  }
  return statements.join(";\n");
}
