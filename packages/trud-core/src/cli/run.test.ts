import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FAKE_TRUD_API_KEY, FakeTrud } from "@fhir-facade/testkit";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { TrudStore } from "../store.js";
import { runTrudCommand } from "./run.js";
import type { TrudCommandEnv } from "./run.js";

// Real sockets and files: generous limits so a heavily loaded CI machine does not turn slowness into failures.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const KEY = FAKE_TRUD_API_KEY;
let fake: FakeTrud;
let dir: string;
let transcript: string[];

beforeEach(async () => {
  fake = new FakeTrud({
    items: [
      {
        item: 341,
        releases: [
          { id: "ods_2.zip", releaseDate: "2026-07-31", content: { size: 2_500_000, seed: "2" } },
          { id: "ods_1.zip", releaseDate: "2026-06-26", content: { size: 1000, seed: "1" } },
        ],
      },
      {
        item: 58,
        releases: [{ id: "weekly.zip", releaseDate: "2025-05-08", content: Buffer.from("weekly") }],
      },
      { item: 101, releases: [{ id: "sct.zip", releaseDate: "2025-05-01", content: Buffer.from("sct") }] },
    ],
  });
  await fake.start();
  dir = mkdtempSync(join(tmpdir(), "trud-cli-"));
  transcript = [];
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trud(
  argv: string[],
  options: { env?: TrudCommandEnv; tty?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runTrudCommand({
    argv: [...argv, "--dir", join(dir, "store"), "--base-url", fake.url],
    env: options.env ?? { TRUD_API_KEY: KEY },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    isTTY: options.tty ?? false,
    cwd: dir,
  });
  transcript.push(stdout, stderr);
  return { code, stdout, stderr };
}

afterEach(() => {
  // Whatever happened in a test, the key never reached the terminal.
  expect(transcript.join("\n")).not.toContain(KEY);
});

describe("trud items / releases", () => {
  test("items lists the catalogue without needing a key", async () => {
    const text = await trud(["items"], { env: {} });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/341\s+ODS XML Organisation Data/);
    const json = await trud(["items", "--json"], { env: {} });
    expect(JSON.parse(json.stdout)).toHaveLength(75);
  });

  test("releases prints a table, --latest one row, --json parseable JSON with a held flag", async () => {
    const all = await trud(["releases", "341"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("ods_2.zip");
    expect(all.stdout).toContain("ods_1.zip");
    const latest = await trud(["releases", "341", "--latest"]);
    expect(latest.stdout).not.toContain("ods_1.zip");
    expect(fake.server.requests.at(-1)?.url).toMatch(/\?latest$/);
    await trud(["download", "341"]);
    const json = JSON.parse((await trud(["releases", "341", "--json"])).stdout) as {
      id: string;
      held: boolean;
      archiveFileUrl: string;
    }[];
    expect(json.map((r) => [r.id, r.held])).toEqual([
      ["ods_2.zip", true],
      ["ods_1.zip", false],
    ]);
    expect(json[0]!.archiveFileUrl).toContain("<REDACTED>");
  });
});

describe("trud download", () => {
  test("prints the verified path; a second run transfers nothing", async () => {
    const first = await trud(["download", "341", "--json"]);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { path: string; downloaded: boolean; sha256: string };
    expect(result.downloaded).toBe(true);
    expect(result.path).toContain(join("items", "341"));
    const again = JSON.parse((await trud(["download", "341", "--json"])).stdout) as { downloaded: boolean };
    expect(again.downloaded).toBe(false);
    expect(fake.server.count("/download/")).toBe(1);
  });

  test("--release picks an older release", async () => {
    const out = await trud(["download", "341", "--release", "ods_1.zip"]);
    expect(out.code).toBe(0);
    expect(out.stdout.trim().endsWith("ods_1.zip")).toBe(true);
  });

  test("plain progress lines off a TTY, redrawn bars on one", async () => {
    const plain = await trud(["download", "341", "--release", "ods_2.zip"]);
    expect(plain.stderr).toMatch(/341\/ods_2\.zip: downloading 2\.5 MB/);
    expect(plain.stderr).toContain("done, 2.5 MB");
    expect(plain.stderr).not.toContain("\u001b[");
    rmSync(join(dir, "store"), { recursive: true });
    const tty = await trud(["download", "341"], { tty: true });
    expect(tty.stderr).toContain("\u001b[2K");
    expect(tty.stderr).toMatch(/\[#+-*\]/);
  });

  test("key from a key file; a key on the command line works but warns", async () => {
    const keyFile = join(dir, "key.txt");
    writeFileSync(keyFile, `${KEY}\n`);
    expect((await trud(["releases", "58", "--key-file", keyFile], { env: {} })).code).toBe(0);
    expect((await trud(["releases", "58"], { env: { TRUD_API_KEY_FILE: keyFile } })).code).toBe(0);
    const argv = await trud(["releases", "58", "--api-key", KEY], { env: {} });
    expect(argv.code).toBe(0);
    expect(argv.stderr).toContain("warning: --api-key exposes the key");
  });

  test("failures: no key, bad key, unknown item; each a clear message and exit 1", async () => {
    const none = await trud(["releases", "58"], { env: {} });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("TRUD_API_KEY");
    const bad = await trud(["releases", "58"], {
      env: { TRUD_API_KEY: "feedfacefeedfacefeedfacefeedfacefeedface" },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid-key");
    expect(bad.stderr).not.toContain("feedfacefeedface");
    const missing = await trud(["download", "4242"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("item-not-found");
    expect(missing.stderr).toContain("<REDACTED>");
  });

  test("usage errors exit 2", async () => {
    expect((await trud([])).code).toBe(2);
    expect((await trud(["fly"])).code).toBe(2);
    expect((await trud(["download", "abc"])).code).toBe(2);
    expect((await trud(["download", "341", "--bogus"])).code).toBe(2);
    expect((await trud(["sync"])).code).toBe(2);
    expect((await trud(["--help"])).code).toBe(0);
  });
});

describe("trud sync", () => {
  test("exit 3 when it downloaded, 0 when up to date, 1 when an item failed, 4 when locked", async () => {
    const first = await trud(["sync", "341", "58", "101", "--concurrency", "3", "--json"]);
    expect(first.code).toBe(3);
    const report = JSON.parse(first.stdout) as { results: { item: number; status: string }[] };
    expect(report.results.map((r) => r.status)).toEqual(["updated", "updated", "updated"]);
    expect((await trud(["sync", "341", "58", "101"])).code).toBe(0);
    expect((await trud(["sync", "341", "4242"])).code).toBe(1);
    const store = await TrudStore.open({ root: join(dir, "store") });
    const unlock = await store.lock();
    const locked = await trud(["sync", "341"]);
    expect(locked.code).toBe(4);
    expect(locked.stderr).toContain("another sync is running");
    await unlock();
  });
});

describe("trud verify / prune", () => {
  test("verifies a held file, a release id, and notices corruption", async () => {
    const path = (await trud(["download", "58"])).stdout.trim();
    expect((await trud(["verify", path], { env: {} })).stdout).toMatch(/^OK\t/);
    expect((await trud(["verify", "weekly.zip"], { env: {} })).code).toBe(0);
    writeFileSync(path, "tampered");
    const bad = await trud(["verify", path], { env: {} });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^MISMATCH\t/);
    expect((await trud(["verify", "no-such-release"], { env: {} })).code).toBe(1);
  });

  test("verifies a file outside the store against TRUD's list with --item", async () => {
    const path = (await trud(["download", "58"])).stdout.trim();
    const copy = join(dir, "weekly.zip");
    copyFileSync(path, copy);
    const ok = await trud(["verify", copy, "--item", "58"]);
    expect(ok.code).toBe(0);
    writeFileSync(copy, "different");
    expect((await trud(["verify", copy, "--item", "58"])).code).toBe(1);
    expect((await trud(["verify", copy], { env: {} })).code).toBe(2);
  });

  test("prune removes old releases (dry run first)", async () => {
    await trud(["download", "341", "--release", "ods_1.zip"]);
    await trud(["download", "341"]);
    const dry = await trud(["prune", "341", "--keep", "1", "--dry-run"], { env: {} });
    expect(dry.stdout).toContain("would remove");
    expect(dry.stdout).toContain("ods_1.zip");
    const real = await trud(["prune", "341", "--keep", "1", "--json"], { env: {} });
    expect((JSON.parse(real.stdout) as { removed: string[] }).removed).toHaveLength(1);
  });
});
