import pg from "pg";
import { MirrorError } from "../errors.js";
import { copyIn } from "./copy.js";
import type { FlatRows } from "../record.js";
import type { ColumnDef, ColumnType, Database, HeldLock, PreparedQuery } from "./database.js";
import { Slot, type SqlFragment } from "./sql.js";

/** Options of the PostgreSQL backend. */
export interface PostgresOptions {
  /** A libpq connection string (`postgres://host:5432/db`). */
  readonly connectionString: string;
  /** The schema holding the mirror's tables (created when missing). Default `ods_mirror`. */
  readonly schema?: string;
  /** Pool size. Default 10. */
  readonly poolSize?: number;
}

const ARRAY_TYPE: Record<ColumnType, string> = {
  text: "text[]",
  int: "int[]",
  int64: "int8[]",
  bytes: "bytea[]",
};
const INSERT_CHUNK = 5000;

type Queryable = pg.Pool | pg.PoolClient;

function toParam(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  return value ?? null;
}

async function copyOn(client: pg.PoolClient, text: string, data: Uint8Array): Promise<void> {
  const { submittable, done } = copyIn(text, data);
  void client.query(submittable as unknown as pg.QueryConfig);
  await done;
}

/** Checks a schema name: it is interpolated into DDL, so only plain identifiers are accepted. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new MirrorError("invalid-input", "the PostgreSQL schema name must match [a-z_][a-z0-9_]{0,62}");
  }
  return schema;
}

class PgConnection implements Database {
  readonly dialect = "postgres" as const;
  readonly #target: Queryable;
  readonly #owner: PostgresDatabase;

  constructor(target: Queryable, owner: PostgresDatabase) {
    this.#target = target;
    this.#owner = owner;
  }

  async all<T>(query: SqlFragment): Promise<T[]> {
    const { text, values } = query.render("postgres");
    const result = await this.#target.query(text, values.map(toParam));
    return result.rows as T[];
  }

  async run(query: SqlFragment): Promise<number> {
    const { text, values } = query.render("postgres");
    const result = await this.#target.query(text, values.map(toParam));
    return result.rowCount ?? 0;
  }

  async exec(ddl: string): Promise<void> {
    await this.#target.query(ddl);
  }

  prepare<T>(name: string, query: SqlFragment): PreparedQuery<T> {
    const { text, values } = query.render("postgres");
    const bind = (args: readonly unknown[]): unknown[] =>
      values.map((v) => toParam(v instanceof Slot ? args[v.index] : v));
    const run = async (args: readonly unknown[]): Promise<T[]> =>
      (await this.#target.query({ name: `${this.#owner.schema}_${name}`, text, values: bind(args) }))
        .rows as T[];
    return {
      get: async (args) => (await run(args))[0],
      all: run,
    };
  }

  async insertRows(table: string, columns: readonly ColumnDef[], rows: FlatRows): Promise<void> {
    const text = `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) SELECT * FROM unnest(${columns
      .map((c, i) => `$${i + 1}::${ARRAY_TYPE[c.type]}`)
      .join(", ")})`;
    const width = columns.length;
    for (let start = 0; start < rows.rows; start += INSERT_CHUNK) {
      const end = Math.min(rows.rows, start + INSERT_CHUNK);
      const arrays = columns.map((_, column) => {
        const array: unknown[] = new Array(end - start);
        for (let row = start; row < end; row++) {
          array[row - start] = toParam(rows.values[row * width + column]);
        }
        return array;
      });
      await this.#target.query(text, arrays);
    }
  }

  async copyRows(table: string, columns: readonly ColumnDef[], data: Uint8Array): Promise<void> {
    const text = `COPY ${table} (${columns.map((c) => c.name).join(", ")}) FROM STDIN WITH (FORMAT binary)`;
    if (this.#target instanceof pg.Pool) {
      const client = await this.#target.connect();
      try {
        await copyOn(client, text, data);
      } finally {
        client.release();
      }
      return;
    }
    await copyOn(this.#target, text, data);
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (this.#target instanceof pg.Pool) {
      const client = await this.#target.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(new PgConnection(client, this.#owner));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
    return fn(this);
  }

  tryLock(name: string): Promise<HeldLock | undefined> {
    return this.#owner.tryLock(name);
  }

  close(): Promise<void> {
    return this.#owner.close();
  }
}

/**
 * The shared backend: a `pg` pool whose connections use the mirror's schema. Writers coordinate through a
 * session-level advisory lock, so only one replica loads or syncs at a time.
 */
export class PostgresDatabase implements Database {
  readonly dialect = "postgres" as const;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly #connection: PgConnection;

  constructor(options: PostgresOptions) {
    this.schema = checkSchemaName(options.schema ?? "ods_mirror");
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: `-c search_path=${this.schema},public`,
    });
    // An idle client's error must not crash the process; the next query reports it.
    this.pool.on("error", () => undefined);
    this.#connection = new PgConnection(this.pool, this);
  }

  /** Creates the schema and the pg_trgm extension. */
  async connect(): Promise<void> {
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await this.pool.query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public");
    } catch (error) {
      throw new MirrorError("store-unavailable", "cannot prepare the PostgreSQL mirror schema", {
        cause: error,
      });
    }
  }

  all<T>(query: SqlFragment): Promise<T[]> {
    return this.#connection.all(query);
  }
  run(query: SqlFragment): Promise<number> {
    return this.#connection.run(query);
  }
  exec(ddl: string): Promise<void> {
    return this.#connection.exec(ddl);
  }
  prepare<T>(name: string, query: SqlFragment): PreparedQuery<T> {
    return this.#connection.prepare(name, query);
  }
  insertRows(table: string, columns: readonly ColumnDef[], rows: FlatRows): Promise<void> {
    return this.#connection.insertRows(table, columns, rows);
  }
  copyRows(table: string, columns: readonly ColumnDef[], data: Uint8Array): Promise<void> {
    return this.#connection.copyRows(table, columns, data);
  }
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    return this.#connection.transaction(fn);
  }

  async tryLock(name: string): Promise<HeldLock | undefined> {
    const client = await this.pool.connect();
    const key = `${this.schema}:${name}`;
    try {
      const result = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('ods-mirror'), hashtext($1)) AS locked",
        [key],
      );
      if (result.rows[0]?.locked !== true) {
        client.release();
        return undefined;
      }
    } catch (error) {
      client.release();
      throw new MirrorError("store-unavailable", "cannot take the PostgreSQL advisory lock", {
        cause: error,
      });
    }
    let released = false;
    return {
      release: async () => {
        if (released) {
          return;
        }
        released = true;
        try {
          await client.query("SELECT pg_advisory_unlock(hashtext('ods-mirror'), hashtext($1))", [key]);
          client.release();
        } catch (error) {
          client.release(error instanceof Error ? error : true);
        }
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
