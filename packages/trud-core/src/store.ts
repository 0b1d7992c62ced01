import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, relative, resolve, sep } from "node:path";

import { hasSize, syncDir } from "./download.js";
import { TrudError } from "./errors.js";
import type { TrudRelease } from "./release.js";
import { assertSafeFileName } from "./safe-name.js";

/** Provenance of one held release issue, written as `manifest.json` in its folder. */
export interface TrudManifest {
  readonly schemaVersion: 1;
  readonly item: number;
  /** TRUD's metadata for this issue, every field, URLs with the key redacted. */
  readonly release: TrudRelease;
  /** The archive's file name inside the folder. */
  readonly archiveFileName: string;
  readonly sizeBytes: number;
  /** Upper-case hex, computed while downloading. */
  readonly sha256: string;
  /** Base64, when the legacy signed checksum was checked. */
  readonly sha1Base64?: string;
  readonly checks: {
    readonly size: "passed";
    readonly sha256: "passed" | "not-published";
    readonly signature: "passed" | "not-checked";
    /** The OpenPGP key that signed the checksum file, when checked. */
    readonly signerFingerprint?: string;
  };
  /** Where it came from (key redacted). */
  readonly sourceUrl: string;
  readonly downloadedAt: string;
  readonly verifiedAt: string;
  readonly transfer: {
    readonly transferred: number;
    readonly resumedFrom: number;
    readonly restarts: number;
  };
}

/** A release issue held in the store, verified when it was recorded. */
export interface HeldRelease {
  readonly item: number;
  readonly releaseId: string;
  /** The release's folder. */
  readonly dir: string;
  /** The absolute path of the verified archive: what a consumer opens. */
  readonly path: string;
  readonly manifest: TrudManifest;
}

/** Options for {@link TrudStore.open}. */
export interface TrudStoreOptions {
  readonly root: string;
  /** Clock for manifest timestamps (default `() => new Date()`). */
  readonly now?: () => Date;
}

const MANIFEST = "manifest.json";
const CURRENT = "current.json";
const LOCK = ".trud-sync.lock";

/**
 * The local store of TRUD releases:
 * ```
 * <root>/items/<item>/<releaseId>--<sha256 prefix>/<archiveFileName>   the verified archive
 *                                                 /manifest.json       provenance (TrudManifest)
 *                                                 /trud_….xml, .xml.asc, .pgp   (when signatures are checked)
 * <root>/items/<item>/current.json                 which folder is the item's current release
 * <root>/.trud-sync.lock                           held while `sync` runs
 * ```
 * One folder per release *issue*: a reissue (same id, new bytes, upstream-trud.md §1.8) gets its own folder
 * beside the old one, never overwriting it. Manifests and pointers are written atomically (temp + rename).
 */
export class TrudStore {
  readonly root: string;
  readonly #now: () => Date;

  private constructor(root: string, now: () => Date) {
    this.root = root;
    this.#now = now;
  }

  /**
   * Opens (creating) a store and proves it is writable, so an unwritable directory is reported before any
   * download starts (`store-unwritable`).
   */
  static async open(options: TrudStoreOptions): Promise<TrudStore> {
    const root = resolve(options.root);
    const probe = join(root, `.probe-${process.pid}-${Date.now()}`);
    try {
      await mkdir(join(root, "items"), { recursive: true });
      await writeFile(probe, "ok");
      await rm(probe, { force: true });
    } catch (cause) {
      throw new TrudError("store-unwritable", `the TRUD store ${root} is not writable`, { cause });
    }
    return new TrudStore(root, options.now ?? (() => new Date()));
  }

  /** The current time as the store records it. */
  now(): Date {
    return this.#now();
  }

  /** The folder of an item. */
  itemDir(item: number): string {
    return join(this.root, "items", String(item));
  }

  /** The folder for one release issue (checks that the id and file name are safe). */
  folderFor(item: number, release: TrudRelease): string {
    assertSafeFileName(release.id, "release id");
    assertSafeFileName(release.archiveFileName, "archiveFileName");
    const tag = release.archiveFileSha256
      ? release.archiveFileSha256.slice(0, 12).toLowerCase()
      : `t${release.archiveFileLastModifiedTimestamp.replace(/[^0-9]/g, "")}`;
    return join(this.itemDir(item), `${release.id}--${tag}`);
  }

