import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";

import { TrudError } from "../errors.js";
import type { FetchLike } from "../http.js";
import { KNOWN_TRUD_ITEMS } from "../items.js";
import { redactKey } from "../redact.js";
import type { SignatureOptions } from "../signature.js";
import { SYNC_EXIT_CODES } from "../sync.js";
import { Trud } from "../trud.js";
import { formatBytes, ProgressRenderer, table } from "./render.js";
import type { TextSink } from "./render.js";

/** The environment variables the command reads (main.ts passes them in; nothing else reads process.env). */
export interface TrudCommandEnv {
  readonly TRUD_API_KEY?: string | undefined;
  readonly TRUD_API_KEY_FILE?: string | undefined;
  readonly TRUD_STORE_DIR?: string | undefined;
  readonly TRUD_BASE_URL?: string | undefined;
}

/** Everything the command touches, injected so that tests run it in-process. */
export interface TrudCommandIo {
  readonly argv: readonly string[];
  readonly env: TrudCommandEnv;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Whether stderr is a terminal (progress bars) or not (plain lines). */
  readonly isTTY: boolean;
  readonly fetch?: FetchLike;
  readonly cwd?: string;
}

export const USAGE = `Usage: trud <command> [options]

Commands:
  items                         the known TRUD item numbers and names (2025-05-08 catalogue)
  releases <item> [--latest]    list an item's releases, newest first
  download <item> [--release ID]
                                ensure a release (default: the latest) is in the store, verified
  sync <item...>                bring several items up to date (exit 0 up to date, 3 updated,
                                1 failed, 4 another sync is running)
  verify <file|release-id>      re-hash a held archive against its manifest (offline)
  prune <item> [--keep N] [--dry-run]
                                remove old releases, keeping the current one and N-1 others

Options:
  --dir DIR                     the store (default $TRUD_STORE_DIR or ./trud-store)
  --key-file FILE               read the API key from FILE (or set $TRUD_API_KEY / $TRUD_API_KEY_FILE)
  --api-key KEY                 discouraged: visible to other users in the process list
  --base-url URL                TRUD's base URL (default $TRUD_BASE_URL or https://isd.digital.nhs.uk)
  --verify-signature            also check TRUD's OpenPGP-signed checksum file
  --fingerprint FPR             pin the signing key (repeatable; implies --verify-signature)
  --concurrency N               items downloaded at once by sync (default 2)
  --json                        machine-readable output on stdout, no progress
  -h, --help
`;

class UsageError extends Error {}

/**
 * Runs the `trud` command. Returns the exit code: 0 success (or up to date), 3 updated (sync), 1 failure,
 * 2 usage error, 4 locked (sync).
 */
