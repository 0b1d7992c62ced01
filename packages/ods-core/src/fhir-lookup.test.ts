import { describe, expect, test } from "vitest";

import { collect, header, ordRecords } from "../test/fixtures.js";
import { G81086 } from "../test/golden-inputs.js";
import { validationErrors } from "../test/validate.js";
import { OdsCodeCatalogue, defaultCodeCatalogue } from "./code-catalogue.js";
import { englandCodeSystems, odsFhirCodeSystems, toFhirCodeSystem } from "./fhir-codesystem.js";
import { lookupProperties, successionLinks, toLookupParameters } from "./fhir-lookup.js";
import { ODS_FHIR } from "./fhir-urls.js";
import type { OdsCodeSystem } from "./model.js";
import { parseOrdOrganisation } from "./ord-json.js";
import { readOdsXml } from "./xml-reader.js";

const orgs = new Map([...ordRecords()].map(([code, body]) => [code, parseOrdOrganisation(body)]));

describe("successions", () => {
  test("G6V2S has three predecessors (RRP, TAF, RNK) with their dates", () => {
    const links = successionLinks(orgs.get("G6V2S")!);
    expect(links.map((l) => [l.type, l.code])).toEqual([
      ["Predecessor", "RRP"],
      ["Predecessor", "TAF"],
      ["Predecessor", "RNK"],
    ]);
    expect(links.every((l) => /^\d{4}-\d{2}-\d{2}$/.test(l.date ?? ""))).toBe(true);
  });

  test("the twelve real records form a closed graph: every link has its mirror unless the other is refOnly", () => {
    for (const org of orgs.values()) {
      for (const link of successionLinks(org)) {
        const other = orgs.get(link.code);
        expect(other, `${org.code} -> ${link.code}`).toBeDefined();
        if (other!.refOnly) {
          expect(other!.successions).toEqual([]); // refOnly records carry no Succs (upstream-ods.md §1.4)
          continue;
        }
        const back = successionLinks(other!).find((l) => l.code === org.code);
        expect(back?.type).toBe(link.type === "Successor" ? "Predecessor" : "Successor");
      }
    }
  });

  test("a succession recorded twice on one end is reported once", () => {
    const ra9 = orgs.get("RA9")!;
    const twice = { ...ra9, successions: [...ra9.successions, { ...ra9.successions[0]!, uniqueSuccId: 99 }] };
    expect(successionLinks(twice)).toHaveLength(1);
  });
});

describe("$lookup properties (ODT API shape)", () => {
  test("G81086 gives the properties the ODT example shows, with the same codes and values", () => {
    const props = lookupProperties(parseOrdOrganisation(G81086));
    const byCode = (code: string) => props.filter((p) => p.code === code).map((p) => p.value);
    expect(byCode("status")).toEqual([{ valueCode: "active" }]);
    expect(byCode("inactive")).toEqual([{ valueBoolean: false }]);
    expect(byCode("country")).toEqual([{ valueString: "ENGLAND" }]);
    expect(byCode("opStartDate")).toEqual([{ valueDateTime: "1974-04-01" }]);
    expect(byCode("legStartDate")).toEqual([{ valueDateTime: "1974-04-01" }]);
    expect(byCode("uprn")).toEqual([{ valueString: "10091054340" }]);
    expect(byCode("town")).toEqual([{ valueString: "UCKFIELD" }]);
    expect(byCode("postcode")).toEqual([{ valueString: "TN22 5AW" }]);
    expect(byCode("telephone")).toEqual([{ valueString: "01825 763196" }]);
    expect(byCode("name")).toEqual([{ valueString: "BIRD-IN-EYE SURGERY" }]);
    expect(byCode("address1")).toEqual([{ valueString: "UCKFIELD COMMUNITY HOSPITAL" }]);
    expect(byCode("address2")).toEqual([{ valueString: "FRAMFIELD ROAD" }]);
    expect(byCode("lastChangeDate")).toEqual([{ valueDateTime: "2023-08-22" }]);
    expect(byCode("assigningAuth")).toEqual([{ valueString: "NHS BUSINESS SERVICES AUTHORITY" }]);
    expect(byCode("refOnly")).toEqual([{ valueBoolean: false }]);
    expect(byCode("orgRecordClass")).toEqual([
      { valueCoding: { system: ODS_FHIR.csRecordClass, code: "RC1" } },
    ]);
    expect(byCode("role").map((v) => ("valueCoding" in v ? v.valueCoding.code : ""))).toEqual([
      "RO177",
      "RO76",
    ]);
    expect(byCode("primaryRole").map((v) => ("valueCoding" in v ? v.valueCoding.code : ""))).toEqual([
      "RO177",
    ]);
    expect(byCode("RE8")).toEqual([{ valueCode: "U36842" }]); // the current (active) related entity
    expect(byCode("RE4")).toEqual([]); // the RE4 rel is inactive
  });

  test("successors, predecessors and onward succession", () => {
    const chain = new Set(["RRP", "TAF", "RNK", "R1G"]); // codes that have a successor
    const rrp = lookupProperties(orgs.get("RRP")!, { hasSuccessor: (c) => chain.has(c) });
    expect(rrp.filter((p) => p.code === "successor")).toEqual([
      {
        code: "successor",
        value: { valueCode: "G6V2S" },
        subproperty: [{ code: "date", value: { valueDateTime: "2024-11-01" } }],
      },
    ]);
    expect(rrp.find((p) => p.code === "onwardSuccession")?.value).toEqual({ valueBoolean: false });
    const r1g = lookupProperties(orgs.get("R1G")!, { hasSuccessor: (c) => c === "RA9" });
    expect(r1g.find((p) => p.code === "onwardSuccession")?.value).toEqual({ valueBoolean: true });
    expect(lookupProperties(orgs.get("G6V2S")!).filter((p) => p.code === "predecessor")).toHaveLength(3);
  });

  test("toLookupParameters is a valid R4 Parameters resource", () => {
    const params = toLookupParameters(orgs.get("RNK")!, { version: "2026-01-01" });
    expect(params.parameter?.slice(0, 5).map((p) => p.name)).toEqual([
      "code",
      "display",
      "name",
      "system",
      "version",
    ]);
    expect(validationErrors(params)).toEqual([]);
  });
});

