import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { OrdClient } from "@fhir-facade/ods-core";
import { type FakeOrd, startFakeOrd } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../config.js";
import { openMirror } from "@fhir-facade/ods-mirror";
import { SAMPLE_ODS_XML, mirrorBackend } from "../mirror-setup.js";
import { MIRROR_EXIT, runMirrorCli } from "./mirror.js";

const dir = mkdtempSync(join(tmpdir(), "mirror-cli-"));
const TRUD_KEY = "trud-secret-key-123456";

function run(argv: string[], extra: Partial<Parameters<typeof runMirrorCli>[1]> = {}) {
  const config = loadConfig(
    { FACADE_DATA_DIR: dir, FACADE_MIRROR_BACKEND: "sqlite", FACADE_TRUD_API_KEY: TRUD_KEY },
    { cwd: dir },
  );
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  return runMirrorCli(argv, { config, stdout, stderr, ...extra }).then((code) => ({ code, out, err }));
}

describe("mirror command", () => {
  let ord: FakeOrd;
  beforeAll(async () => {
    ord = await startFakeOrd({ now: () => new Date() });
  });
  afterAll(async () => {
    await ord.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("status on a fresh mirror, as text and JSON", async () => {
    const text = await run(["status"]);
    expect(text.code).toBe(MIRROR_EXIT.ok);
    expect(text.out).toMatch(/backend\s+sqlite/);
    expect(text.out).toMatch(/release\s+\(none loaded\)/);
    const json = await run(["status", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ backend: "sqlite", organisations: 0 });
  });

  test("load --file loads the sample, status reports it", async () => {
    const result = await run(["load", "--file", SAMPLE_ODS_XML, "--json"]);
    expect(result.code).toBe(MIRROR_EXIT.ok);
    expect(JSON.parse(result.out)).toMatchObject({ organisations: 400 });
    const status = JSON.parse((await run(["status", "--json"])).out);
    expect(status).toMatchObject({ organisations: 400, watermark: "2026-11-01" });
  });

  test("a malformed file exits 65 with the position; the loaded data stays", async () => {
    const bad = join(dir, "bad.xml");
    writeFileSync(bad, "<?xml version='1.0'?><HSCOrgRefData:OrgRefData xmlns:HSCOrgRefData='x'><Manifest>");
    const result = await run(["load", "--file", bad]);
    expect(result.code).toBe(MIRROR_EXIT.dataError);
    expect(result.err).toMatch(/mirror load: .*line \d+/);
    expect(JSON.parse((await run(["status", "--json"])).out)).toMatchObject({ organisations: 400 });
  });

  test("load --trud goes through the TRUD source; a repeat is skipped; the key never shows", async () => {
    const trud = {
      ensureLatest: () =>
        Promise.resolve({
          path: join(SAMPLE_ODS_XML, "..", "ods-sample.zip"),
          releaseId: "hscorgrefdataxml_data_1.0.0_20261101000001",
          downloaded: true,
        }),
    };
    const first = await run(["load", "--trud", "--json"], { trud });
    expect(JSON.parse(first.out)).toMatchObject({ skipped: false, organisations: 400 });
    const again = await run(["load", "--trud"], { trud });
    expect(again.out).toMatch(/already loaded/);
    const failing = await run(["load", "--trud"], {
      trud: { ensureLatest: () => Promise.reject(new Error("TRUD refused the request")) },
    });
    expect(failing.code).toBe(MIRROR_EXIT.failure);
    for (const r of [first, again, failing]) {
      expect(r.out + r.err).not.toContain(TRUD_KEY);
    }
  });

  test("sync applies ORD changes, then reports a too-old watermark with the command that fixes it", async () => {
    const ordClient = new OrdClient({ baseUrl: ord.baseUrl, requestsPerSecond: 1000 });
    const ok = await run(["sync"], { ord: ordClient });
    expect(ok.code).toBe(MIRROR_EXIT.ok);
    expect(ok.out).toMatch(/^synced \d+ changed organisations since 2026-11-01/);
    const later = (config: Parameters<typeof mirrorBackend>[0]) =>
      openMirror({ backend: mirrorBackend(config), clock: () => new Date("2028-01-01T00:00:00Z") });
    const result = await run(["sync", "--json"], { ord: ordClient, openStore: later });
    expect(result.code).toBe(MIRROR_EXIT.failure);
    const body = JSON.parse(result.out);
    expect(body.error).toMatchObject({
      code: "watermark-too-old",
      details: { command: "mirror load --trud" },
    });
  });

  test("a mirror built by an earlier table layout: status refuses with the fix, load --force brings it up to date", async () => {
    const store = await openMirror({
      backend: mirrorBackend(loadConfig({ FACADE_DATA_DIR: dir }, { cwd: dir })),
    });
    await store.setMeta({ schema_version: "1" });
    await store.close();
    const refused = await run(["status"]);
    expect(refused.code).toBe(MIRROR_EXIT.failure);
    expect(refused.err).toContain("mirror load --force");
    const reloaded = await run(["load", "--file", SAMPLE_ODS_XML, "--force", "--json"]);
    expect(reloaded.code).toBe(MIRROR_EXIT.ok);
    expect((await run(["status"])).code).toBe(MIRROR_EXIT.ok);
  });

  test("usage errors exit 64", async () => {
    for (const argv of [
      [],
      ["nope"],
      ["load", "--file"],
      ["sync", "--trud"],
      ["load", "--file", "x", "--trud"],
      ["status", "--bogus"],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(MIRROR_EXIT.usage);
      expect(result.err).toMatch(/usage: fhir-facade mirror/);
    }
  });
});
