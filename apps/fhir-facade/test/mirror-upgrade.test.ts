import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { MirrorError, loadOdsXmlFile, loadSampleIfEmpty, openMirror } from "@fhir-facade/ods-mirror";
import { afterEach, describe, expect, test } from "vitest";

import { loadConfig } from "../src/config.js";
import { SAMPLE_ODS_XML } from "../src/mirror-setup.js";
import { buildDeps } from "../src/platform/wiring.js";
import { createPlatform } from "../src/platform/platform.js";
import { captureLogs } from "./platform-harness.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A SQLite mirror written by an earlier table layout, holding `release`. */
async function outdatedMirror(release: "sample" | "Full 2026-11-01"): Promise<ReturnType<typeof loadConfig>> {
  const dir = mkdtempSync(join(tmpdir(), "facade-upgrade-"));
  dirs.push(dir);
  const config = loadConfig({ FACADE_DATA_DIR: dir, FACADE_MIRROR_BACKEND: "sqlite" }, { cwd: dir });
  const store = await openMirror({ backend: { kind: "sqlite", path: config.mirror.sqlitePath } });
  if (release === "sample") {
    await loadSampleIfEmpty(store, { samplePath: SAMPLE_ODS_XML });
  } else {
    await loadOdsXmlFile(store, { path: SAMPLE_ODS_XML, release });
  }
  await store.setMeta({ schema_version: "1" });
  await store.close();
  return config;
}

describe("start-up on a mirror built by an earlier table layout", () => {
  test("a mirror holding only the bundled sample is reloaded, with a warning", async () => {
    const config = await outdatedMirror("sample");
    const { lines, logger } = captureLogs(config);
    const deps = await buildDeps({ config, platform: createPlatform({ config, logger }) });
    try {
      expect(await deps.mirror.status()).toMatchObject({ release: "sample", organisations: 400 });
      const page = await deps.mirror.search({
        where: [{ kind: "name", values: [{ match: "contains", value: "hospital" }] }],
        count: 1,
      });
      expect(page.total).toBeGreaterThan(0);
    } finally {
      await deps.close();
    }
    expect(lines.join("")).toContain("reloading the sample");
    const reopened = await openMirror({ backend: { kind: "sqlite", path: config.mirror.sqlitePath } });
    await reopened.close();
  });

  test("a mirror holding real data is refused with the command that reloads it", async () => {
    const config = await outdatedMirror("Full 2026-11-01");
    const { logger } = captureLogs(config);
    const failure = await buildDeps({ config, platform: createPlatform({ config, logger }) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MirrorError);
    expect(failure).toMatchObject({ code: "store-outdated", details: { command: "mirror load --force" } });
  });
});
