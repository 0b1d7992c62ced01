import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import { odsCodeSystems } from "../ord/code-systems.js";
import { referenceOrganisations } from "../ord/reference-records.js";
import { createOdsModel } from "./ods-model.js";
import { ODS_SAMPLE_OPTIONS, odsSamplePaths, writeOdsSampleFiles } from "./sample.js";
import { child, children, organisationFromXml, parseXml } from "./xml-reader.test-helper.js";
import { escapeAttr, escapeText, ODS_XML_NAMESPACE, organisationXml } from "./xml-writer.js";

const sampleXml = readFileSync(odsSamplePaths().xml, "utf8");
const doc = parseXml(sampleXml);
const root = doc.children[0]!;
const tmp = mkdtempSync(join(tmpdir(), "ods-sample-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe("the checked-in sample file", () => {
  test("has the real layout: root, namespace, Manifest, CodeSystems, Organisations", () => {
    expect(sampleXml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<HSCOrgRefData:OrgRefData ')).toBe(
      true,
    );
    expect(root.name).toBe("HSCOrgRefData:OrgRefData");
    expect(root.attributes["xmlns:HSCOrgRefData"]).toBe(ODS_XML_NAMESPACE);
    expect(root.children.map((c) => c.name)).toEqual(["Manifest", "CodeSystems", "Organisations"]);
    const manifest = child(root, "Manifest")!;
    const value = (name: string) => child(manifest, name)?.attributes.value;
    expect(value("Version")).toBe("2-0-0");
    expect(value("PublicationType")).toBe("Full");
    expect(value("PublicationSource")).toBe("HSCIC");
    expect(value("PublicationDate")).toBe("2026-11-01");
    expect(value("RecordCount")).toBe("400");
    expect(value("ContentDescription")).toBe("HSCOrgRefData_Full_20261101");
    expect(children(child(manifest, "PrimaryRoleScope")!, "PrimaryRole")).toHaveLength(77);
    const systems = children(child(root, "CodeSystems")!, "CodeSystem");
    expect(systems.map((s) => [s.attributes.name, s.attributes.oid, s.children.length])).toEqual([
      ["OrganisationRecordClass", "2.16.840.1.113883.2.1.3.2.4.23", 2],
      ["OrganisationRole", "2.16.840.1.113883.2.1.3.2.4.17.507", odsCodeSystems().roles.length],
      ["OrganisationRelationship", "2.16.840.1.113883.2.1.3.2.4.17.508", 7],
    ]);
  });

  test("its organisations are exactly the model's (XML and ORD JSON describe the same data)", () => {
    const parsed = children(child(root, "Organisations")!, "Organisation").map(organisationFromXml);
    const model = createOdsModel(ODS_SAMPLE_OPTIONS);
    expect(parsed).toHaveLength(400);
    expect(parsed).toEqual([...model.organisations()]);
  });

  test("starts with the real reference records, converted losslessly", () => {
    const parsed = children(child(root, "Organisations")!, "Organisation").map(organisationFromXml);
    const reference = referenceOrganisations();
    expect(parsed.slice(0, reference.length)).toEqual(reference);
    expect(parsed.map((o) => o.OrgId.extension)).toEqual(
      expect.arrayContaining(["RA9", "G6V2S", "FBL", "RJY"]),
    );
  });

  test("is what the generator writes today (regenerate with `tsx src/generator/cli.ts --sample`)", async () => {
    const paths = await writeOdsSampleFiles(tmp);
    expect(readFileSync(paths.xml).equals(readFileSync(odsSamplePaths().xml))).toBe(true);
    expect(readFileSync(paths.zip).equals(readFileSync(odsSamplePaths().zip))).toBe(true);
  });
});

describe("organisationXml", () => {
  test("escapes markup in text and attributes", () => {
    expect(escapeText("A & B <C>")).toBe("A &amp; B &lt;C&gt;");
    expect(escapeAttr('say "hi" & <go>')).toBe("say &quot;hi&quot; &amp; &lt;go&gt;");
    const [ra9] = referenceOrganisations().filter((o) => o.OrgId.extension === "RA9");
    const hostile = {
      ...ra9!,
      Name: `</Name><Evil attr="x">&amp;`,
      Contacts: { Contact: [{ type: "http", value: `"/><x y="` }] },
    };
    const xml = organisationXml(hostile);
    const node = parseXml(xml).children[0]!;
    expect(organisationFromXml(node)).toEqual(hostile);
  });

  test("omits empty sections and marks refOnly skeletons", () => {
    const [rjy] = referenceOrganisations().filter((o) => o.OrgId.extension === "RJY");
    const xml = organisationXml(rjy!);
    expect(xml).toContain('<Organisation orgRecordClass="RC1" refOnly="true">');
    expect(xml).not.toContain("<Rels>");
    expect(xml).not.toContain("<Succs>");
    expect(xml).not.toContain("<Contacts>");
  });
});
