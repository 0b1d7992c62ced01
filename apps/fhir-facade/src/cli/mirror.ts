/**
 * `fhir-facade mirror load [--file PATH | --trud] [--force] [--json]`, `mirror sync [--json]`,
 * `mirror status [--json]`: a thin command line over @fhir-facade/ods-mirror. It parses arguments, opens the
 * configured mirror, renders progress events as a bar on a terminal (stderr) and the result on stdout, and
 * returns an exit code; `main` does the exiting.
 */
import { parseArgs } from "node:util";
import type { OrdSource, TrudSource } from "@fhir-facade/ods-mirror";
import {
  type MirrorEvent,
  MirrorError,
  type MirrorStore,
  loadFromTrud,
  syncMirror,
} from "@fhir-facade/ods-mirror";
import type { Config } from "../config.js";
import { loadBaselineFile, openConfiguredMirror, ordClientFor, trudFor } from "../mirror-setup.js";

/** Exit codes (sysexits.h where one fits). */
export const MIRROR_EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  dataError: 65,
  unavailable: 69,
  tempFailure: 75,
} as const;

/** Streams and dependencies of the command (tests inject fakes' clients). */
export interface MirrorCliOptions {
  readonly config: Config;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly openStore?: (config: Config, forLoad: boolean) => Promise<MirrorStore>;
  readonly ord?: OrdSource;
  readonly trud?: TrudSource;
}

const USAGE = `usage: fhir-facade mirror <command> [options]
  load [--file PATH | --trud] [--force] [--json]   load a baseline (default: the configured baseline file)
  sync [--json]                                    apply ORD changes since the watermark
  status [--json]                                  release, organisations, watermark, age, backend
`;

function bar(fraction: number, width = 30): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
}

function progress(stderr: MirrorCliOptions["stderr"], json: boolean): (event: MirrorEvent) => void {
  const tty = stderr.isTTY === true && !json;
  return (event) => {
    if (!tty) {
      return;
    }
    switch (event.type) {
      case "load-progress": {
        const fraction = event.totalBytes === undefined ? 0 : event.bytesRead / event.totalBytes;
        stderr.write(
          `\rloading ${bar(fraction)} ${event.organisations.toLocaleString("en-GB")} organisations`,
        );
        break;
      }
      case "load-indexing":
        stderr.write(
          `\rindexing ${event.organisations.toLocaleString("en-GB")} organisations...${" ".repeat(30)}`,
        );
        break;
      case "sync-progress":
        stderr.write(
          `\rsyncing ${bar(event.total === 0 ? 1 : event.fetched / event.total)} ${event.fetched}/${event.total}`,
        );
        break;
      case "load-finished":
      case "sync-finished":
      case "load-failed":
        stderr.write("\n");
        break;
      case "warning":
      case "load-started":
      case "sync-started":
      case "sync-changes":
        break;
    }
  };
}

function exitCodeOf(error: unknown): number {
  if (!(error instanceof MirrorError)) {
    return MIRROR_EXIT.failure;
  }
  switch (error.code) {
    case "invalid-file":
    case "invalid-input":
    case "invalid-query":
      return MIRROR_EXIT.dataError;
    case "store-unavailable":
    case "sync-failed":
      return MIRROR_EXIT.unavailable;
    case "sync-in-progress":
      return MIRROR_EXIT.tempFailure;
    case "watermark-too-old":
    case "empty":
    case "store-corrupt":
    case "store-outdated":
      return MIRROR_EXIT.failure;
  }
}

function describe(status: Awaited<ReturnType<MirrorStore["status"]>>): string {
  const rows: [string, string][] = [
    ["backend", status.backend],
    ["release", status.release ?? "(none loaded)"],
    ["loaded at", status.loadedAt ?? "-"],
    ["organisations", status.organisations.toLocaleString("en-GB")],
    ["relationships", status.relationships.toLocaleString("en-GB")],
    ["tombstones", status.tombstones.toLocaleString("en-GB")],
    ["watermark", status.watermark ?? "-"],
    ["age (days)", status.ageDays === undefined ? "-" : String(status.ageDays)],
    ["last sync", status.lastSyncAt ?? "-"],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(14)} ${v}`).join("\n")}\n`;
}

/** Runs `mirror <argv>` and returns the exit code. Never throws for expected failures. */
export async function runMirrorCli(argv: readonly string[], options: MirrorCliOptions): Promise<number> {
  const { stdout, stderr, config } = options;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return MIRROR_EXIT.usage;
  }
  const { command, values } = parsed;
  const json = values.json === true;
  const onEvent = progress(stderr, json);
  const output = (result: unknown, text: string): void => {
    stdout.write(json ? `${JSON.stringify(result)}\n` : text);
  };
  let store: MirrorStore | undefined;
  try {
    store = await (options.openStore ?? openConfiguredMirror)(config, command === "load");
    switch (command) {
      case "status": {
        const status = await store.status();
        output(status, describe(status));
        return MIRROR_EXIT.ok;
      }
      case "sync": {
        const result = await syncMirror(store, { ord: options.ord ?? ordClientFor(config), onEvent });
        output(
          result,
          `synced ${result.changed} changed organisations since ${result.since}: ${result.upserted} updated, ${result.removed} removed; watermark ${result.watermark}\n`,
        );
        return MIRROR_EXIT.ok;
      }
      case "load": {
        if (values.trud === true) {
          const result = await loadFromTrud(store, {
            trud: options.trud ?? (await trudFor(config)),
            onEvent,
            ...(values.force === true ? { force: true } : {}),
          });
          output(
            result,
            result.skipped
              ? `${result.release} is already loaded (${result.organisations} organisations); --force reloads it\n`
              : `loaded ${result.organisations} organisations from ${result.release} in ${result.seconds.toFixed(1)} s\n`,
          );
          return MIRROR_EXIT.ok;
        }
        const path = values.file ?? config.mirror.baselineFile;
        if (path === undefined) {
          stderr.write(
            `mirror load: give --file PATH or --trud (or configure FACADE_MIRROR_BASELINE_FILE)\n${USAGE}`,
          );
          return MIRROR_EXIT.usage;
        }
        const result = await loadBaselineFile(store, path, onEvent);
        output(
          result,
          `loaded ${result.organisations} organisations from ${result.release} in ${result.seconds.toFixed(1)} s\n`,
        );
        return MIRROR_EXIT.ok;
      }
    }
    return MIRROR_EXIT.usage;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof MirrorError ? error.code : "error";
    if (json) {
      stdout.write(
        `${JSON.stringify({ error: { code, message, ...(error instanceof MirrorError ? { details: error.details } : {}) } })}\n`,
      );
    } else {
      stderr.write(`mirror ${command}: ${message}\n`);
    }
    return exitCodeOf(error);
  } finally {
    await store?.close().catch(() => undefined);
  }
}

function parse(argv: readonly string[]): {
  command: "load" | "sync" | "status";
  values: { file?: string; trud?: boolean; force?: boolean; json?: boolean };
} {
  const [command, ...rest] = argv;
  if (command !== "load" && command !== "sync" && command !== "status") {
    throw new Error(`mirror: unknown command ${JSON.stringify(command ?? "")}`);
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: "string" },
      trud: { type: "boolean" },
      force: { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  if (
    command !== "load" &&
    (values.file !== undefined || values.trud !== undefined || values.force !== undefined)
  ) {
    throw new Error(`mirror ${command}: --file, --trud and --force belong to mirror load`);
  }
  if (values.file !== undefined && values.trud === true) {
    throw new Error("mirror load: --file and --trud exclude each other");
  }
  return { command, values };
}
