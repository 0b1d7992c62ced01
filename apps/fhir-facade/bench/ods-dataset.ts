// The 300,000-organisation benchmark data set: the testkit generator's ODS XML full file, loaded into an ODS
// mirror (SQLite). Both are cached under bench/.cache and rebuilt only when missing or incomplete.
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { loadOdsXmlFile, MirrorError, openMirror } from "@fhir-facade/ods-mirror";
import type { MirrorStore } from "@fhir-facade/ods-mirror";
import { generateOdsFullFile } from "@fhir-facade/testkit";

export const ORGANISATIONS = 300_000;
export const CACHE = join(dirname(fileURLToPath(import.meta.url)), ".cache");
export const XML_PATH = join(CACHE, `ods-${ORGANISATIONS}.xml`);
export const DB_PATH = join(CACHE, `ods-${ORGANISATIONS}.sqlite`);
export const SAMPLE_PATH = join(CACHE, `ods-${ORGANISATIONS}-sample.ndjson`);

/** One sampled organisation: its code, stored bytes and search keys. */
export interface SampleOrg {
  readonly code: string;
  readonly json: string;
  readonly name: string;
  readonly postcode: string | undefined;
  readonly roles: readonly string[];
}

/** Makes sure the mirror holds the full data set; returns the open store. */
export async function ensureDataset(log: (line: string) => void): Promise<MirrorStore> {
  mkdirSync(CACHE, { recursive: true });
  if (existsSync(DB_PATH)) {
    const store = await openMirror({ backend: { kind: "sqlite", path: DB_PATH } }).catch((error: unknown) => {
      if (error instanceof MirrorError && error.code === "store-outdated") {
        return undefined; // built by an earlier table layout
      }
      throw error;
    });
    if (
      store !== undefined &&
      (await store.status()).organisations >= ORGANISATIONS &&
      (await answersBenchQueries(store))
    ) {
      return store;
    }
    log(`the cached mirror is incomplete or from an older mirror schema: rebuilding it`);
    await store?.close();
    await rm(DB_PATH, { force: true });
  }
  if (!existsSync(XML_PATH)) {
    log(`generating ${ORGANISATIONS} organisations → ${XML_PATH}`);
    await generateOdsFullFile({ out: createWriteStream(XML_PATH), organisations: ORGANISATIONS, seed: 300 });
  }
  log(`loading the mirror → ${DB_PATH}`);
  const started = performance.now();
  const store = await openMirror({ backend: { kind: "sqlite", path: DB_PATH } });
  await loadOdsXmlFile(store, { path: XML_PATH });
  log(`loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return store;
}

/**
 * Whether a cached mirror still answers the benchmarks' query shapes with the current mirror code (the mirror's
 * schema changes while it is being optimised; a cache built by older code fails here and is rebuilt).
 */
async function answersBenchQueries(store: MirrorStore): Promise<boolean> {
  try {
    await store.search({
      where: [
        { kind: "name", values: [{ match: "contains", value: "surgery" }] },
        { kind: "address", part: "postalcode", values: [{ match: "starts-with", value: "LS1" }] },
        { kind: "role", scope: "any", codes: ["RO177"] },
        { kind: "active", value: true },
      ],
      count: 1,
      total: "accurate",
    });
    await store.read("RR8");
    return true;
  } catch {
    return false;
  }
}

const EXT_ROLE = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole";

/** Samples `size` organisations spread over the whole set (every k-th by code) and writes them as NDJSON. */
export async function sampleOrganisations(store: MirrorStore, size: number): Promise<SampleOrg[]> {
  if (existsSync(SAMPLE_PATH)) {
    const cached = readFileSync(SAMPLE_PATH, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as SampleOrg);
    if (cached.length >= size) {
      return cached.slice(0, size);
    }
  }
  const out: SampleOrg[] = [];
  const total = (await store.status()).organisations;
  const step = Math.max(1, Math.floor(total / size));
  let after: string | undefined;
  for (let offset = 0; offset < total && out.length < size; offset += 1000) {
    // Keyset paging: O(page) per page, where OFFSET would rescan everything before it.
    const page = await store.search({
      where: [],
      count: 1000,
      ...(after === undefined ? {} : { page: { kind: "keyset" as const, after } }),
      total: "none",
    });
    after = page.next;
    page.entries.forEach((entry, i) => {
      if ((offset + i) % step !== 0 || out.length >= size) {
        return;
      }
      const json = Buffer.from(entry.json).toString("utf8");
      const org = JSON.parse(json) as fhir4.Organization;
      const roles = (org.extension ?? [])
        .filter((e) => e.url === EXT_ROLE)
        .flatMap((e) => e.extension ?? [])
        .filter((e) => e.url === "roleCode")
        .flatMap((e) => e.valueCodeableConcept?.coding ?? [])
        .map((c) => c.code ?? "");
      out.push({ code: entry.id, json, name: org.name ?? "", postcode: org.address?.[0]?.postalCode, roles });
    });
    if (after === undefined) {
      break;
    }
  }
  writeFileSync(SAMPLE_PATH, out.map((o) => JSON.stringify(o)).join("\n"));
  return out;
}
