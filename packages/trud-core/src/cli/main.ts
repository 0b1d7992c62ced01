#!/usr/bin/env node
/**
 * The `trud` command's entry point: the only file of trud-core that reads the environment and writes to the
 * process's streams (see eslint.config.js). Everything else is in run.ts and the library.
 */
import { runTrudCommand } from "./run.js";

const { TRUD_API_KEY, TRUD_API_KEY_FILE, TRUD_STORE_DIR, TRUD_BASE_URL } = process.env;

process.exitCode = await runTrudCommand({
  argv: process.argv.slice(2),
  env: { TRUD_API_KEY, TRUD_API_KEY_FILE, TRUD_STORE_DIR, TRUD_BASE_URL },
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stderr.isTTY,
});
