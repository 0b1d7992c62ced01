/**
 * The XML reader on the testkit's generated full file gives the same model as the ORD JSON of the same
 * organisations (the generator renders each organisation both ways), and every resource produced validates.
 */
import { createOdsModel, odsFullFileStream } from "@fhir-facade/testkit";
import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { validationErrors } from "../test/validate.js";
import { OdsCodeCatalogue } from "./code-catalogue.js";
import { OdsError } from "./errors.js";
import { toFhirAffiliations } from "./fhir-affiliation.js";
import { toFhirOrganization } from "./fhir-organization.js";
import type { OdsCodeSystem } from "./model.js";
import { parseOrdOrganisation } from "./ord-json.js";
import type { OdsWarning } from "./warnings.js";
import { readOdsXml } from "./xml-reader.js";

const SIZE = 4000;

describe("readOdsXml on the testkit's generated full file", { timeout: 120_000 }, () => {
  test(`${SIZE} organisations (real reference records first): XML model === ORD JSON model`, async () => {
    const options = { seed: 7, organisations: SIZE, includeReference: true };
    const model = createOdsModel(options);
    const warnings: OdsWarning[] = [];
    const systems: OdsCodeSystem[] = [];
    let i = 0;
    for await (const item of readOdsXml(odsFullFileStream(options), { onWarning: (w) => warnings.push(w) })) {
      if (item.kind === "manifest") {
        expect(item.manifest).toMatchObject({ version: "2-0-0", publicationType: "Full", recordCount: SIZE });
      } else if (item.kind === "codeSystem") {
        systems.push(item.codeSystem);
      } else {
        const json = model.organisation(i);
        expect(item.organisation, json.OrgId.extension).toEqual(parseOrdOrganisation({ Organisation: json }));
        i++;
      }
    }
    expect(i).toBe(SIZE);
    expect(systems.map((s) => s.name)).toEqual([
      "OrganisationRecordClass",
      "OrganisationRole",
      "OrganisationRelationship",
    ]);
    expect(warnings).toEqual([]);
  });

  test("every generated organisation maps to FHIR that validates (first 250), no unknown codes", async () => {
    const options = { seed: 11, organisations: 250 };
    const warnings: OdsWarning[] = [];
    let catalogue: OdsCodeCatalogue | undefined;
    const systems: OdsCodeSystem[] = [];
    let n = 0;
    for await (const item of readOdsXml(odsFullFileStream(options))) {
      if (item.kind === "codeSystem") {
        systems.push(item.codeSystem);
        continue;
      }
      if (item.kind !== "organisation") continue;
      catalogue ??= OdsCodeCatalogue.from(systems);
      const org = item.organisation;
      const resource = toFhirOrganization(org, { catalogue, onWarning: (w) => warnings.push(w) });
      expect(validationErrors(resource), org.code).toEqual([]);
      for (const a of toFhirAffiliations(org, { catalogue })) expect(validationErrors(a), a.id).toEqual([]);
      n++;
    }
    expect(n).toBe(250);
    expect(warnings).toEqual([]);
  });
});

describe(
  "fuzzing (fast-check): the XML reader only yields items or throws OdsError",
  { timeout: 120_000 },
  () => {
    const base = (async () => {
      const chunks: Buffer[] = [];
      for await (const c of odsFullFileStream({ seed: 3, organisations: 40, includeReference: true })) {
        chunks.push(c as Buffer);
      }
      return Buffer.concat(chunks).toString("utf8");
    })();

    async function readAll(xml: string | Buffer): Promise<void> {
      try {
        for await (const item of readOdsXml([xml])) {
          expect(["manifest", "codeSystem", "organisation"]).toContain(item.kind);
        }
      } catch (error) {
        if (!(error instanceof OdsError)) throw error;
      }
    }

    test("mutations of a real generated file (splice random text at a random place)", async () => {
      const xml = await base;
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.nat({ max: 40 }),
          fc.string({ maxLength: 30 }),
          async (at, del, insert) => {
            const i = at % xml.length;
            await readAll(xml.slice(0, i) + insert + xml.slice(i + del));
          },
        ),
        { numRuns: 400 },
      );
    });

    test("random bytes and random XML-ish text", async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), async (bytes) => {
          await readAll(Buffer.from(bytes));
        }),
        { numRuns: 300 },
      );
      const token = fc.constantFrom(
        "<",
        ">",
        "/",
        "=",
        '"',
        "&",
        ";",
        "Organisation",
        "OrgRefData",
        "<!DOCTYPE",
        "<![CDATA[",
        "]]>",
        " ",
        "value",
        "&#0;",
        "&#x10FFFF;",
        "\u0000",
      );
      await fc.assert(
        fc.asyncProperty(fc.array(token, { maxLength: 60 }), async (parts) => {
          await readAll(parts.join(""));
        }),
        { numRuns: 300 },
      );
    });
  },
);
