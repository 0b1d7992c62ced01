import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type FakeOrd, generateOdsFullFile, startFakeOrd } from "@fhir-facade/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestBackend, testBackends } from "../test/backends.js";
import { odsXml } from "../test/ods-xml.js";
import { loadOdsXml } from "./load.js";
import type { MirrorStore } from "./store.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CHILD = fileURLToPath(new URL("../test/crash-child.ts", import.meta.url));
const NOW = "2026-04-15T09:00:00Z";
const tmp = mkdtempSync(join(tmpdir(), "ods-mirror-crash-"));
const bigFile = join(tmp, "full.xml");

beforeAll(async () => {
  await generateOdsFullFile({ out: createWriteStream(bigFile), organisations: 12_000, seed: 7 });
}, 120_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the child and SIGKILLs it when `when` says so; resolves with the events seen. */
function runAndKill(
  args: string[],
  when: (event: { type: string }) => boolean,
): Promise<{ events: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@fhir-facade/source", CHILD, ...args],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    const events: string[] = [];
    let killed = false;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const event = JSON.parse(line) as { type: string };
      events.push(event.type);
      if (!killed && when(event)) {
        killed = child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (!killed && code !== 0) {
        reject(new Error(`child exited ${code ?? signal ?? "?"}: ${stderr.slice(-2000)}`));
      } else {
        resolve({ events, killed });
      }
    });
  });
}

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "kill -9 on %s",
  (_name, backend: TestBackend) => {
    let store: MirrorStore;
    let ord: FakeOrd;

    beforeAll(async () => {
      store = await backend.open(() => new Date(NOW));
      await loadOdsXml(store, {
        source: [
          odsXml(
            [
              { code: "RNK", name: "OLD NAME OF RNK", role: "RO197" },
              { code: "X1", name: "UNCHANGED" },
            ],
            { publicationDate: "2026-03-31" },
          ),
        ],
        sourceLabel: "baseline",
        release: "baseline",
      });
      ord = await startFakeOrd({ now: () => new Date(NOW) });
    });
    afterAll(async () => {
      await store.close();
      await ord.close();
      await backend.cleanup();
    });

    async function expectIntact(): Promise<void> {
      await store.close();
      store = await backend.open(() => new Date(NOW));
      const report = await store.checkIntegrity();
      expect(report).toMatchObject({ ok: true, problems: [] });
      expect(await store.status()).toMatchObject({ release: "baseline", watermark: "2026-03-31" });
    }

    for (const moment of ["load-progress", "load-indexing"]) {
      test(`during a load (at ${moment}): the previous generation survives whole`, async () => {
        const run = await runAndKill(
          ["load", JSON.stringify(backend.options), bigFile, NOW],
          (e) => e.type === moment,
        );
        expect(run.killed).toBe(true);
        expect(run.events).not.toContain("load-finished");
        await expectIntact();
        expect(await store.status()).toMatchObject({ organisations: 2 });
        expect((await store.read("X1")).kind).toBe("found");
      });
    }

    test("during a sync: no half-written organisation, watermark unmoved, a rerun completes", async () => {
      const slow = ord.server.faults.add({ path: /\/organisations\//, fault: { kind: "latency", ms: 150 } });
      const run = await runAndKill(
        ["sync", JSON.stringify(backend.options), ord.baseUrl, NOW],
        (e) => e.type === "sync-progress",
      );
      slow();
      expect(run.killed).toBe(true);
      expect(run.events).not.toContain("sync-finished");
      await expectIntact();
      const rerun = await runAndKill(
        ["sync", JSON.stringify(backend.options), ord.baseUrl, NOW],
        () => false,
      );
      expect(rerun.events).toContain("sync-finished");
      await store.close();
      store = await backend.open(() => new Date(NOW));
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
      expect((await store.status()).watermark).toBe("2026-04-15");
    });
  },
);
