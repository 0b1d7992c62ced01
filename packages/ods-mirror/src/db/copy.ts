/**
 * PostgreSQL `COPY ... FROM STDIN (FORMAT binary)` for the bulk load: rows are encoded into PostgreSQL's
 * binary copy format (text as UTF-8, integers as int4, bytes raw: no hex, no array literals to parse), which
 * a load worker does off the main thread, and sent with node-pg's copy-in protocol support.
 */
import type { FlatRows } from "../record.js";
import type { ColumnDef } from "./database.js";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

function asText(value: unknown): string {
  return typeof value === "string" ? value : String(value);
}

function valueSize(type: ColumnDef["type"], value: unknown): number {
  if (value === null || value === undefined) {
    return 0;
  }
  switch (type) {
    case "int":
      return 4;
    case "int64":
      return 8;
    case "bytes":
      return (value as Uint8Array).byteLength;
    case "text":
      return Buffer.byteLength(asText(value), "utf8");
    default:
      return 0;
  }
}

/** Encodes rows (flattened row-major, in `columns` order) as one complete binary COPY stream. */
export function encodeCopyBinary(columns: readonly ColumnDef[], rows: FlatRows): Uint8Array {
  const width = columns.length;
  const values = rows.values;
  let size = SIGNATURE.byteLength + 8 + 2;
  for (let i = 0; i < rows.rows * width; i++) {
    size += 4 + valueSize((columns[i % width] as ColumnDef).type, values[i]);
  }
  size += rows.rows * 2;
  const out = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at); // flags
  at = out.writeInt32BE(0, at); // header extension length
  for (let row = 0; row < rows.rows; row++) {
    at = out.writeInt16BE(width, at);
    for (let column = 0; column < width; column++) {
      const value = values[row * width + column];
      const type = (columns[column] as ColumnDef).type;
      if (value === null || value === undefined) {
        at = out.writeInt32BE(-1, at);
      } else if (type === "int") {
        at = out.writeInt32BE(4, at);
        at = out.writeInt32BE(Number(value), at);
      } else if (type === "int64") {
        at = out.writeInt32BE(8, at);
        at = out.writeBigInt64BE(BigInt(value as number | bigint), at);
      } else if (type === "bytes") {
        const bytes = value as Uint8Array;
        at = out.writeInt32BE(bytes.byteLength, at);
        out.set(bytes, at);
        at += bytes.byteLength;
      } else {
        const length = out.write(asText(value), at + 4, "utf8");
        out.writeInt32BE(length, at);
        at += 4 + length;
      }
    }
  }
  at = out.writeInt16BE(-1, at);
  return out.subarray(0, at);
}

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * A node-pg "submittable" running one `COPY ... FROM STDIN` and sending `data` as its input. Resolves when the
 * server is ready for the next query; rejects with the server's error.
 */
export function copyIn(text: string, data: Uint8Array): { submittable: object; done: Promise<void> } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let failure: unknown;
  const submittable = {
    submit(connection: CopyConnection): void {
      connection.query(text);
    },
    handleCopyInResponse(connection: CopyConnection): void {
      const chunkSize = 1 << 20;
      const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      for (let start = 0; start < buffer.byteLength; start += chunkSize) {
        connection.sendCopyFromChunk(buffer.subarray(start, start + chunkSize));
      }
      connection.endCopyFrom();
    },
    handleCommandComplete(): void {
      // the rows are in; readyForQuery follows
    },
    handleError(error: unknown): void {
      failure = error;
    },
    handleReadyForQuery(): void {
      if (failure === undefined) {
        resolve();
      } else {
        reject(failure);
      }
    },
    handleRowDescription(): void {
      // COPY FROM returns no rows
    },
    handleDataRow(): void {
      // COPY FROM returns no rows
    },
    handleEmptyQuery(): void {
      // not sent
    },
    handlePortalSuspended(): void {
      // not sent
    },
    handleCopyData(): void {
      // COPY FROM receives no data
    },
  };
  return { submittable, done };
}
