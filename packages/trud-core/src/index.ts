/**
 * @fhir-facade/trud-core: verified, resumable, unattended downloads of NHS TRUD releases
 * (`../shared/docs/upstream-trud.md`). Start with {@link Trud}: `(await Trud.open({ apiKey, storeDir })).ensureLatest(341)`.
 */
export { Trud } from "./trud.js";
export type { EnsuredRelease, TrudOptions } from "./trud.js";
export { TRUD_BASE_URL, TrudClient } from "./client.js";
export type { TrudClientOptions } from "./client.js";
export type { FetchLike, FetchResponseLike, RetryPolicy } from "./http.js";
export { parseRelease, parseReleaseList } from "./release.js";
export type { TrudRelease, TrudReleaseList } from "./release.js";
export { downloadArchive } from "./download.js";
export type { DownloadArchiveOptions, DownloadResult } from "./download.js";
export { TrudStore } from "./store.js";
export type { HeldRelease, TrudManifest, TrudStoreOptions } from "./store.js";
export { TRUD_2013_KEY_FINGERPRINT, verifySignedChecksum } from "./signature.js";
export type { SignatureOptions } from "./signature.js";
export { SYNC_EXIT_CODES, syncItems } from "./sync.js";
export type { SyncItemResult, SyncOptions, SyncReport } from "./sync.js";
export type { TrudEvent, TrudEventListener } from "./events.js";
export { isTrudError, TrudError } from "./errors.js";
export type { TrudErrorCode, TrudErrorOptions } from "./errors.js";
export { REDACTED, redactKey } from "./redact.js";
export { assertSafeFileName } from "./safe-name.js";
export { KNOWN_TRUD_ITEMS } from "./items.js";
export type { TrudItem } from "./items.js";
