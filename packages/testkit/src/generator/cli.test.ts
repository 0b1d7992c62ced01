import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, describe, expect, test } from "vitest";

import { createOdsModel } from "./ods-model.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ods-cli-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cliRun(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, ["--import", "tsx", cli, ...args], { cwd: packageDir });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe("generator CLI", { timeout: 180_000 }, () => {
  test("writes a file and a zip", async () => {
    const xml = join(dir, "full.xml");
    const ok = await cliRun(["--out", xml, "--organisations", "120", "--seed", "4", "--include-reference"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/wrote 120 organisations/);
    const text = readFileSync(xml, "utf8");
    expect(text).toContain('<RecordCount value="120" />');
    expect(text.match(/<Organisation /g)).toHaveLength(createOdsModel({ organisations: 120, seed: 4 }).size);
    const zipped = await cliRun(["--out", join(dir, "full.zip"), "--organisations", "120", "--zip"]);
    expect(zipped.code).toBe(0);
    expect(readFileSync(join(dir, "full.zip")).readUInt32LE(0)).toBe(0x04034b50);
  });

  test("bad options fail with a clear message and leave no file behind", async () => {
    for (const args of [
      ["--out", join(dir, "bad1.xml"), "--organisations", "5"],
      ["--out", join(dir, "bad2.xml"), "--organisations", "lots"],
      ["--out", join(dir, "bad3.xml"), "--publication-date", "yesterday"],
    ]) {
      const result = await cliRun(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: INVALID_OPTIONS: /m);
    }
    expect((await cliRun(["--nope"])).code).toBe(1);
    expect((await cliRun([])).code).toBe(2);
    expect(readdirSync(dir).filter((f) => f.startsWith("bad"))).toEqual([]);
    expect(existsSync(join(dir, "bad1.xml.partial"))).toBe(false);
  });
});
