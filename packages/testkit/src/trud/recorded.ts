import recorded from "./fixtures/item-341-releases-full-list.json" with { type: "json" };
import type { FakeTrudItemInit, FakeTrudReleaseInit } from "./fake-trud.js";

/** The 20 fields of one recorded release (see fixtures/SOURCES.md). */
interface RecordedRelease {
  readonly id: string;
  readonly name: string;
  readonly releaseDate: string;
  readonly archiveFileUrl: string;
  readonly archiveFileName: string;
  readonly archiveFileSizeBytes: number;
  readonly archiveFileSha256: string;
  readonly archiveFileLastModifiedTimestamp: string;
  readonly checksumFileSizeBytes: number;
  readonly checksumFileLastModifiedTimestamp: string;
  readonly signatureFileSizeBytes: number;
  readonly signatureFileLastModifiedTimestamp: string;
  readonly publicKeyFileSizeBytes: number;
  readonly publicKeyId: number;
}

const RELEASES: readonly RecordedRelease[] = recorded.releases;

/** Options for {@link recordedItem341}. */
export interface RecordedItem341Options {
  /**
   * Without this, the metadata is the recorded one field for field (sizes, SHA-256s, timestamps; only the
   * host and key in the URLs are the fake's), which is right for parser and listing tests, but the served
   * archives cannot match the recorded hashes. With it, every archive is generated with this many bytes and
   * its real SHA-256 is published, so releases can be downloaded and verified.
   */
  readonly archiveBytes?: number;
}

/**
 * Item 341 (ODS XML Organisation Data) as recorded from the real TRUD: 96 releases newest first, with the
 * three URL/id eras, reissues (late last-modified timestamps), the 2022-05-27/30 date mismatch and the
 * missing 10.0.0. Source: `../shared/reference/trud/item-341-releases-full-list.json`.
 */
export function recordedItem341(options: RecordedItem341Options = {}): FakeTrudItemInit {
  const releases = RELEASES.map((r): FakeTrudReleaseInit => {
    const afterContent = r.archiveFileUrl.split("/content/")[1] ?? "";
    const contentDir = afterContent.slice(0, afterContent.lastIndexOf("/"));
    const common = {
      id: r.id,
      name: r.name,
      releaseDate: r.releaseDate,
      archiveFileName: r.archiveFileName,
      lastModified: r.archiveFileLastModifiedTimestamp,
      contentDir,
    };
    if (options.archiveBytes !== undefined) {
      return { ...common, content: { size: options.archiveBytes, seed: r.id } };
    }
    return {
      ...common,
      content: { size: r.archiveFileSizeBytes, seed: r.id },
      verbatim: true,
      overrides: {
        archiveFileSizeBytes: r.archiveFileSizeBytes,
        archiveFileSha256: r.archiveFileSha256,
        checksumFileSizeBytes: r.checksumFileSizeBytes,
        checksumFileLastModifiedTimestamp: r.checksumFileLastModifiedTimestamp,
        signatureFileSizeBytes: r.signatureFileSizeBytes,
        signatureFileLastModifiedTimestamp: r.signatureFileLastModifiedTimestamp,
        publicKeyFileSizeBytes: r.publicKeyFileSizeBytes,
        publicKeyId: r.publicKeyId,
      },
    };
  });
  return { item: 341, releases };
}
