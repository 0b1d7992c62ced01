import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

import { assertItem, TrudClient } from "./client.js";
import type { TrudClientOptions } from "./client.js";
import { downloadArchive } from "./download.js";
import type { TrudEvent } from "./events.js";
import type { TrudRelease, TrudReleaseList } from "./release.js";
import { verifySignedChecksum } from "./signature.js";
import type { SignatureOptions } from "./signature.js";
import { TrudStore } from "./store.js";
import type { HeldRelease, TrudManifest } from "./store.js";
import { syncItems } from "./sync.js";
import type { SyncOptions, SyncReport } from "./sync.js";

/** Options for {@link Trud.open}: the client's options plus the store. */
export interface TrudOptions extends TrudClientOptions {
  /** The store directory (created if missing; must be writable). */
  readonly storeDir: string;
  /** Also verify TRUD's signed FCIV checksum with OpenPGP (`true`, or options with pinned fingerprints). */
  readonly verifySignature?: boolean | SignatureOptions;
  /** Refuse releases without a published SHA-256 (default true). */
  readonly requireSha256?: boolean;
  /** Clock for manifests (default `() => new Date()`). */
  readonly now?: () => Date;
}

/** A held release, and whether this call had to download it. */
export interface EnsuredRelease extends HeldRelease {
  /** `false` when the verified release was already in the store (no bytes transferred). */
  readonly downloaded: boolean;
  /** When this issue replaces an older issue of the same release id (a TRUD reissue), that folder. */
  readonly reissueOf?: string;
}

/**
 * TRUD releases, verified, in a local store: the one object most callers need.
 *
 * @example
 * // The ODS mirror: make sure the newest ODS XML full file (item 341) is held and verified, then open it.
 * const trud = await Trud.open({ apiKey, storeDir: "/var/lib/fhir-facade/trud" });
 * const { path, manifest, downloaded } = await trud.ensureLatest(341);
 * // path: absolute path of the verified .zip; manifest.release: TRUD's metadata (key redacted)
 */
export class Trud {
  readonly client: TrudClient;
  readonly store: TrudStore;
  readonly #options: TrudOptions;
  readonly #emit: (event: TrudEvent) => void;
  readonly #inflight = new Map<string, Promise<EnsuredRelease>>();

  private constructor(client: TrudClient, store: TrudStore, options: TrudOptions) {
    this.client = client;
    this.store = store;
    this.#options = options;
    this.#emit = options.onEvent ?? (() => undefined);
  }

  /** Validates the options, opens the store (failing early with `store-unwritable`) and builds the client. */
  static async open(options: TrudOptions): Promise<Trud> {
    const client = new TrudClient(options);
    const store = await TrudStore.open({
      root: options.storeDir,
      ...(options.now ? { now: options.now } : {}),
    });
    return new Trud(client, store, options);
  }

  /** Lists an item's releases (newest first), or only the latest. */
  listReleases(
    item: number,
    options: { readonly latest?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<TrudReleaseList> {
    return this.client.listReleases(item, options);
  }

  /**
   * Ensures the newest release of `item` is in the store, verified, and is the item's current release.
   * One `?latest` request; no download if that issue is already held. A reissue is downloaded into its own
   * folder beside the old issue.
   *
   * @returns the held release; `path` is the verified archive.
   */
  async ensureLatest(item: number, options: { readonly signal?: AbortSignal } = {}): Promise<EnsuredRelease> {
    const release = await this.client.latestRelease(assertItem(item), options);
    const held = await this.ensure(item, release, options);
    await this.store.setCurrent(held);
    return held;
  }

  /** Ensures one release (by id) is in the store, verified. Does not change the item's current release. */
  async ensureRelease(
    item: number,
    releaseId: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<EnsuredRelease> {
    const release = await this.client.findRelease(assertItem(item), releaseId, options);
    return this.ensure(item, release, options);
  }

  /** Ensures a release whose metadata the caller already has (from {@link Trud.listReleases}). */
  ensure(
    item: number,
    release: TrudRelease,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<EnsuredRelease> {
    const key = `${item}\u0000${release.id}\u0000${release.archiveFileSha256 ?? release.archiveFileLastModifiedTimestamp}`;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#ensure(item, release, options).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #ensure(
    item: number,
    release: TrudRelease,
    options: { readonly signal?: AbortSignal },
  ): Promise<EnsuredRelease> {
    const dir = this.store.folderFor(item, release); // refuses unsafe ids and file names before any transfer
    const held = await this.store.find(item, release);
    if (held !== undefined) {
      this.#emit({ type: "held", item, releaseId: release.id, path: held.path });
      return { ...held, downloaded: false };
    }
    const older = (await this.store.list(item)).find((h) => h.releaseId === release.id && h.dir !== dir);
    if (older !== undefined) {
      this.#emit({
        type: "reissue",
        item,
        releaseId: release.id,
        previousLastModified: older.manifest.release.archiveFileLastModifiedTimestamp,
        lastModified: release.archiveFileLastModifiedTimestamp,
      });
    }
    await mkdir(dir, { recursive: true });
    const target = join(dir, release.archiveFileName);
    const signature = this.#options.verifySignature;
    const signatureOptions: SignatureOptions | undefined =
      signature === true ? {} : signature === false || signature === undefined ? undefined : signature;
    const result = await downloadArchive({
      client: this.client,
      item,
      release,
      target,
      sha1: signatureOptions !== undefined,
      requireSha256: this.#options.requireSha256 ?? true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let signerFingerprint: string | undefined;
    if (signatureOptions !== undefined) {
      try {
        signerFingerprint = await verifySignedChecksum({
          client: this.client,
          release,
          dir,
          sha1Base64: result.sha1Base64 ?? "",
          signature: signatureOptions,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        await rm(dir, { recursive: true, force: true }); // an unverified archive never stays in the store
        throw error;
      }
    }
    const now = this.store.now().toISOString();
    const manifest: TrudManifest = {
      schemaVersion: 1,
      item,
      release,
      archiveFileName: release.archiveFileName,
      sizeBytes: result.bytes,
      sha256: result.sha256,
      ...(result.sha1Base64 === undefined ? {} : { sha1Base64: result.sha1Base64 }),
      checks: {
        size: "passed",
        sha256: release.archiveFileSha256 === undefined ? "not-published" : "passed",
        signature: signerFingerprint === undefined ? "not-checked" : "passed",
        ...(signerFingerprint === undefined ? {} : { signerFingerprint }),
      },
      sourceUrl: release.archiveFileUrl,
      downloadedAt: now,
      verifiedAt: now,
      transfer: {
        transferred: result.transferred,
        resumedFrom: result.resumedFrom,
        restarts: result.restarts,
      },
    };
    const recorded = await this.store.record(manifest);
    this.#emit({
      type: "verified",
      item,
      releaseId: release.id,
      checks: [
        "size",
        ...(release.archiveFileSha256 ? ["sha256"] : []),
        ...(signerFingerprint ? ["signature"] : []),
      ],
    });
    return { ...recorded, downloaded: true, ...(older ? { reissueOf: older.dir } : {}) };
  }

  /**
   * Brings several items up to date (see {@link syncItems}): bounded concurrency, the store's lock held
   * throughout, one result per item and an exit code for cron.
   */
  sync(items: readonly number[], options: SyncOptions = {}): Promise<SyncReport> {
    return syncItems(this, items, { ...options, emit: this.#emit });
  }
}
