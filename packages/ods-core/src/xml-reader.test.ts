import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import { collect, header, odsXml, ordRecords, ordToXml } from "../test/fixtures.js";
import { defaultCodeCatalogue } from "./code-catalogue.js";
import { OdsError } from "./errors.js";
import type { OdsOrganisation } from "./model.js";
import { parseOrdOrganisation } from "./ord-json.js";
import { REFERENCE_CODE_SYSTEMS } from "./reference-code-systems.js";
import type { OdsWarning } from "./warnings.js";
import type { OdsXmlItem } from "./xml-handler.js";
import { readOdsXml, readOdsXmlFile } from "./xml-reader.js";

const records = ordRecords();
const tmp = mkdtempSync(join(tmpdir(), "ods-xml-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function chunks(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function organisations(items: OdsXmlItem[]): OdsOrganisation[] {
  return items.flatMap((i) => (i.kind === "organisation" ? [i.organisation] : []));
}

async function failure(xml: string, options = {}): Promise<OdsError> {
  try {
    await collect(readOdsXml([xml], options));
  } catch (error) {
    if (error instanceof OdsError) return error;
    throw error;
  }
  throw new Error("expected the read to fail");
}

describe("readOdsXml on a document built from the real header and the real ORD records", () => {
  const xml = odsXml([...records.values()].map((r) => ordToXml(r)));

  test("yields the manifest, the three code systems, then every organisation in order", async () => {
    const items = await collect(readOdsXml([xml]));
    expect(items.map((i) => i.kind).slice(0, 4)).toEqual([
      "manifest",
      "codeSystem",
      "codeSystem",
      "codeSystem",
    ]);
    const manifest = items[0]?.kind === "manifest" ? items[0].manifest : undefined;
    expect(manifest).toMatchObject({
      version: "2-0-0",
      publicationType: "Full",
      publicationSource: "HSCIC",
      publicationDate: "2026-01-01",
      recordCount: records.size,
    });
    expect(manifest?.primaryRoleScope).toHaveLength(77);
    expect(manifest?.primaryRoleScope[0]).toEqual({ id: "RO198", displayName: "NHS TRUST SITE" });
    expect(organisations(items).map((o) => o.code)).toEqual([...records.keys()]);
  });

  test("code systems equal the generated reference data (roles flagged primary from PrimaryRoleScope)", async () => {
    const items = await collect(readOdsXml([xml]));
    const systems = items.flatMap((i) => (i.kind === "codeSystem" ? [i.codeSystem] : []));
    expect(systems).toEqual(REFERENCE_CODE_SYSTEMS);
  });

  test("every organisation equals the model parsed from its ORD JSON", async () => {
    const orgs = organisations(await collect(readOdsXml([xml])));
    for (const org of orgs) {
      expect(org).toEqual(parseOrdOrganisation(records.get(org.code)));
    }
  });

  test("gives the same result whatever the chunking (1, 7, 4096 bytes)", async () => {
    const whole = await collect(readOdsXml([xml]));
    for (const size of [1, 7, 4096]) {
      expect(await collect(readOdsXml(chunks(xml, size)))).toEqual(whole);
    }
  });

  test("reads from a file", async () => {
    const path = join(tmp, "HSCOrgRefData_Full_20260101.xml");
    writeFileSync(path, xml);
    const items = await collect(readOdsXmlFile(path));
    expect(organisations(items)).toHaveLength(records.size);
  });

  test("a missing file is an ODS_IO error", async () => {
    await expect(collect(readOdsXmlFile(join(tmp, "nope.xml")))).rejects.toMatchObject({
      name: "OdsError",
      code: "ODS_IO",
    });
  });

  test("archive and delta publication types are read the same way", async () => {
    for (const type of ["Archive", "Delta"]) {
      const items = await collect(readOdsXml([odsXml([ordToXml(records.get("RJY")!)], type)]));
      expect(items[0]).toMatchObject({ kind: "manifest", manifest: { publicationType: type } });
      expect(organisations(items).map((o) => o.code)).toEqual(["RJY"]);
    }
  });

  test("unknown role codes raise warnings (not errors) when a catalogue is given", async () => {
    const warnings: OdsWarning[] = [];
    const fbl = ordToXml(records.get("FBL")!).replace('id="RO111"', 'id="RO9999"');
    const orgs = organisations(
      await collect(
        readOdsXml([odsXml([fbl])], {
          catalogue: defaultCodeCatalogue(),
          onWarning: (w) => warnings.push(w),
        }),
      ),
    );
    expect(orgs[0]?.roles[0]?.id).toBe("RO9999");
    expect(warnings).toEqual([
      expect.objectContaining({
        code: "UNKNOWN_ROLE",
        organisation: "FBL",
        field: "Roles.Role[0].id",
        value: "RO9999",
      }),
    ]);
  });
});

describe("readOdsXml refuses hostile and malformed input", () => {
  test("XXE: an external entity in a DTD is refused, the file is never read", async () => {
    const secret = join(tmp, "secret.txt");
    writeFileSync(secret, "TOP SECRET");
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://${secret}">]>\n<HSCOrgRefData:OrgRefData xmlns:HSCOrgRefData="http://refdata.hscic.gov.uk/org/v2-0-0"><Manifest><Version value="&xxe;"/></Manifest></HSCOrgRefData:OrgRefData>`;
    const error = await failure(xml);
    expect(error.code).toBe("ODS_XML_MALFORMED");
    expect(error.message).toContain("DTD");
    expect(error.details.line).toBe(2);
    expect(error.message).not.toContain("TOP SECRET");
  });

  test("entity bomb (billion laughs) is refused without expansion", async () => {
    const defs = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? `<!ENTITY lol0 "lol">` : `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`,
    ).join("");
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [${defs}]><lolz>&lol9;</lolz>`;
    const error = await failure(xml);
    expect(error.code).toBe("ODS_XML_MALFORMED");
  });

  test("an undefined entity reference without a DTD fails with its position", async () => {
    const xml = `${header()}\n<Organisations><Organisation orgRecordClass="RC1"><Name>A &bomb; B</Name></Organisation></Organisations></HSCOrgRefData:OrgRefData>`;
    const error = await failure(xml);
    expect(error.code).toBe("ODS_XML_MALFORMED");
    expect(error.details.line).toBeGreaterThan(200);
    expect(error.details.column).toBeGreaterThan(0);
  });

  test("a tag left open fails with line and column", async () => {
    const xml = `<HSCOrgRefData:OrgRefData xmlns:HSCOrgRefData="http://refdata.hscic.gov.uk/org/v2-0-0">\n  <Manifest>\n    <Version value="2-0-0">\n  </Manifest>`;
    const error = await failure(xml);
    expect(error).toMatchObject({ name: "OdsError", code: "ODS_XML_MALFORMED" });
    expect(error.details).toMatchObject({ line: 4 });
    expect(error.message).toMatch(/line 4, column \d+/);
  });

  test("truncated documents fail", async () => {
    const xml = odsXml([ordToXml(records.get("RA9")!)]);
    const error = await failure(xml.slice(0, Math.floor(xml.length * 0.9)));
    expect(error.code).toBe("ODS_XML_MALFORMED");
  });

  test("a document that is not ODS XML is ODS_XML_UNSUPPORTED", async () => {
    expect((await failure("<html><body/></html>")).code).toBe("ODS_XML_UNSUPPORTED");
    expect(
      (await failure(header().replace('2-0-0" />', '3-0-0" />') + "</HSCOrgRefData:OrgRefData>")).code,
    ).toBe("ODS_XML_UNSUPPORTED");
  });

  test("empty input and garbage are ODS_XML_MALFORMED", async () => {
    expect((await failure("")).code).toBe("ODS_XML_MALFORMED");
    expect((await failure("\u0000\u0001garbage")).code).toBe("ODS_XML_MALFORMED");
  });

  test("invalid UTF-8 is ODS_XML_MALFORMED", async () => {
    const bytes = Buffer.concat([Buffer.from(header()), Buffer.from([0xff, 0xfe, 0xfd])]);
    await expect(collect(readOdsXml([bytes]))).rejects.toMatchObject({ code: "ODS_XML_MALFORMED" });
  });

  test("invalid UTF-8 fails at the line and column of the bad byte, whatever the chunking", async () => {
    const xml = odsXml([ordToXml(records.get("RJY")!)]);
    const at = xml.indexOf("<Name>") + "<Name>".length;
    const before = xml.slice(0, at).split("\n");
    const expected = { line: before.length, column: before.at(-1)!.length + 1 };
    // 0xC3 0x28: a two-byte lead followed by an ASCII byte.
    const bytes = Buffer.concat([
      Buffer.from(xml.slice(0, at)),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(xml.slice(at)),
    ]);
    for (const size of [1, 3, 4096, bytes.length]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      const error = await collect(readOdsXml(parts)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `chunks of ${size}`).toMatchObject({ code: "ODS_XML_MALFORMED", details: expected });
      expect((error as OdsError).message).toContain(
        `invalid UTF-8 (line ${expected.line}, column ${expected.column})`,
      );
    }
  });

  test("multi-byte characters split between chunks, and a byte order mark, decode as in one piece", async () => {
    const name = "CAFÉ € ŴALES 😀 ĀŁ";
    const xml = odsXml([ordToXml(records.get("RJY")!)]).replace(
      /<Name>[^<]*<\/Name>/,
      `<Name>${name}</Name>`,
    );
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]);
    const whole = await collect(readOdsXml([xml]));
    expect(organisations(whole)[0]?.name).toBe(name);
    for (const size of [1, 2, 3, 5, bytes.length]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      expect(await collect(readOdsXml(parts)), `chunks of ${size}`).toEqual(whole);
    }
  });

  test("UTF-8 cut short at the end of the input is ODS_XML_MALFORMED", async () => {
    const bytes = Buffer.concat([Buffer.from(odsXml([])), Buffer.from([0xe2, 0x82])]);
    await expect(collect(readOdsXml([bytes]))).rejects.toMatchObject({ code: "ODS_XML_MALFORMED" });
  });

  test("an oversized value is ODS_TOO_LARGE", async () => {
    const xml = odsXml([
      `<Organisation orgRecordClass="RC1"><Name>${"A".repeat(70_000)}</Name></Organisation>`,
    ]);
    expect((await failure(xml)).code).toBe("ODS_TOO_LARGE");
  });

  test("an organisation without OrgId fails naming the field and its line", async () => {
    const bad = ordToXml(records.get("RJY")!).replace(/<OrgId[^>]*\/>/, "");
    const error = await failure(odsXml([bad]));
    expect(error.code).toBe("ODS_INVALID_RECORD");
    expect(error.details.field).toBe("OrgId");
    expect(error.details.line).toBeGreaterThan(200);
  });

  test("a date that is not a date names the organisation and field", async () => {
    const bad = ordToXml(records.get("RJY")!).replace(
      'LastChangeDate value="',
      'LastChangeDate value="2023-02-30',
    );
    const error = await failure(odsXml([bad]));
    expect(error).toMatchObject({
      code: "ODS_INVALID_RECORD",
      details: { organisation: "RJY", field: "LastChangeDate" },
    });
  });

  test("invalidRecords: warn skips the bad record and keeps going", async () => {
    const warnings: OdsWarning[] = [];
    const bad = ordToXml(records.get("RJY")!).replace('orgRecordClass="RC1"', 'orgRecordClass="RC9"');
    const items = await collect(
      readOdsXml([odsXml([bad, ordToXml(records.get("FBL")!)])], {
        invalidRecords: "warn",
        onWarning: (w) => warnings.push(w),
      }),
    );
    expect(organisations(items).map((o) => o.code)).toEqual(["FBL"]);
    expect(warnings).toEqual([
      expect.objectContaining({ code: "INVALID_RECORD", organisation: "RJY", field: "orgRecordClass" }),
    ]);
  });

  test("a missing Status is derived from the operational dates with a warning", async () => {
    const warnings: OdsWarning[] = [];
    const noStatus = ordToXml(records.get("RA9")!).replace(/\n {6}<Status value="Active"\/>/, "");
    const [org] = organisations(
      await collect(readOdsXml([odsXml([noStatus])], { onWarning: (w) => warnings.push(w) })),
    );
    expect(org?.status).toBe("Active");
    expect(warnings).toEqual([
      expect.objectContaining({ code: "MISSING_STATUS", organisation: "RA9", field: "Status" }),
    ]);
  });
});
