/**
 * Command line of the ODS full-file generator (run with tsx, or node on the build):
 *
 *   tsx packages/testkit/src/generator/cli.ts --out /tmp/full.xml [--organisations 300000] [--seed 1]
 *       [--include-reference] [--publication-date 2026-11-01] [--revision R] [--zip]
 *   tsx packages/testkit/src/generator/cli.ts --sample        (rewrites fixtures/ods-sample.xml and .zip)
 *
 * `--out -` writes to standard output. A one-line summary goes to standard error.
 */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";

import { generateOdsFullFile } from "./full-file.js";
import { writeOdsFullFileZip } from "./full-file-zip.js";
import { OdsGeneratorError } from "./generator-error.js";
import { createOdsModel } from "./ods-model.js";
import type { OdsModelOptions } from "./ods-model.js";
import { writeOdsSampleFiles } from "./sample.js";

const USAGE =
  "usage: cli.ts --out <file|-> [--organisations N] [--seed S] [--include-reference] " +
  "[--publication-date YYYY-MM-DD] [--revision R] [--zip] | --sample [--dir D]\n";

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: "string" },
      organisations: { type: "string" },
      seed: { type: "string" },
      "include-reference": { type: "boolean" },
      "publication-date": { type: "string" },
      revision: { type: "string" },
      zip: { type: "boolean" },
      sample: { type: "boolean" },
      dir: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.sample === true) {
    const paths = await writeOdsSampleFiles(values.dir);
    process.stderr.write(`wrote ${paths.xml} and ${paths.zip}\n`);
    return 0;
  }
  if (values.out === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const seed =
    values.seed === undefined ? undefined : /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const options: OdsModelOptions = {
    ...(seed === undefined ? {} : { seed }),
    ...(values.organisations === undefined ? {} : { organisations: Number(values.organisations) }),
    ...(values["include-reference"] === true ? { includeReference: true } : {}),
    ...(values["publication-date"] === undefined ? {} : { publicationDate: values["publication-date"] }),
    ...(values.revision === undefined ? {} : { revision: Number(values.revision) }),
  };
  createOdsModel(options); // validates the options before any file is created
  const toStdout = values.out === "-";
  // A file is written under a temporary name and renamed when complete: never a half-written file.
  const partial = `${values.out}.partial`;
  const out: Writable = toStdout ? process.stdout : createWriteStream(partial);
  const started = performance.now();
  try {
    let summary: string;
    if (values.zip === true) {
      await writeOdsFullFileZip({ ...options, out });
      summary = `a zip of ${createOdsModel(options).size} organisations`;
    } else {
      const result = await generateOdsFullFile({ ...options, out, end: !toStdout });
      summary = `${result.organisations} organisations, ${result.bytes} bytes,`;
    }
    if (!toStdout) {
      await rename(partial, values.out);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`wrote ${summary} to ${values.out} in ${seconds} s\n`);
    return 0;
  } catch (err) {
    if (!toStdout) {
      await rm(partial, { force: true });
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message =
      err instanceof OdsGeneratorError
        ? `${err.code}: ${err.message}`
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = 1;
  },
);
