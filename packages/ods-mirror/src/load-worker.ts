/**
 * The parse + map half of a file load, run in a worker thread so that it overlaps the inserts on the main
 * thread: reads the ODS XML (a file, or the full file inside a TRUD zip), maps each organisation to FHIR bytes
 * and store rows, and posts packed batches. Flow control: at most `credits` batches in flight; the main thread
 * returns one credit per stored batch. See {@link ./load-pool.ts} for the main-thread side.
 */
import { createReadStream } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { type OdsXmlItem, isOdsError, readOdsXml, readOdsZip } from "@fhir-facade/ods-core";
import { encodeCopyBinary } from "./db/copy.js";
import { GENERATION_TABLE_NAMES, GENERATION_TABLES } from "./db/schema.js";
import { MirrorError } from "./errors.js";
import { recordFromOds } from "./from-ods.js";
import type { WorkerInput, WorkerMessage } from "./load-pool.js";
import { type PackedRows, packRows, type RecordRows, recordRows } from "./record.js";

const input = workerData as WorkerInput;
const port = parentPort;
let credits = input.credits;
let wake: (() => void) | undefined;
let bytesRead = 0;

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

port?.on("message", (message: { type: string }) => {
  if (message.type === "credit") {
    credits += 1;
    wake?.();
    wake = undefined;
  }
});

async function* counted(path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    bytesRead += (chunk as Buffer).byteLength;
    yield chunk as Buffer;
  }
}

/** Copies every blob of a batch into one buffer (transferred, not copied, to the main thread). */
function gatherBlobs(packed: PackedRows): ArrayBuffer {
  let size = 0;
  for (const table of [packed.org_doc, packed.org_rel]) {
    for (const value of table.values) {
      if (value instanceof Uint8Array) {
        size += value.byteLength;
      }
    }
  }
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  let offset = 0;
  for (const table of [packed.org_doc, packed.org_rel]) {
    const values = table.values;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value instanceof Uint8Array) {
        bytes.set(value, offset);
        values[i] = new Uint8Array(buffer, offset, value.byteLength);
        offset += value.byteLength;
      }
    }
  }
  return buffer;
}

async function send(batch: RecordRows[], maxChange: string): Promise<void> {
  while (credits <= 0) {
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  credits -= 1;
  const packed = packRows(batch);
  if (input.dialect === "postgres") {
    // Encoded here for COPY (binary): the main thread only forwards the bytes.
    const copy: Record<string, Uint8Array> = {};
    const transfer: ArrayBuffer[] = [];
    const stripped: Record<string, unknown> = { organisations: packed.organisations };
    for (const table of GENERATION_TABLE_NAMES) {
      const encoded = encodeCopyBinary(GENERATION_TABLES[table].columns, packed[table]);
      const owned = new Uint8Array(encoded.byteLength);
      owned.set(encoded);
      copy[table] = owned;
      transfer.push(owned.buffer);
      stripped[table] = { rows: packed[table].rows, values: [] };
    }
    stripped.copy = copy;
    post({ type: "rows", packed: stripped as unknown as PackedRows, maxChange, bytesRead }, transfer);
    return;
  }
  const buffer = gatherBlobs(packed);
  post({ type: "rows", packed, maxChange, bytesRead }, [buffer]);
}

function describe(error: unknown): WorkerMessage {
  if (isOdsError(error)) {
    return {
      type: "error",
      kind: "ods",
      code: error.code,
      message: error.message,
      details: { ...error.details },
    };
  }
  if (error instanceof MirrorError) {
    return {
      type: "error",
      kind: "mirror",
      code: error.code,
      message: error.message,
      details: { ...error.details },
    };
  }
  return {
    type: "error",
    kind: "other",
    code: "",
    message: error instanceof Error ? error.message : String(error),
    details: {},
  };
}

async function run(): Promise<void> {
  const onWarning = (warning: { message: string }): void => {
    post({ type: "warning", message: warning.message });
  };
  const items: AsyncIterable<OdsXmlItem> =
    input.source.kind === "zip"
      ? readOdsZip(input.source.path, { kinds: ["Full"], onWarning })
      : readOdsXml(counted(input.source.path), { onWarning });
  let batch: RecordRows[] = [];
  let maxChange = "";
  for await (const item of items) {
    if (item.kind === "manifest") {
      post({ type: "manifest", manifest: item.manifest });
    } else if (item.kind === "organisation") {
      const rows = recordRows(recordFromOds(item.organisation, input.fhir));
      const change = rows.doc[4] as string;
      if (change > maxChange) {
        maxChange = change;
      }
      batch.push(rows);
      if (batch.length >= input.batchSize) {
        await send(batch, maxChange);
        batch = [];
      }
    }
  }
  if (batch.length > 0) {
    await send(batch, maxChange);
  }
  post({ type: "done", bytesRead });
}

run().catch((error: unknown) => {
  post(describe(error));
});
