#!/usr/bin/env node
// The only file with side effects: read configuration, build the dependencies, listen, handle signals.
//
// Exit codes (sysexits.h): 0 clean shutdown · 1 unexpected error or shutdown deadline exceeded ·
// 69 cannot listen (port taken, address not local) · 73 data directory not writable · 78 invalid configuration.
import { createApp } from "./app.js";
import { runMirrorCli } from "./cli/mirror.js";
import { ConfigError, loadConfig } from "./config.js";
import type { Config } from "./config.js";
import { createPlatform } from "./platform/platform.js";
import { StartupError, createHttpServer, drain, ensureWritableDir, listen } from "./platform/server.js";
import { buildDeps } from "./platform/wiring.js";

const EXIT = { ok: 0, failure: 1, unavailable: 69, cantCreate: 73, config: 78 } as const;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`fhir-facade: ${err.message}\n`);
      process.exit(EXIT.config);
    }
    throw err;
  }

  // `fhir-facade mirror load|sync|status ...`: the mirror command, with the same configuration as the server.
  const argv = process.argv.slice(2);
  if (argv[0] === "mirror") {
    const code = await runMirrorCli(argv.slice(1), {
      config,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    process.exit(code);
  }

  const platform = createPlatform({ config });
  const { logger } = platform;
  for (const warning of config.warnings) {
    logger.warn(warning);
  }
  try {
    ensureWritableDir(config.dataDir);
  } catch (err) {
    if (err instanceof StartupError) {
      logger.fatal({ code: err.code }, err.message);
      process.stderr.write(`fhir-facade: ${err.message}\n`);
      logger.flush();
      process.exit(EXIT.cantCreate);
    }
    throw err;
  }

  let deps;
  try {
    deps = await buildDeps({ config, platform });
  } catch (err) {
    // Opening or first loading the mirror failed (bad database URL, unreadable baseline file...).
    logger.fatal({ err }, "cannot open the ODS mirror");
    process.stderr.write(
      `fhir-facade: cannot open the ODS mirror: ${err instanceof Error ? err.message : "error"}\n`,
    );
    logger.flush(() => process.exit(EXIT.unavailable));
    return;
  }
  const app = createApp({ config, platform, ...deps.app });
  const server = createHttpServer(app, config.limits);
  try {
    const address = await listen(server, config.port, config.host);
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    logger.info(
      { host: address.address, port: address.port, auth: config.auth.enabled ? "on" : "off" },
      "listening",
    );
    process.stdout.write(`facade: http://${host}:${address.port}/fhir\n`);
    deps.startSync();
  } catch (err) {
    if (err instanceof StartupError) {
      logger.fatal({ code: err.code }, err.message);
      process.stderr.write(`fhir-facade: ${err.message}\n`);
      await deps.close();
      logger.flush();
      process.exit(EXIT.unavailable);
    }
    throw err;
  }

  const exitAfterFlush = (code: number): void => {
    logger.flush(() => process.exit(code));
  };
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      logger.flush();
      process.exit(EXIT.failure);
    }
    stopping = true;
    logger.info(
      { signal, inFlight: platform.inFlight, deadlineMs: config.shutdownTimeoutMs },
      "shutting down",
    );
    platform.beginShutdown();
    drain(server, { deadlineMs: config.shutdownTimeoutMs, inFlight: () => platform.inFlight })
      .then(async (clean) => {
        // Then the sync timer, the gateway, Redis and the store, in reverse order of creation.
        await deps.close();
        logger.info({ clean }, clean ? "stopped" : "stopped; in-flight requests were cut at the deadline");
        exitAfterFlush(clean ? EXIT.ok : EXIT.failure);
      })
      .catch((err: unknown) => {
        logger.error({ err }, "error during shutdown");
        exitAfterFlush(EXIT.failure);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `fhir-facade: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(EXIT.failure);
});
