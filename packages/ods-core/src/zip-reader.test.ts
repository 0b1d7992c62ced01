import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { SAMPLE_ODS_XML, SAMPLE_ODS_ZIP, odsFullFileStream } from "@fhir-facade/testkit";
import { afterAll, describe, expect, test } from "vitest";

import { collect, odsXml, ordRecords, ordToXml } from "../test/fixtures.js";
import { zipOf } from "../test/zip-writer.js";
import { OdsError } from "./errors.js";
import type { OdsXmlItem } from "./xml-handler.js";
import { readOdsXml, readOdsXmlFile } from "./xml-reader.js";
import { listOdsZip, odsFileKind, readOdsZip } from "./zip-reader.js";

const tmp = mkdtempSync(join(tmpdir(), "ods-zip-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
const records = ordRecords();
const full = odsXml(
  [...records.values()].map((r) => ordToXml(r)),
  "Full",
);
const archive = odsXml(
  ["RJY", "RCZ"].map((c) => ordToXml(records.get(c)!)),
  "Archive",
);

let n = 0;
function write(bytes: Buffer): string {
  const path = join(tmp, `release-${n++}.zip`);
  writeFileSync(path, bytes);
  return path;
}

function codes(items: OdsXmlItem[]): string[] {
  return items.flatMap((i) => (i.kind === "organisation" ? [i.organisation.code] : []));
}

async function failure(path: string, options = {}): Promise<OdsError> {
  try {
    await collect(readOdsZip(path, options));
  } catch (error) {
    if (error instanceof OdsError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("readOdsZip on TRUD-shaped release zips", () => {
  test.each([
    ["stored", false],
    ["deflated", true],
  ])(
    "nested fullfile.zip / archive.zip (%s inner zips): reads the chosen files without extracting",
    async (_kind, compress) => {
      const release = zipOf([
        ["fullfile.zip", zipOf([["HSCOrgRefData_Full_20260101.xml", full, true]]), compress],
        ["archive.zip", zipOf([["HSCOrgRefData_Archive_20260101.xml", archive, true]]), compress],
        ["readme.txt", "ODS XML release", true],
      ]);
      const path = write(release);
      expect(await listOdsZip(path)).toEqual([
        {
          path: "fullfile.zip!/HSCOrgRefData_Full_20260101.xml",
          kind: "Full",
          uncompressedSize: Buffer.byteLength(full),
        },
        {
          path: "archive.zip!/HSCOrgRefData_Archive_20260101.xml",
          kind: "Archive",
          uncompressedSize: Buffer.byteLength(archive),
        },
      ]);
      const fromZip = await collect(readOdsZip(path));
      expect(fromZip).toEqual(await collect(readOdsXml([full])));
      const both = await collect(readOdsZip(path, { kinds: ["Full", "Archive"] }));
      expect(
        both
          .filter((i) => i.kind === "manifest")
          .map((i) => i.kind === "manifest" && i.manifest.publicationType),
      ).toEqual(["Full", "Archive"]);
      expect(codes(both)).toEqual([...records.keys(), "RJY", "RCZ"]);
    },
  );

  test("an XML file directly in the zip; a generated full file (2,000 organisations)", async () => {
    const chunks: Buffer[] = [];
    for await (const c of odsFullFileStream({ seed: 2, organisations: 2000 })) chunks.push(c as Buffer);
    const path = write(zipOf([["HSCOrgRefData_Full_20261101.xml", Buffer.concat(chunks), true]]));
    const items = await collect(readOdsZip(path));
    expect(codes(items)).toHaveLength(2000);
  });

  test("the testkit's checked-in sample release zip gives the same items as its sample XML", async () => {
    const fromZip = await collect(readOdsZip(SAMPLE_ODS_ZIP));
    expect(codes(fromZip).length).toBeGreaterThan(0);
    expect(fromZip).toEqual(await collect(readOdsXmlFile(SAMPLE_ODS_XML)));
  });

  test("stopping early closes everything (no hang, no error)", async () => {
    const path = write(
      zipOf([["fullfile.zip", zipOf([["HSCOrgRefData_Full_20260101.xml", full, true]]), false]]),
    );
    for await (const item of readOdsZip(path)) {
      if (item.kind === "organisation") break;
    }
    expect(codes(await collect(readOdsZip(path)))).toHaveLength(records.size);
  });

  test("file kinds from names", () => {
    expect(
      [
        "HSCOrgRefData_Full_20260101.xml",
        "x/HSCOrgRefData_Archive_2026.xml",
        "HSCOrgRefData_Delta_1.xml",
        "other.xml",
      ].map(odsFileKind),
    ).toEqual(["Full", "Archive", "Delta", "Other"]);
  });
});

describe("readOdsZip refuses bad input with typed errors", () => {
  test("not a zip, a truncated zip, a missing file", async () => {
    expect((await failure(write(Buffer.from("this is not a zip at all")))).code).toBe("ODS_ZIP_INVALID");
    const good = zipOf([["HSCOrgRefData_Full_20260101.xml", full, true]]);
    expect((await failure(write(good.subarray(0, good.length - 30)))).code).toBe("ODS_ZIP_INVALID");
    expect((await failure(join(tmp, "missing.zip"))).code).toBe("ODS_IO");
  });

  test("a zip with no ODS XML of the chosen kind names what it found", async () => {
    const path = write(
      zipOf([
        ["HSCOrgRefData_Archive_20260101.xml", archive, true],
        ["notes.txt", "x", true],
      ]),
    );
    const error = await failure(path);
    expect(error.code).toBe("ODS_ZIP_INVALID");
    expect(error.message).toContain("HSCOrgRefData_Archive_20260101.xml (Archive)");
  });

  test("malformed XML inside the zip fails with its line and column", async () => {
    const path = write(
      zipOf([["HSCOrgRefData_Full_20260101.xml", full.replace("<Roles>", "<Roles><<"), true]]),
    );
    const error = await failure(path);
    expect(error.code).toBe("ODS_XML_MALFORMED");
    expect(error.details.line).toBeGreaterThan(1);
  });

  test("an entry whose data is corrupt (bad CRC/deflate) is ODS_ZIP_INVALID", async () => {
    const good = zipOf([["HSCOrgRefData_Full_20260101.xml", full, true]]);
    const bad = Buffer.from(good);
    for (let i = 200; i < 400; i++) bad[i] = 0x55; // scribble over the deflate stream
    const error = await failure(write(bad));
    expect(["ODS_ZIP_INVALID", "ODS_XML_MALFORMED"]).toContain(error.code);
  });

  test("a deflated nested zip larger than maxNestedZipBytes is ODS_TOO_LARGE", async () => {
    const path = write(
      zipOf([["fullfile.zip", zipOf([["HSCOrgRefData_Full_20260101.xml", full, false]]), true]]),
    );
    expect((await failure(path, { maxNestedZipBytes: 1000 })).code).toBe("ODS_TOO_LARGE");
  });
});
