import { contentDigests, contentSize } from "./content.js";
import type { FakeTrudContent } from "./content.js";

/** The name TRUD gives its one public key file (the same for every item seen). */
export const TRUD_PUBLIC_KEY_FILE_NAME = "trud-public-key-2013-04-01.pgp";

/**
 * Signs the checksum files of a fake TRUD, standing in for TRUD's 2013 OpenPGP key. A test generates a key
 * pair (for example with openpgp) and passes a signer, so the legacy chain of upstream-trud.md §1.7 (public
 * key, ASCII-armored detached signature over the FCIV checksum XML) can be verified end to end.
 */
export interface FakeTrudSigner {
  /** The ASCII-armored public key served as `trud-public-key-2013-04-01.pgp`. */
  readonly publicKeyArmored: string;
  /** Returns an ASCII-armored detached signature over `data`. */
  sign(data: Uint8Array): Promise<string>;
}

/** One release as the fake holds it. */
export interface FakeTrudRelease {
  readonly id: string;
  readonly name: string;
  readonly releaseDate: string;
  readonly archiveFileName: string;
  readonly content: FakeTrudContent;
  readonly lastModified: string;
  /** The folder under `/download/api/v1/keys/{key}/content/`, e.g. `items/341` or `ODS/6.0.0/HSCORGREFDATAXML_DATA`. */
  readonly contentDir: string;
  /** Field values that replace the computed ones (lies about size or hash, hostile names...). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Fields left out of the metadata (e.g. `archiveFileSha256`, absent from 2021 responses). */
  readonly omit: readonly string[];
  /** Serve the overridden metadata without hashing the content. */
  readonly verbatim: boolean;
}

/** The served bytes of a release's legacy support files. */
export interface SupportFiles {
  readonly checksumXml: Buffer;
  readonly signature: Buffer;
  readonly publicKey: Buffer;
  readonly sha256: string;
}

const UNSIGNED_SIGNATURE = Buffer.from(
  "-----BEGIN PGP SIGNATURE-----\n\nfake TRUD without a signer: this is not a signature\n-----END PGP SIGNATURE-----\n",
);
/** What a fake without a signer serves as its public key. */
export const NO_PUBLIC_KEY = Buffer.from(
  "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nfake TRUD without a signer: this is not a key\n-----END PGP PUBLIC KEY BLOCK-----\n",
);

/** The checksum file name TRUD uses: `trud_<archive base name>.xml`. */
export function checksumFileName(archiveFileName: string): string {
  return `trud_${archiveFileName.replace(/\.zip$/i, "")}.xml`;
}

/** The signature file name TRUD publishes (`.sig`), which differs from its URL's suffix (`.xml.asc`). */
export function signatureFileName(archiveFileName: string): string {
  return `trud_${archiveFileName.replace(/\.zip$/i, "")}.sig`;
}

/** The FCIV checksum XML (base64 SHA-1 of the archive), upstream-trud.md §1.7 step 3. */
export function fcivXml(archiveFileName: string, sha1Base64: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="utf-8"?>\r\n<FCIV>\r\n<FILE_ENTRY><name>${archiveFileName}</name>` +
      `<SHA1>${sha1Base64}</SHA1></FILE_ENTRY>\r\n</FCIV>\r\n`,
  );
}

/** Computes (and the caller caches) a release's digests and support files. */
export async function buildSupportFiles(
  release: FakeTrudRelease,
  signer: FakeTrudSigner | undefined,
): Promise<SupportFiles> {
  const digests = await contentDigests(release.content);
  const checksumXml = fcivXml(release.archiveFileName, digests.sha1Base64);
  const signature = signer ? Buffer.from(await signer.sign(checksumXml)) : UNSIGNED_SIGNATURE;
  const publicKey = signer ? Buffer.from(signer.publicKeyArmored) : NO_PUBLIC_KEY;
  return { checksumXml, signature, publicKey, sha256: digests.sha256 };
}

/** Adds one second to an ISO timestamp (the signature is written just after the checksum file). */
function plusOneSecond(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms + 1000).toISOString();
}

/** The release object, the 20 fields in TRUD's order (upstream-trud.md §1.4), with its URLs for one key. */
export function releaseMetadata(
  release: FakeTrudRelease,
  files: SupportFiles,
  contentBase: string,
): Record<string, unknown> {
  const dir = `${contentBase}/${release.contentDir}`;
  const base = release.archiveFileName.replace(/\.zip$/i, "");
  const metadata: Record<string, unknown> = {
    id: release.id,
    name: release.name,
    releaseDate: release.releaseDate,
    archiveFileUrl: `${dir}/${release.archiveFileName}`,
    archiveFileName: release.archiveFileName,
    archiveFileSizeBytes: contentSize(release.content),
    archiveFileSha256: files.sha256,
    archiveFileLastModifiedTimestamp: release.lastModified,
    checksumFileUrl: `${dir}/trud_${base}.xml`,
    checksumFileName: checksumFileName(release.archiveFileName),
    checksumFileSizeBytes: files.checksumXml.length,
    checksumFileLastModifiedTimestamp: release.lastModified,
    signatureFileUrl: `${dir}/trud_${base}.xml.asc`,
    signatureFileName: signatureFileName(release.archiveFileName),
    signatureFileSizeBytes: files.signature.length,
    signatureFileLastModifiedTimestamp: plusOneSecond(release.lastModified),
    publicKeyFileUrl: `${contentBase}/public-keys/${TRUD_PUBLIC_KEY_FILE_NAME}`,
    publicKeyFileName: TRUD_PUBLIC_KEY_FILE_NAME,
    publicKeyFileSizeBytes: files.publicKey.length,
    publicKeyId: 6,
  };
  for (const [field, value] of Object.entries(release.overrides)) {
    metadata[field] = value;
  }
  for (const field of release.omit) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing a chosen field is the point
    delete metadata[field];
  }
  return metadata;
}