describe("ODS code systems as complete FHIR CodeSystems", () => {
  test("roles, relationships and record classes from the reference data, plus the England ones", () => {
    const systems = odsFhirCodeSystems(defaultCodeCatalogue(), { version: "2026-01-01" });
    expect(systems.map((s) => s.url)).toEqual([
      ODS_FHIR.csRecordClass,
      ODS_FHIR.csRole,
      ODS_FHIR.csRelationship,
      ODS_FHIR.csRecordUseType,
      ODS_FHIR.csPeriodType,
      ODS_FHIR.csOdsDateTime,
    ]);
    for (const s of systems) {
      expect(s.content).toBe("complete");
      expect(s.count).toBe(s.concept?.length);
      expect(validationErrors(s)).toEqual([]);
    }
    const roles = systems[1]!;
    expect(roles.count).toBe(137); // 135 concepts in the 2019 header + RO318, RO319
    expect(roles.concept?.find((c) => c.code === "RO197")).toEqual({
      code: "RO197",
      display: "NHS TRUST",
      property: [{ code: "primaryRole", valueBoolean: true }],
    });
    expect(roles.concept?.find((c) => c.code === "RO57")?.property).toEqual([
      { code: "primaryRole", valueBoolean: false },
    ]);
    expect(systems[2]!.concept?.map((c) => c.code)).toEqual([
      "RE2",
      "RE3",
      "RE4",
      "RE5",
      "RE6",
      "RE8",
      "RE10",
    ]);
    expect(systems[0]!.concept).toEqual([
      { code: "RC1", display: "HSCOrg" },
      { code: "RC2", display: "HSCSite" },
    ]);
  });

  test("built from the code systems read from an XML file", async () => {
    const xml = `${header()}\n</HSCOrgRefData:OrgRefData>`;
    const items = await collect(readOdsXml([xml]));
    const read = items.flatMap((i) => (i.kind === "codeSystem" ? [i.codeSystem] : []));
    const systems = odsFhirCodeSystems(OdsCodeCatalogue.from(read));
    expect(systems[1]!.count).toBe(135);
    expect(systems[1]!.concept?.filter((c) => c.property?.[0]?.valueBoolean === true)).toHaveLength(77);
  });

  test("an unknown code system name gives undefined; the England ones match the IG concepts", () => {
    const other: OdsCodeSystem = { name: "Other", oid: "1.2", concepts: [] };
    expect(toFhirCodeSystem(other)).toBeUndefined();
    expect(englandCodeSystems().map((s) => s.concept?.map((c) => c.code))).toEqual([
      ["Full", "RefOnly"],
      ["Legal", "Operational"],
      ["LastChangeDate"],
    ]);
  });
});