export async function runTrudCommand(io: TrudCommandIo): Promise<number> {
  let key: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...io.argv],
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: "string" },
        "key-file": { type: "string" },
        "api-key": { type: "string" },
        "base-url": { type: "string" },
        latest: { type: "boolean" },
        release: { type: "string" },
        item: { type: "string" },
        keep: { type: "string" },
        "dry-run": { type: "boolean" },
        "verify-signature": { type: "boolean" },
        fingerprint: { type: "string", multiple: true },
        concurrency: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [command, ...args] = positionals;
    if (values.help || command === undefined) {
      io.stdout.write(USAGE);
      return command === undefined && !values.help ? SYNC_EXIT_CODES.usage : 0;
    }
    const json = values.json ?? false;
    const out = (human: string, data: unknown): void => {
      io.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : human);
    };
    const storeDir = resolve(io.cwd ?? ".", values.dir ?? io.env.TRUD_STORE_DIR ?? "trud-store");

    if (command === "items") {
      out(
        table(
          ["item", "name", "releases"],
          KNOWN_TRUD_ITEMS.map((i) => [String(i.item), i.name, String(i.releases)]),
        ),
        KNOWN_TRUD_ITEMS,
      );
      return 0;
    }

    const needsKey =
      ["releases", "download", "sync"].includes(command) ||
      (command === "verify" && values.item !== undefined);
    if (needsKey) {
      key = await resolveKey(values, io);
    }
    const signature: SignatureOptions | boolean =
      values.fingerprint !== undefined
        ? { pinnedFingerprints: values.fingerprint }
        : (values["verify-signature"] ?? false);
    const renderer = new ProgressRenderer(io.stderr, io.isTTY);
    const baseUrl = values["base-url"] ?? io.env.TRUD_BASE_URL;
    const open = (): Promise<Trud> =>
      Trud.open({
        apiKey: key ?? "offline",
        storeDir,
        verifySignature: signature,
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...(json ? {} : { onEvent: renderer.onEvent }),
      });

    switch (command) {
      case "releases": {
        const item = parseItem(args[0]);
        const trud = await open();
        const { releases } = await trud.listReleases(item, { latest: values.latest ?? false });
        const held = new Set(
          (await trud.store.list(item)).map((h) => `${h.releaseId}\u0000${h.manifest.sha256}`),
        );
        const isHeld = (r: (typeof releases)[number]): boolean =>
          held.has(`${r.id}\u0000${r.archiveFileSha256 ?? ""}`);
        out(
          table(
            ["id", "released", "size", "sha256", "last modified", "held"],
            releases.map((r) => [
              r.id,
              r.releaseDate,
              formatBytes(r.archiveFileSizeBytes),
              (r.archiveFileSha256 ?? "-").slice(0, 12),
              r.archiveFileLastModifiedTimestamp,
              isHeld(r) ? "yes" : "",
            ]),
          ),
          releases.map((r) => ({ ...r, held: isHeld(r) })),
        );
        return 0;
      }
      case "download": {
        const item = parseItem(args[0]);
        const trud = await open();
        const held =
          values.release !== undefined
            ? await trud.ensureRelease(item, values.release)
            : await trud.ensureLatest(item);
        out(`${held.path}\n`, {
          item,
          releaseId: held.releaseId,
          path: held.path,
          downloaded: held.downloaded,
          sizeBytes: held.manifest.sizeBytes,
          sha256: held.manifest.sha256,
          checks: held.manifest.checks,
        });
        return 0;
      }
      case "sync": {
        if (args.length === 0) {
          throw new UsageError("sync needs at least one item number");
        }
        const items = args.map(parseItem);
        const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
        const trud = await open();
        const report = await trud.sync(items, { concurrency });
        if (report.status === "locked") {
          io.stderr.write(`trud: another sync is running on ${storeDir}\n`);
        }
        out(
          report.results
            .map((r) => `${r.item}\t${r.status}\t${r.release?.path ?? r.error?.message ?? ""}\n`)
            .join(""),
          {
            status: report.status,
            exitCode: report.exitCode,
            results: report.results.map((r) => ({
              item: r.item,
              status: r.status,
              ...(r.release
                ? { releaseId: r.release.releaseId, path: r.release.path, sha256: r.release.manifest.sha256 }
                : {}),
              ...(r.error ? { error: r.error } : {}),
            })),
          },
        );
        return report.exitCode;
      }
      case "verify":
        return await verify(args[0], { open, out, item: values.item, key });
      case "prune": {
        const item = parseItem(args[0]);
        const keep = values.keep === undefined ? 2 : Number(values.keep);
        const removed = await (await open()).store.prune(item, { keep, dryRun: values["dry-run"] ?? false });
        out(removed.map((d) => `${values["dry-run"] ? "would remove" : "removed"} ${d}\n`).join(""), {
          removed,
        });
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      io.stderr.write(`trud: ${redactKey(error.message, key)}\n\n${USAGE}`);
      return SYNC_EXIT_CODES.usage;
    }
    if (error instanceof TrudError) {
      io.stderr.write(`trud: ${error.code}: ${redactKey(error.message, key)}\n`);
      return SYNC_EXIT_CODES.failed;
    }
    io.stderr.write(
      `trud: unexpected error: ${redactKey(error instanceof Error ? error.message : String(error), key)}\n`,
    );
    return SYNC_EXIT_CODES.failed;
  }
}

