#!/usr/bin/env node
// @ts-check
// `pnpm demo`: starts the testkit's fake ORD, TRUD and Terminology Server, then the facade (its built
// dist/main.js) wired to them on loopback, with no NHS credentials. Prints one line per service, the facade's
// FHIR base first. Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { startFakes, SAMPLE_ODS_XML } = await import(join(root, "packages/testkit/dist/index.js"));

const fakes = await startFakes();
const dataDir = mkdtempSync(join(tmpdir(), "fhir-facade-demo-"));
const tx = fakes.terminology;

const child = spawn(process.execPath, [join(root, "apps/fhir-facade/dist/main.js")], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  env: {
    ...process.env,
    FACADE_HOST: "127.0.0.1",
    FACADE_PORT: process.env.FACADE_PORT ?? "0",
    FACADE_DATA_DIR: dataDir,
    FACADE_LOG_LEVEL: process.env.FACADE_LOG_LEVEL ?? "warn",
    FACADE_MIRROR_BASELINE_FILE: SAMPLE_ODS_XML,
    FACADE_ORD_BASE_URL: fakes.ord.baseUrl,
    FACADE_MIRROR_SYNC_INTERVAL_S: "60",
    FACADE_TRUD_BASE_URL: `${fakes.trud.url}/trud/api/v1`,
    FACADE_TRUD_API_KEY: fakes.trudApiKey,
    FACADE_TERMINOLOGY_BASE_URL: tx.fhirBase,
    FACADE_TERMINOLOGY_TOKEN_URL: tx.keycloakTokenUrl,
    FACADE_TERMINOLOGY_CLIENT_ID: tx.credentials.keycloak.clientId,
    FACADE_TERMINOLOGY_CLIENT_SECRET: tx.credentials.keycloak.clientSecret,
    FACADE_TERMINOLOGY_AUTH_METHOD: "client_secret_post",
  },
});

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  child.kill("SIGTERM");
  await fakes.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));
child.once("exit", (code) => {
  if (!shuttingDown) {
    process.stderr.write(`facade exited (${code ?? "signal"})\n`);
    void shutdown(code ?? 1);
  }
});

const lines = createInterface({ input: /** @type {NodeJS.ReadableStream} */ (child.stdout) });
let announced = false;
lines.on("line", (line) => {
  if (!announced && line.startsWith("facade: ")) {
    announced = true;
    process.stdout.write(`${line}\n`);
    for (const l of fakes.describe()) process.stdout.write(`${l}\n`);
    const base = line.slice(8);
    /** @type {[string, string][]} */
    const tries = [
      [`${base}/metadata`, "the CapabilityStatement"],
      [`${base}/Organization/RRP`, "a read from the mirror (loaded from the sample file)"],
      [`${base}/Organization?name:contains=leeds&active=true&_count=5`, "a search"],
      [`${base}/Organization?_id=RRP&_revinclude=Organization:partof&_format=xml`, "XML, with the sites"],
      [
        `${base}/CodeSystem/$lookup?system=https://fhir.nhs.uk/Id/ods-organization-code&code=RRP`,
        "answered locally",
      ],
      [
        `${base}/CodeSystem/$lookup?system=http://snomed.info/sct&code=291446002`,
        "through the terminology gateway",
      ],
    ];
    process.stdout.write(
      `try (Ctrl-C stops):\n${tries.map(([url, what]) => `  curl '${url}'   # ${what}`).join("\n")}\n`,
    );
  } else if (announced || !line.startsWith("facade: ")) {
    process.stderr.write(`${line}\n`);
  }
});
