/**
 * The main-thread side of a worker load: starts {@link ./load-worker.ts}, hands out its batches in order and
 * returns a credit for each one consumed, so that parsing + mapping (worker) overlaps the inserts (main thread)
 * while at most a few batches wait in memory.
 */
import { Worker } from "node:worker_threads";
import { type OdsFhirOptions, type OdsManifest, OdsError, type OdsErrorCode } from "@fhir-facade/ods-core";
import { MirrorError, type MirrorErrorCode } from "./errors.js";
import type { PackedRows } from "./record.js";

/** Where the worker reads from. */
export interface WorkerSource {
  readonly kind: "file" | "zip";
  readonly path: string;
}

/** The worker's `workerData`. */
export interface WorkerInput {
  readonly source: WorkerSource;
  readonly batchSize: number;
  readonly credits: number;
  /** The store's dialect: a PostgreSQL load gets its rows encoded for COPY. */
  readonly dialect: "sqlite" | "postgres";
  readonly fhir: Pick<OdsFhirOptions, "partOf" | "organisationPeriods">;
}

/** Messages from the worker. */
export type WorkerMessage =
  | { readonly type: "manifest"; readonly manifest: OdsManifest }
  | { readonly type: "warning"; readonly message: string }
  | {
      readonly type: "rows";
      readonly packed: PackedRows;
      readonly maxChange: string;
      readonly bytesRead: number;
    }
  | { readonly type: "done"; readonly bytesRead: number }
  | {
      readonly type: "error";
      readonly kind: "ods" | "mirror" | "other";
      readonly code: string;
      readonly message: string;
      readonly details: Record<string, string | number>;
    };

/** What a load consumes: the manifest and batches of packed rows, in file order. */
export type LoadFeedItem =
  | { readonly kind: "manifest"; readonly manifest: OdsManifest }
  | {
      readonly kind: "rows";
      readonly packed: PackedRows;
      readonly maxChange: string;
      readonly bytesRead: number;
    };

const WORKER_FILE = import.meta.url.endsWith(".ts") ? "./load-worker.ts" : "./load-worker.js";

/** From the TypeScript sources: tsx's registration API, which the worker bootstrap loads first. */
function tsxApi(): string | undefined {
  try {
    return typeof import.meta.resolve === "function" ? import.meta.resolve("tsx/esm/api") : undefined;
  } catch (_error) {
    return undefined;
  }
}

/**
 * Whether a worker can run this package's code: always from the built JavaScript; from the TypeScript sources
 * (tests, benchmarks) when tsx can be registered in the worker.
 */
export function workerSupported(fhir: OdsFhirOptions | undefined): boolean {
  if (fhir?.catalogue !== undefined || fhir?.onWarning !== undefined) {
    return false; // a catalogue object or a callback cannot cross to a worker.
  }
  return !WORKER_FILE.endsWith(".ts") || tsxApi() !== undefined;
}

/**
 * Starts the worker. From the TypeScript sources (tests, benchmarks), a tiny bootstrap first registers tsx in
 * the worker (a loader registered in the main thread does not reach workers); the built package needs none.
 */
function startWorker(input: WorkerInput): Worker {
  const file = new URL(WORKER_FILE, import.meta.url);
  // A streaming parse needs little heap; small limits keep the load's resident memory down (V8 would otherwise
  // let a busy worker's heap grow far beyond its working set).
  const resourceLimits = { maxOldGenerationSizeMb: 160, maxYoungGenerationSizeMb: 48 };
  if (!WORKER_FILE.endsWith(".ts")) {
    return new Worker(file, { workerData: input, resourceLimits });
  }
  const bootstrap = `import(${JSON.stringify(tsxApi())}).then((api) => { api.register(); return import(${JSON.stringify(file.href)}); });`;
  // The sources import each other's TypeScript through the workspace's source condition.
  const execArgv = [...process.execArgv, "--conditions=@fhir-facade/source"];
  return new Worker(bootstrap, { eval: true, workerData: input, resourceLimits, execArgv });
}

function rebuild(message: Extract<WorkerMessage, { type: "error" }>): Error {
  if (message.kind === "ods") {
    return new OdsError(message.code as OdsErrorCode, message.message, { details: message.details });
  }
  if (message.kind === "mirror") {
    return new MirrorError(message.code as MirrorErrorCode, message.message, { details: message.details });
  }
  return new Error(message.message);
}

/**
 * Runs the worker over `source` and yields its manifest and batches. Warnings go to `onWarning`. Stopping the
 * iteration early (an insert failed, the load was aborted) terminates the worker.
 */
export async function* workerFeed(options: {
  readonly source: WorkerSource;
  readonly dialect: "sqlite" | "postgres";
  readonly batchSize: number;
  readonly fhir?: OdsFhirOptions;
  readonly signal?: AbortSignal;
  readonly onWarning: (message: string) => void;
}): AsyncGenerator<LoadFeedItem> {
  const input: WorkerInput = {
    source: options.source,
    dialect: options.dialect,
    batchSize: options.batchSize,
    credits: 2,
    fhir: {
      ...(options.fhir?.partOf === undefined ? {} : { partOf: options.fhir.partOf }),
      ...(options.fhir?.organisationPeriods === undefined
        ? {}
        : { organisationPeriods: options.fhir.organisationPeriods }),
    },
  };
  const worker = startWorker(input);
  const queue: (WorkerMessage | { type: "crash"; error: Error })[] = [];
  let wake: (() => void) | undefined;
  const push = (message: WorkerMessage | { type: "crash"; error: Error }): void => {
    queue.push(message);
    wake?.();
    wake = undefined;
  };
  worker.on("message", (message: WorkerMessage) => {
    if (message.type === "warning") {
      options.onWarning(message.message);
    } else {
      push(message);
    }
  });
  worker.on("error", (error) => {
    push({ type: "crash", error });
  });
  worker.on("exit", (code) => {
    push({ type: "crash", error: new Error(`the load worker stopped (exit ${code})`) });
  });
  const abort = (): void => {
    push({ type: "crash", error: new OdsError("ORD_ABORTED", "the load was aborted") });
  };
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    for (;;) {
      if (options.signal?.aborted === true) {
        abort();
      }
      const message = queue.shift();
      if (message === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      switch (message.type) {
        case "manifest":
          yield { kind: "manifest", manifest: message.manifest };
          break;
        case "rows":
          yield {
            kind: "rows",
            packed: message.packed,
            maxChange: message.maxChange,
            bytesRead: message.bytesRead,
          };
          worker.postMessage({ type: "credit" });
          break;
        case "done":
          return;
        case "error":
          throw rebuild(message);
        case "crash":
          throw message.error;
        case "warning":
          break;
      }
    }
  } finally {
    options.signal?.removeEventListener("abort", abort);
    worker.removeAllListeners("exit");
    await worker.terminate();
  }
}
