import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { TrudClient } from "./client.js";
import { TrudError } from "./errors.js";
import type { TrudRelease } from "./release.js";
import { assertSafeFileName } from "./safe-name.js";

/**
 * Fingerprint of TRUD's 2013 signing key (`trud-public-key-2013-04-01.pgp`, publicKeyId 6) as olizilla/ods
 * pins it. Unverified: a single source (upstream-trud.md §1.7, §5) — cross-check before relying on it.
 */
export const TRUD_2013_KEY_FINGERPRINT = "71ED5964BAE53E83556320A42BE59DADEE84BEB0";

/** Options for the legacy OpenPGP check (upstream-trud.md §1.7). */
export interface SignatureOptions {
  /**
   * Accept only keys with one of these fingerprints (hex, any case, spaces ignored). Without it, the key
   * TRUD serves beside the release is trusted as is, which only proves the files agree with each other.
   */
  readonly pinnedFingerprints?: readonly string[];
  /** Use this armored public key instead of downloading `publicKeyFileUrl`. */
  readonly publicKeyArmored?: string;
}

const MAX_SUPPORT_FILE = 64 * 1024;

function normalise(fingerprint: string): string {
  return fingerprint.replace(/\s+/g, "").toUpperCase();
}

/**
 * Downloads the release's FCIV checksum XML, its detached signature and (unless given) TRUD's public key
 * into `dir`, verifies the signature with openpgp (against a pinned fingerprint if given), then checks that
 * the signed XML names this archive and carries the base64 SHA-1 computed while downloading.
 * Any failure is `signature-invalid`.
 *
 * @returns the fingerprint of the key that signed.
 */
export async function verifySignedChecksum(options: {
  readonly client: TrudClient;
  readonly release: TrudRelease;
  readonly dir: string;
  readonly sha1Base64: string;
  readonly signature: SignatureOptions;
  readonly signal?: AbortSignal;
}): Promise<string> {
  const { client, release, dir } = options;
  const fail = (why: string, cause?: unknown): never => {
    throw new TrudError(
      "signature-invalid",
      `signature check failed for ${release.archiveFileName}: ${why}`,
      { cause },
    );
  };
  if (release.checksumFileUrl === undefined || release.signatureFileUrl === undefined) {
    return fail("TRUD published no checksum or signature file for this release");
  }
  const fetchFile = async (
    url: string,
    name: string | undefined,
    expectedSize: number | undefined,
  ): Promise<Buffer> => {
    const bytes = await client.fetchSmallFile(url, MAX_SUPPORT_FILE, options.signal);
    if (expectedSize !== undefined && bytes.length !== expectedSize) {
      fail(`${url} has ${bytes.length} bytes, the list says ${expectedSize}`);
    }
    if (name !== undefined) {
      await writeFile(join(dir, assertSafeFileName(name, "support file name")), bytes);
    }
    return bytes;
  };
  const xml = await fetchFile(
    release.checksumFileUrl,
    release.checksumFileName,
    release.checksumFileSizeBytes,
  );
  const armoredSignature = (
    await fetchFile(release.signatureFileUrl, release.signatureFileName, release.signatureFileSizeBytes)
  ).toString("utf8");
  let armoredKey = options.signature.publicKeyArmored;
  if (armoredKey === undefined) {
    if (release.publicKeyFileUrl === undefined) {
      return fail("TRUD published no public key file and none was given");
    }
    armoredKey = (
      await fetchFile(release.publicKeyFileUrl, release.publicKeyFileName, release.publicKeyFileSizeBytes)
    ).toString("utf8");
  }

  let fingerprint: string;
  try {
    // Loaded only when a signature is checked: plain downloads stay small in memory (see the benchmark).
    const { createMessage, readKey, readSignature, verify } = await import("openpgp");
    const key = await readKey({ armoredKey });
    fingerprint = normalise(key.getFingerprint());
    const pinned = options.signature.pinnedFingerprints?.map(normalise);
    if (pinned !== undefined && !pinned.includes(fingerprint)) {
      return fail(`the key ${fingerprint} is not one of the pinned fingerprints`);
    }
    const result = await verify({
      message: await createMessage({ binary: new Uint8Array(xml) }),
      signature: await readSignature({ armoredSignature }),
      verificationKeys: key.toPublic(),
    });
    const [first] = result.signatures;
    if (first === undefined) {
      return fail("the signature file holds no signature");
    }
    await first.verified;
  } catch (cause) {
    if (cause instanceof TrudError) {
      throw cause;
    }
    return fail("OpenPGP verification failed", cause);
  }

  const text = xml.toString("utf8");
  const name = /<name>([^<]*)<\/name>/i.exec(text)?.[1];
  const sha1 = /<SHA1>([^<]*)<\/SHA1>/i.exec(text)?.[1];
  if (name?.trim() !== release.archiveFileName) {
    fail(`the signed checksum file names ${JSON.stringify(name ?? null)}, not the archive`);
  }
  if (sha1?.trim() !== options.sha1Base64) {
    fail("the signed SHA-1 does not match the downloaded archive");
  }
  return fingerprint;
}
