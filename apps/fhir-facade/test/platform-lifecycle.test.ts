import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { feedSecretGuard } from "@fhir-facade/testkit";
import { afterEach, describe, expect, test } from "vitest";

import { drain } from "../src/platform/server.js";
import { API_KEYS_JSON, KEYS, startPlatform } from "./platform-harness.js";

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const tsx = join(appDir, "..", "..", "node_modules", ".bin", "tsx");
const tmp = mkdtempSync(join(tmpdir(), "facade-lifecycle-"));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null) {
      c.kill("SIGKILL");
    }
  }
});

function start(env: Record<string, string>): {
  child: ChildProcess;
  exit: Promise<Exit>;
  output: () => string;
} {
  const child = spawn(tsx, ["--conditions=@fhir-facade/source", "src/main.ts"], {
    cwd: appDir,
    env: {
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      FACADE_DATA_DIR: join(tmp, "data"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  // The real process's logs and messages are scanned by the suite-wide secret guard too.
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    feedSecretGuard(d.toString());
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    feedSecretGuard(d.toString());
  });
  const exit = new Promise<Exit>((resolve) => {
    child.on("exit", (code) => {
      // Let the pipes drain.
      setTimeout(() => {
        resolve({ code, stdout, stderr });
      }, 50);
    });
  });
  return { child, exit, output: () => stdout };
}

async function baseUrl(output: () => string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const m = /facade: (http:\/\/127\.0\.0\.1:\d+)\/fhir/.exec(output());
    if (m?.[1] !== undefined) {
      return m[1];
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`facade did not start: ${output()}`);
}

// Each test starts the real main.ts through tsx: slow on a busy 2-core machine, hence the long timeout.
describe("start-up failures: a clear message and an exit code", { timeout: 120_000 }, () => {
  test("invalid configuration: exit 78 with every problem named", async () => {
    const { exit } = start({ FACADE_PORT: "http", FACADE_AUTH: "maybe", FACADE_API_KEYS: "[" });
    const { code, stderr } = await exit;
    expect(code).toBe(78);
    expect(stderr).toContain("FACADE_PORT: expected a whole number");
    expect(stderr).toContain("FACADE_AUTH: expected one of auto, on, off");
    expect(stderr).toContain("FACADE_API_KEYS: not valid JSON");
  });

  test("a non-loopback address with authentication off refuses to start (exit 78) before listening", async () => {
    const { exit } = start({ FACADE_HOST: "0.0.0.0", FACADE_PORT: "0" });
    const { code, stderr, stdout } = await exit;
    expect(code).toBe(78);
    expect(stderr).toContain("FACADE_ALLOW_UNAUTHENTICATED=true");
    expect(stdout).not.toContain("facade: http");
  });

  test("the port is taken: exit 69 naming the port", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await start({ FACADE_PORT: String(port) }).exit;
      expect(code).toBe(69);
      expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => {
        blocker.close(() => {
          resolve();
        });
      });
    }
  });

  test("the data directory is not writable: exit 73 naming it", async () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "");
    const { code, stderr } = await start({ FACADE_PORT: "0", FACADE_DATA_DIR: join(file, "data") }).exit;
    expect(code).toBe(73);
    expect(stderr).toContain(`data directory ${join(file, "data")} is not writable`);
  });
});

describe("running and stopping", { timeout: 120_000 }, () => {
  test("serves with auth on, then SIGTERM: stops accepting, exits 0, and the logs hold no secret", async () => {
    const secret = "client-secret-for-lifecycle-Xx9";
    const run = start({
      FACADE_PORT: "0",
      FACADE_API_KEYS: API_KEYS_JSON,
      FACADE_TERMINOLOGY_CLIENT_ID: "facade",
      FACADE_TERMINOLOGY_CLIENT_SECRET: secret,
      FACADE_TRUD_API_KEY: "trud-key-for-lifecycle-Yy8",
    });
    const base = await baseUrl(run.output);
    expect((await fetch(`${base}/fhir/Organization?name=x`)).status).toBe(401);
    expect(
      (await fetch(`${base}/fhir/Organization?name=x`, { headers: { "x-api-key": KEYS.reader } })).status,
    ).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    const { code, stdout, stderr } = await run.exit;
    expect(code).toBe(0);
    expect(stdout).toContain('"msg":"shutting down"');
    expect(stdout).toContain('"clean":true');
    for (const s of [secret, "trud-key-for-lifecycle-Yy8", KEYS.reader]) {
      expect(stdout + stderr).not.toContain(s);
    }
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  test("pnpm demo style: loopback with auth off starts and answers", async () => {
    const run = start({ FACADE_PORT: "0" });
    const base = await baseUrl(run.output);
    expect((await fetch(`${base}/fhir/metadata`)).status).toBe(200);
    run.child.kill("SIGINT");
    expect((await run.exit).code).toBe(0);
  });
});

async function untilInFlight(platform: { readonly inFlight: number }): Promise<void> {
  while (platform.inFlight === 0) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("drain (graceful shutdown of the HTTP side)", () => {
  test("in-flight requests finish within the deadline; new connections are refused", async () => {
    const app = await startPlatform({});
    const slow = fetch(`${app.base}/fhir/slow/300`);
    await untilInFlight(app.platform);
    app.platform.beginShutdown();
    const drained = drain(app.server, { deadlineMs: 5000, inFlight: () => app.platform.inFlight });
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    expect(await drained).toBe(true);
    await expect(fetch(`${app.base}/healthz`)).rejects.toThrow();
  });

  test("requests still running at the deadline are cut and drain reports it", async () => {
    const app = await startPlatform({});
    const slow = fetch(`${app.base}/fhir/slow/5000`).catch((err: unknown) => err);
    await untilInFlight(app.platform);
    const clean = await drain(app.server, { deadlineMs: 200, inFlight: () => app.platform.inFlight });
    expect(clean).toBe(false);
    expect(await slow).toBeInstanceOf(Error);
  });
});
