import { createWriteStream } from "node:fs";
import { join } from "node:path";

import { fixturePath } from "../ord/fixture-path.js";
import { generateOdsFullFile } from "./full-file.js";
import { writeOdsFullFileZip } from "./full-file-zip.js";
import type { OdsModelOptions } from "./ods-model.js";

/**
 * The options of the checked-in sample (`fixtures/ods-sample.xml` and `.zip`): 400 organisations, the 12
 * real reference records first. The facade's embedded default loads it with no network.
 */
export const ODS_SAMPLE_OPTIONS = {
  seed: 1,
  organisations: 400,
  includeReference: true,
  publicationDate: "2026-11-01",
} as const satisfies OdsModelOptions;

/** Paths of the checked-in sample files. */
export function odsSamplePaths(): { readonly xml: string; readonly zip: string } {
  return { xml: fixturePath("ods-sample.xml"), zip: fixturePath("ods-sample.zip") };
}

/** Writes the sample files (`ods-sample.xml`, `ods-sample.zip`) into `dir` (default: the fixtures folder). */
export async function writeOdsSampleFiles(dir?: string): Promise<{ xml: string; zip: string }> {
  const paths =
    dir === undefined
      ? odsSamplePaths()
      : { xml: join(dir, "ods-sample.xml"), zip: join(dir, "ods-sample.zip") };
  await generateOdsFullFile({ ...ODS_SAMPLE_OPTIONS, out: createWriteStream(paths.xml) });
  await writeOdsFullFileZip({ ...ODS_SAMPLE_OPTIONS, out: createWriteStream(paths.zip) });
  return paths;
}
