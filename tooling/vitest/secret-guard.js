// @ts-check
/**
 * A vitest setup file (in the shared preset, so it runs for every test file of the workspace): it captures
 * everything a test file writes to stdout and stderr (process streams, raw writes to fd 1/2 such as pino's
 * sonic-boom destination, and the console), and after the file's own hooks have run it fails the file if the
 * output holds a secret (see secret-scan.js). This is the log-capture test over the whole suite: any log line,
 * error print or debug output that leaks a client secret, token, API key, TRUD key or private key fails CI.
 *
 * Output that never reaches a descriptor (a logger writing to memory, a child process's piped output) is fed in
 * through the handle on `globalThis[Symbol.for("@fhir-facade/vitest-config/captured-output")]`
 * ({ record(text), text(), clear() }; the testkit's `feedSecretGuard` wraps it).
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { format } from "node:util";

import { afterAll } from "vitest";

import { findSecrets } from "./secret-scan.js";

const SECRETS_KEY = Symbol.for("@fhir-facade/testkit/secrets");
const OUTPUT_KEY = Symbol.for("@fhir-facade/vitest-config/captured-output");
const PATCHED = Symbol.for("@fhir-facade/vitest-config/console-patched");
const MAX_CAPTURE = 64 * 1024 * 1024;

/** @typedef {{ chunks: string[], size: number, truncated: boolean, text(): string, clear(): void, record(text: string): void }} Capture */

const holder = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (globalThis));

/**
 * @param {Capture} state
 * @param {unknown} data
 */
function record(state, data) {
  if (state.truncated) return;
  const text =
    typeof data === "string"
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8")
        : "";
  if (text === "") return;
  if (state.size + text.length > MAX_CAPTURE) {
    state.truncated = true;
    return;
  }
  state.chunks.push(text);
  state.size += text.length;
}

/**
 * Patches the process streams and the raw descriptor writes (pino's sonic-boom destination writes with
 * fs.write/fs.writeSync) once per worker.
 *
 * @param {Capture} state
 */
function patchStreams(state) {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = /** @type {typeof stream.write} */ (
      (/** @type {unknown} */ chunk, /** @type {any[]} */ ...rest) => {
        record(state, chunk);
        return original(/** @type {any} */ (chunk), ...rest);
      }
    );
  }
  const fsAny = /** @type {Record<string, any>} */ (/** @type {unknown} */ (fs));
  for (const name of ["write", "writeSync"]) {
    const original = fsAny[name];
    fsAny[name] = function (
      /** @type {unknown} */ fd,
      /** @type {unknown} */ data,
      /** @type {any[]} */ ...rest
    ) {
      if (fd === 1 || fd === 2) record(state, data);
      return original.call(this, fd, data, ...rest);
    };
  }
  // So that `import { writeSync } from "node:fs"` sees the patched functions too, not only require("fs").
  syncBuiltinESMExports();
}

/**
 * Patches the console, once per console object (vitest may give each test file its own).
 *
 * @param {Capture} state
 */
function patchConsole(state) {
  const consoleAny = /** @type {Record<string | symbol, any>} */ (/** @type {unknown} */ (console));
  if (consoleAny[PATCHED] === true) return;
  consoleAny[PATCHED] = true;
  for (const name of ["log", "info", "warn", "error", "debug", "trace"]) {
    const original = consoleAny[name];
    if (typeof original !== "function") continue;
    consoleAny[name] = function (/** @type {unknown[]} */ ...args) {
      record(state, `${format(...args)}\n`);
      return original.apply(this, args);
    };
  }
}

/**
 * The capture lives on the global object, not in this module: when the worker evaluates this file again for the
 * next test file, the streams are already patched and keep feeding the same capture.
 *
 * @returns {Capture}
 */
function capture() {
  const existing = /** @type {Capture | undefined} */ (holder[OUTPUT_KEY]);
  if (existing !== undefined) return existing;
  /** @type {Capture} */
  const created = {
    chunks: [],
    size: 0,
    truncated: false,
    text() {
      return this.chunks.join("");
    },
    clear() {
      this.chunks = [];
      this.size = 0;
      this.truncated = false;
    },
    record(text) {
      record(this, text);
    },
  };
  holder[OUTPUT_KEY] = created;
  patchStreams(created);
  return created;
}

const state = capture();
patchConsole(state);

afterAll(() => {
  const secrets = /** @type {Set<string> | undefined} */ (holder[SECRETS_KEY]);
  const findings = findSecrets(state.text(), secrets ?? []);
  if (state.truncated) {
    // Never a silent pass: what was not kept could not be scanned.
    findings.push({ kind: "output over the guard's 64 MiB capture (not scanned)", line: "" });
  }
  state.clear();
  if (findings.length > 0) {
    const lines = findings.map((f) => `  - ${f.kind}: ${f.line}`).join("\n");
    throw new Error(
      `secret-guard: this test file wrote ${findings.length} secret(s) to its output:\n${lines}`,
    );
  }
});