  /** The held, recorded issue of exactly this release (same id and hash), if its archive is intact. */
  async find(item: number, release: TrudRelease): Promise<HeldRelease | undefined> {
    const held = await this.#read(this.folderFor(item, release));
    if (
      held?.manifest.release.id !== release.id ||
      (release.archiveFileSha256 !== undefined &&
        held.manifest.sha256 !== release.archiveFileSha256.toUpperCase()) ||
      held.manifest.sizeBytes !== release.archiveFileSizeBytes
    ) {
      return undefined;
    }
    return (await hasSize(held.path, held.manifest.sizeBytes)) ? held : undefined;
  }

  /** Every recorded issue of an item, newest first (release date, then last-modified). */
  async list(item: number): Promise<HeldRelease[]> {
    let names: string[];
    try {
      names = await readdir(this.itemDir(item));
    } catch {
      return [];
    }
    const held: HeldRelease[] = [];
    for (const name of names) {
      const found = await this.#read(join(this.itemDir(item), name)).catch(() => undefined);
      if (found !== undefined) {
        held.push(found);
      }
    }
    return held.sort(
      (a, b) =>
        b.manifest.release.releaseDate.localeCompare(a.manifest.release.releaseDate) ||
        b.manifest.release.archiveFileLastModifiedTimestamp.localeCompare(
          a.manifest.release.archiveFileLastModifiedTimestamp,
        ),
    );
  }