function parseItem(text: string | undefined): number {
  if (text === undefined || !/^\d{1,9}$/.test(text) || Number(text) === 0) {
    throw new UsageError(`expected a TRUD item number, got ${JSON.stringify(text ?? "")}`);
  }
  return Number(text);
}

/** The key from $TRUD_API_KEY, a key file (first line), or (with a warning) the command line. */
async function resolveKey(
  values: { readonly "key-file"?: string | undefined; readonly "api-key"?: string | undefined },
  io: TrudCommandIo,
): Promise<string> {
  if (values["api-key"] !== undefined) {
    io.stderr.write(
      "trud: warning: --api-key exposes the key to other users through the process list; use TRUD_API_KEY or --key-file\n",
    );
    return values["api-key"];
  }
  const file = values["key-file"] ?? io.env.TRUD_API_KEY_FILE;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(io.cwd ?? ".", file), "utf8");
    } catch (cause) {
      throw new TrudError("invalid-options", `cannot read the key file ${file}`, { cause });
    }
    const first = text.split(/\r?\n/)[0]?.trim() ?? "";
    if (first === "") {
      throw new TrudError("invalid-options", `the key file ${file} is empty`);
    }
    return first;
  }
  const fromEnv = io.env.TRUD_API_KEY?.trim();
  if (fromEnv) {
    return fromEnv;
  }
  throw new TrudError("invalid-options", "no TRUD API key: set TRUD_API_KEY, or pass --key-file FILE");
}

async function verify(
  target: string | undefined,
  context: {
    readonly open: () => Promise<Trud>;
    readonly out: (human: string, data: unknown) => void;
    readonly item: string | undefined;
    readonly key: string | undefined;
  },
): Promise<number> {
  if (target === undefined) {
    throw new UsageError("verify needs a file or a release id");
  }
  const trud = await context.open();
  const isFile = await stat(target).then(
    (s) => s.isFile(),
    () => false,
  );
  if (isFile) {
    const held = await trud.store.findByPath(target);
    if (held !== undefined) {
      const result = await trud.store.verify(held);
      context.out(`${result.ok ? "OK" : "MISMATCH"}\t${held.path}\n`, {
        ...result,
        path: held.path,
        releaseId: held.releaseId,
      });
      return result.ok ? 0 : 1;
    }
    if (context.item === undefined) {
      throw new UsageError(`${target} is not in the store; pass --item N to check it against TRUD's list`);
    }
    // Not ours: check it against the published size and SHA-256 of the release with that file name.
    const { releases } = await trud.listReleases(parseItem(context.item));
    const name = basename(target);
    const release = releases.find((r) => r.archiveFileName === name);
    if (release === undefined) {
      throw new TrudError("release-not-found", `item ${context.item} has no release file named ${name}`);
    }
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(target) as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
    }
    const sha256 = hash.digest("hex").toUpperCase();
    const ok = size === release.archiveFileSizeBytes && sha256 === release.archiveFileSha256;
    context.out(`${ok ? "OK" : "MISMATCH"}\t${target}\t${release.id}\n`, {
      ok,
      sha256,
      sizeBytes: size,
      releaseId: release.id,
    });
    return ok ? 0 : 1;
  }
  const items = context.item !== undefined ? [parseItem(context.item)] : await trud.store.items();
  const held = (await Promise.all(items.map((i) => trud.store.list(i))))
    .flat()
    .filter((h) => h.releaseId === target);
  if (held.length === 0) {
    throw new TrudError("release-not-found", `no release ${JSON.stringify(target)} in the store`);
  }
  let failed = 0;
  const results = [];
  for (const h of held) {
    const result = await trud.store.verify(h);
    failed += result.ok ? 0 : 1;
    results.push({ ...result, path: h.path, releaseId: h.releaseId });
  }
  context.out(results.map((r) => `${r.ok ? "OK" : "MISMATCH"}\t${r.path}\n`).join(""), results);
  return failed === 0 ? 0 : 1;
}
