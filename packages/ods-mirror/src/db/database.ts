import type { FlatRows } from "../record.js";
import type { Dialect, SqlFragment } from "./sql.js";

/** A column type, mapped to each dialect by the schema. */
export type ColumnType = "text" | "int" | "int64" | "bytes";

/** A column of a bulk insert. */
export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
}

/** A query prepared once and executed many times (the read hot path). */
export interface PreparedQuery<T> {
  get(args: readonly unknown[]): Promise<T | undefined>;
  all(args: readonly unknown[]): Promise<T[]>;
}

/** A held lock; release it exactly once. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * The minimal database port both backends implement. Everything above it (schema, search, load, sync) is
 * written once against this port and {@link SqlFragment}.
 */
export interface Database {
  readonly dialect: Dialect;
  all<T>(query: SqlFragment): Promise<T[]>;
  /** Runs a statement and returns the number of changed rows. */
  run(query: SqlFragment): Promise<number>;
  /** Runs trusted DDL made by this package (several statements allowed). */
  exec(ddl: string): Promise<void>;
  /** Prepares a query whose values are {@link Slot}s. */
  prepare<T>(name: string, query: SqlFragment): PreparedQuery<T>;
  /** Inserts many rows (flattened row-major) into one table as fast as the backend allows. */
  insertRows(table: string, columns: readonly ColumnDef[], rows: FlatRows): Promise<void>;
  /** PostgreSQL: loads rows already encoded as a binary COPY stream (see `db/copy.ts`). */
  copyRows?(table: string, columns: readonly ColumnDef[], data: Uint8Array): Promise<void>;
  /** Runs `fn` in one transaction; rolls back if it throws. Transactions are serialised. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  /** Takes the named writer lock (load/sync) or returns undefined when another process holds it. */
  tryLock(name: string): Promise<HeldLock | undefined>;
  close(): Promise<void>;
}