  /** Items with anything in the store. */
  async items(): Promise<number[]> {
    const names = await readdir(join(this.root, "items")).catch(() => []);
    return names
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Records a verified archive already renamed into `folderFor(item, release)`. */
  async record(manifest: TrudManifest): Promise<HeldRelease> {
    const dir = this.folderFor(manifest.item, manifest.release);
    await writeAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return {
      item: manifest.item,
      releaseId: manifest.release.id,
      dir,
      path: join(dir, manifest.archiveFileName),
      manifest,
    };
  }

  /** The item's current release, if one is set and still held. */
  async current(item: number): Promise<HeldRelease | undefined> {
    let pointer: { folder?: unknown };
    try {
      pointer = JSON.parse(await readFile(join(this.itemDir(item), CURRENT), "utf8")) as { folder?: unknown };
    } catch {
      return undefined;
    }
    if (typeof pointer.folder !== "string") {
      throw new TrudError("store-corrupt", `${join(this.itemDir(item), CURRENT)} has no folder`);
    }
    assertSafeFileName(pointer.folder, "current folder");
    return this.#read(join(this.itemDir(item), pointer.folder));
  }

  /** Makes a held release the item's current one (atomic pointer swap). */
  async setCurrent(held: HeldRelease): Promise<void> {
    const folder = relative(this.itemDir(held.item), held.dir);
    await writeAtomic(
      join(this.itemDir(held.item), CURRENT),
      `${JSON.stringify({ folder, releaseId: held.releaseId, setAt: this.#now().toISOString() }, null, 2)}\n`,
    );
  }

  /**
   * Removes old issues of an item: keeps the current release and the `keep - 1` newest others (default
   * keep 2). Only folders with a valid manifest are candidates (an interrupted download's folder, holding
   * resume state, is left alone), and nothing outside the item's folder is touched.
   *
   * @returns the folders removed (or that would be, with `dryRun`).
   */
  async prune(
    item: number,
    options: { readonly keep?: number; readonly dryRun?: boolean } = {},
  ): Promise<string[]> {
    const keep = options.keep ?? 2;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new TrudError("invalid-options", "prune keeps at least one release");
    }
    const current = await this.current(item);
    const held = await this.list(item);
    const others = held.filter((h) => h.dir !== current?.dir);
    const kept = new Set([
      ...(current ? [current.dir] : []),
      ...others.slice(0, current ? keep - 1 : keep).map((h) => h.dir),
    ]);
    const doomed = held.filter((h) => !kept.has(h.dir)).map((h) => h.dir);
    const itemDir = this.itemDir(item) + sep;
    for (const dir of doomed) {
      if (!dir.startsWith(itemDir)) {
        throw new TrudError("store-corrupt", `refusing to remove ${dir}: outside the item folder`);
      }
      if (!options.dryRun) {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return doomed;
  }

  /** Re-hashes a held archive against its manifest (size and SHA-256; SHA-1 too when recorded). */
  async verify(
    held: HeldRelease,
  ): Promise<{ readonly ok: boolean; readonly sha256: string; readonly sizeBytes: number }> {
    const sha256 = createHash("sha256");
    const sha1 = createHash("sha1");
    let size = 0;
    for await (const chunk of createReadStream(held.path) as AsyncIterable<Buffer>) {
      size += chunk.length;
      sha256.update(chunk);
      sha1.update(chunk);
    }
    const hex = sha256.digest("hex").toUpperCase();
    const b64 = sha1.digest("base64");
    const ok =
      size === held.manifest.sizeBytes &&
      hex === held.manifest.sha256 &&
      (held.manifest.sha1Base64 === undefined || held.manifest.sha1Base64 === b64);
    return { ok, sha256: hex, sizeBytes: size };
  }

  /** The held release whose archive is this file (looks for the manifest beside it). */
  async findByPath(file: string): Promise<HeldRelease | undefined> {
    const dir = resolve(file, "..");
    const held = await this.#read(dir).catch(() => undefined);
    return held && resolve(held.path) === resolve(file) ? held : undefined;
  }

  /**
   * Takes the store's sync lock (a file created exclusively). A lock left by a dead process on this host is
   * taken over; a live one fails with `locked`.
   *
   * @returns a function that releases the lock.
   */
  async lock(): Promise<() => Promise<void>> {
    const path = join(this.root, LOCK);
    const body = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: this.#now().toISOString() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, "wx");
        await handle.writeFile(body);
        await handle.close();
        return async () => {
          await rm(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new TrudError("store-unwritable", `cannot create ${path}`, { cause: error });
        }
        interface Holder {
          pid?: number;
          host?: string;
          startedAt?: string;
        }
        const holder: Holder = await readFile(path, "utf8")
          .then((t) => JSON.parse(t) as Holder)
          .catch((): Holder => ({}));
        if (
          attempt === 0 &&
          holder.host === hostname() &&
          typeof holder.pid === "number" &&
          !alive(holder.pid)
        ) {
          await rm(path, { force: true });
          continue;
        }
        throw new TrudError(
          "locked",
          `another trud sync holds ${path} (pid ${holder.pid ?? "?"} on ${holder.host ?? "?"} since ${holder.startedAt ?? "?"})`,
        );
      }
    }
    throw new TrudError("locked", `could not take ${path}`);
  }

  async #read(dir: string): Promise<HeldRelease | undefined> {
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST), "utf8");
    } catch {
      return undefined;
    }
    let manifest: TrudManifest;
    try {
      manifest = JSON.parse(text) as TrudManifest;
    } catch (cause) {
      throw new TrudError("store-corrupt", `${join(dir, MANIFEST)} is not JSON`, { cause });
    }
    if (
      (manifest as { schemaVersion?: unknown }).schemaVersion !== 1 ||
      typeof manifest.archiveFileName !== "string" ||
      typeof manifest.sha256 !== "string" ||
      typeof manifest.release !== "object" ||
      typeof (manifest.release as Partial<TrudRelease> | null)?.id !== "string"
    ) {
      throw new TrudError("store-corrupt", `${join(dir, MANIFEST)} is not a trud-core manifest`);
    }
    assertSafeFileName(manifest.archiveFileName, "archiveFileName");
    return {
      item: manifest.item,
      releaseId: manifest.release.id,
      dir,
      path: join(dir, manifest.archiveFileName),
      manifest,
    };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes a small file atomically: temp file, fsync, rename, fsync the directory. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDir(resolve(path, ".."));
}

/** Whether something exists at a path. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
