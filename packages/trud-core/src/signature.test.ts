import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FAKE_TRUD_API_KEY, FakeTrud } from "@fhir-facade/testkit";
import type { FakeTrudSigner } from "@fhir-facade/testkit";
import { createMessage, generateKey, readKey, readPrivateKey, sign } from "openpgp";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";

import type { SignatureOptions } from "./signature.js";
import { Trud } from "./trud.js";

// Real sockets and files: generous limits so a heavily loaded CI machine does not turn slowness into failures.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let signer: FakeTrudSigner;
let fingerprint: string;
let otherPublicKey: string;
let fake: FakeTrud;
let dir: string;

async function makeSigner(name: string): Promise<{ signer: FakeTrudSigner; fingerprint: string }> {
  const { privateKey, publicKey } = await generateKey({ userIDs: [{ name }], format: "armored" });
  const key = await readPrivateKey({ armoredKey: privateKey });
  return {
    fingerprint: (await readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase(),
    signer: {
      publicKeyArmored: publicKey,
      sign: async (data: Uint8Array): Promise<string> =>
        await sign({
          message: await createMessage({ binary: data }),
          signingKeys: key,
          detached: true,
          format: "armored",
        }),
    },
  };
}

beforeAll(async () => {
  ({ signer, fingerprint } = await makeSigner("Fake TRUD 2013"));
  otherPublicKey = (await makeSigner("Someone else")).signer.publicKeyArmored;
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "trud-sig-"));
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(s: FakeTrudSigner | undefined): Promise<void> {
  fake = new FakeTrud({
    ...(s ? { signer: s } : {}),
    items: [
      {
        item: 341,
        releases: [{ id: "ods.zip", releaseDate: "2026-07-31", content: { size: 200_000, seed: "ods" } }],
      },
    ],
  });
  await fake.start();
}

function open(verifySignature: boolean | SignatureOptions): Promise<Trud> {
  return Trud.open({
    apiKey: FAKE_TRUD_API_KEY,
    baseUrl: fake.url,
    storeDir: dir,
    verifySignature,
    sleep: () => Promise.resolve(),
  });
}

describe("OpenPGP verification of the signed FCIV checksum", () => {
  test("passes with the pinned fingerprint; the support files are kept beside the archive", async () => {
    await start(signer);
    const held = await (
      await open({ pinnedFingerprints: [fingerprint.toLowerCase().replace(/(.{4})/g, "$1 ")] })
    ).ensureLatest(341);
    expect(held.manifest.checks).toMatchObject({ signature: "passed", signerFingerprint: fingerprint });
    expect(held.manifest.sha1Base64).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(readdirSync(held.dir).sort()).toEqual([
      "manifest.json",
      "ods.zip",
      "trud-public-key-2013-04-01.pgp",
      "trud_ods.sig",
      "trud_ods.xml",
    ]);
  });

  test("passes unpinned (trusting the served key) and with a locally held key", async () => {
    await start(signer);
    expect((await (await open(true)).ensureLatest(341)).manifest.checks.signature).toBe("passed");
    rmSync(dir, { recursive: true, force: true });
    const held = await (
      await open({ publicKeyArmored: signer.publicKeyArmored, pinnedFingerprints: [fingerprint] })
    ).ensureLatest(341);
    expect(held.manifest.checks.signature).toBe("passed");
  });

  test("a key that is not pinned is refused and nothing stays in the store", async () => {
    await start(signer);
    const error = await (
      await open({ pinnedFingerprints: ["71ED5964BAE53E83556320A42BE59DADEE84BEB0"] })
    )
      .ensureLatest(341)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "signature-invalid" });
    expect((error as Error).message).toContain("not one of the pinned");
    expect(existsSync(join(dir, "items", "341")) ? readdirSync(join(dir, "items", "341")) : []).toEqual([]);
  });

  test("a signature by another key fails verification", async () => {
    await start(signer);
    const error = await (
      await open({ publicKeyArmored: otherPublicKey })
    )
      .ensureLatest(341)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "signature-invalid" });
  });

  test("a checksum signed over different bytes fails", async () => {
    await start({
      publicKeyArmored: signer.publicKeyArmored,
      sign: () => signer.sign(new TextEncoder().encode("something else")),
    });
    const error = await (await open(true)).ensureLatest(341).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "signature-invalid" });
  });

  test("an unsigned release (placeholder files) fails", async () => {
    await start(undefined);
    const error = await (await open(true)).ensureLatest(341).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "signature-invalid" });
  });
});
