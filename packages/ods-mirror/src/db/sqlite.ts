import { hostname } from "node:os";
import BetterSqlite3 from "better-sqlite3";
import { MirrorError } from "../errors.js";
import type { FlatRows } from "../record.js";
import type { ColumnDef, Database, HeldLock, PreparedQuery } from "./database.js";
import { Slot, type SqlFragment } from "./sql.js";

type Statement = BetterSqlite3.Statement;

/** Options of the SQLite backend. */
export interface SqliteOptions {
  /** Database file path, or `:memory:`. */
  readonly path: string;
  /** Open read-only (a reader process next to a writer). Default false. */
  readonly readonly?: boolean;
  /**
   * Bytes of the file read through a memory map (reads skip a system call and a copy). Default 2 GiB; 0 turns
   * it off. Suspended while a load builds a generation, so that the load's resident memory stays small.
   */
  readonly mmapBytes?: number;
}

const DEFAULT_MMAP = 2 * 1024 * 1024 * 1024;

function toParam(value: unknown): unknown {
  if (value === undefined) {
    return null;
  }
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const STATEMENT_CACHE_LIMIT = 500;

/**
 * The embedded backend: one better-sqlite3 connection in WAL mode. Calls are synchronous underneath; the async
 * surface matches the PostgreSQL backend.
 */
export class SqliteDatabase implements Database {
  readonly dialect = "sqlite" as const;
  readonly connection: BetterSqlite3.Database;
  readonly #statements = new Map<string, Statement>();
  readonly #mmap: number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SqliteOptions) {
    try {
      this.connection = new BetterSqlite3(options.path, { readonly: options.readonly ?? false });
      if (options.readonly !== true) {
        // 16 KiB pages (a new file only): several 2-3 KB FHIR documents per page instead of one.
        this.connection.pragma("page_size = 16384");
        this.connection.pragma("journal_mode = WAL");
        this.connection.pragma("synchronous = NORMAL");
      }
      this.connection.pragma("busy_timeout = 5000");
      this.connection.pragma("cache_size = -65536");
      this.#mmap = options.mmapBytes ?? DEFAULT_MMAP;
      this.connection.pragma(`mmap_size = ${Math.max(0, Math.floor(this.#mmap))}`);
      // ANALYZE samples instead of reading every page of the (large) document tables.
      this.connection.pragma("analysis_limit = 2000");
      if (options.readonly !== true) {
        this.connection.exec(
          "CREATE TABLE IF NOT EXISTS mirror_lock (name TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, acquired_at TEXT NOT NULL)",
        );
      }
    } catch (error) {
      throw new MirrorError("store-unavailable", `cannot open the SQLite mirror at ${options.path}`, {
        cause: error,
      });
    }
  }

  /** Bulk mode for a generation build: no memory map (see {@link SqliteOptions.mmapBytes}), rarer checkpoints. */
  bulkLoad(on: boolean): Promise<void> {
    this.connection.pragma(`mmap_size = ${on ? 0 : Math.max(0, Math.floor(this.#mmap))}`);
    // Fewer, larger checkpoints while a generation is written (each one syncs the file).
    this.connection.pragma(`wal_autocheckpoint = ${on ? 16_384 : 1000}`);
    return Promise.resolve();
  }

  /**
   * Many write transactions in a row (a sync): WAL checkpoints (each one syncs the file) only every 256 MB, and
   * one passive checkpoint at the end.
   */
  async batchWrites<T>(fn: () => Promise<T>): Promise<T> {
    this.connection.pragma("wal_autocheckpoint = 16384");
    try {
      return await fn();
    } finally {
      this.connection.pragma("wal_autocheckpoint = 1000");
      this.connection.pragma("wal_checkpoint(PASSIVE)");
    }
  }

  statement(text: string): Statement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
        this.#statements.clear();
      }
      statement = this.connection.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  all<T>(query: SqlFragment): Promise<T[]> {
    const { text, values } = query.render("sqlite");
    return Promise.resolve(this.statement(text).all(...values.map(toParam)) as T[]);
  }

  run(query: SqlFragment): Promise<number> {
    const { text, values } = query.render("sqlite");
    return Promise.resolve(this.statement(text).run(...values.map(toParam)).changes);
  }

  exec(ddl: string): Promise<void> {
    this.#statements.clear();
    this.connection.exec(ddl);
    return Promise.resolve();
  }

  prepare<T>(_name: string, query: SqlFragment): PreparedQuery<T> {
    const { text, values } = query.render("sqlite");
    const slots = values.map((v) => (v instanceof Slot ? v.index : -1));
    const statement = this.connection.prepare(text);
    const bind = (args: readonly unknown[]): unknown[] =>
      slots.map((index, i) => toParam(index >= 0 ? args[index] : values[i]));
    return {
      get: (args) => Promise.resolve(statement.get(...bind(args)) as T | undefined),
      all: (args) => Promise.resolve(statement.all(...bind(args)) as T[]),
    };
  }

  /**
   * Synchronous single-row read for the in-process hot path. With `pluck`, the answer is the first column's
   * value rather than a row object (better-sqlite3's `pluck()`: no object per row).
   */
  prepareSync(query: SqlFragment, options: { readonly pluck?: boolean } = {}): (arg: unknown) => unknown {
    const { text } = query.render("sqlite");
    const statement = this.connection.prepare(text);
    if (options.pluck === true) statement.pluck();
    return (arg) => statement.get(arg);
  }

  insertRows(table: string, columns: readonly ColumnDef[], rows: FlatRows): Promise<void> {
    const width = columns.length;
    // Several rows per statement: one native call binds and inserts up to ~900 values.
    const perStatement = Math.max(1, Math.floor(900 / width));
    const values = rows.values;
    const blobs = columns.flatMap((c, i) => (c.type === "bytes" ? [i] : []));
    for (let row = 0; row < rows.rows; row += perStatement) {
      const n = Math.min(perStatement, rows.rows - row);
      const params = values.slice(row * width, (row + n) * width);
      for (let i = 0; i < params.length; i++) {
        const value = params[i];
        if (value === undefined || typeof value === "boolean") {
          params[i] = toParam(value);
        }
      }
      for (let r = 0; r < n; r++) {
        for (const column of blobs) {
          const i = r * width + column;
          params[i] = toParam(params[i]);
        }
      }
      this.#insertStatement(table, columns, n).run(params);
    }
    return Promise.resolve();
  }

  #insertStatement(table: string, columns: readonly ColumnDef[], rows: number): Statement {
    const tuple = `(${columns.map(() => "?").join(", ")})`;
    return this.statement(
      `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) VALUES ${Array.from({ length: rows }, () => tuple).join(", ")}`,
    );
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    const previous = this.#queue;
    let done!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      done = resolve;
    });
    await previous.catch(() => undefined);
    try {
      this.connection.exec("BEGIN IMMEDIATE");
      try {
        const inner: Database = {
          dialect: "sqlite",
          all: (q) => this.all(q),
          run: (q) => this.run(q),
          exec: (ddl) => this.exec(ddl),
          prepare: (name, q) => this.prepare(name, q),
          insertRows: (table, columns, rows) => this.insertRows(table, columns, rows),
          transaction: (f) => f(inner),
          tryLock: (name) => this.tryLock(name),
          close: () => this.close(),
        };
        const result = await fn(inner);
        this.connection.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.connection.inTransaction) {
          this.connection.exec("ROLLBACK");
        }
        throw error;
      }
    } finally {
      done();
    }
  }

  tryLock(name: string): Promise<HeldLock | undefined> {
    const host = hostname();
    const take = this.connection.transaction(() => {
      const row = this.connection.prepare("SELECT pid, host FROM mirror_lock WHERE name = ?").get(name) as
        { pid: number; host: string } | undefined;
      if (row !== undefined && !(row.host === host && (row.pid === process.pid || !isAlive(row.pid)))) {
        return false;
      }
      if (row?.pid === process.pid) {
        return false;
      }
      this.connection
        .prepare("INSERT OR REPLACE INTO mirror_lock (name, pid, host, acquired_at) VALUES (?, ?, ?, ?)")
        .run(name, process.pid, host, new Date().toISOString());
      return true;
    });
    if (!take.immediate()) {
      return Promise.resolve(undefined);
    }
    let released = false;
    return Promise.resolve({
      release: () => {
        if (!released) {
          released = true;
          this.connection
            .prepare("DELETE FROM mirror_lock WHERE name = ? AND pid = ?")
            .run(name, process.pid);
        }
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    if (this.connection.open) {
      this.connection.close();
    }
    return Promise.resolve();
  }
}
