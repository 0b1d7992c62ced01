/**
 * Test fixtures: the real ORD records and NHS England examples (copies in the testkit's fixtures), and a writer of
 * ODS XML documents built from the real XML header template plus organisations rendered from real ORD JSON
 * (the ORD JSON is a mechanical rendering of the XML model, upstream-ods.md §3).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { fixturePath } from "@fhir-facade/testkit";

/**
 * The reference data the tests need, copied into the testkit's fixtures (with their provenance in its
 * `SOURCES.md` files), so that the tests run from any clone.
 */
export const ORD_DIR = fixturePath("ods/ord");
export const HEADER_TEMPLATE = fixturePath("ods/xml/HeaderCodeSystems.txt");
export const FHIR_ODS = fixturePath("fhir-ods");
export const IG_EXAMPLES = fixturePath("fhir-ods/ig-examples");

/** Every real ORD organisation record: code → parsed JSON body. */
export function ordRecords(): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const file of readdirSync(ORD_DIR).sort()) {
    if (file.endsWith(".json")) {
      out.set(file.replace(/\.json$/, ""), JSON.parse(readFileSync(join(ORD_DIR, file), "utf8")));
    }
  }
  return out;
}

export function escapeXml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures walk arbitrary ORD JSON
type J = Record<string, any>;

function list(value: unknown): J[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as J[];
}

function attrs(values: Record<string, unknown>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");
}

function dates(value: unknown, indent: string): string {
  return list(value)
    .map(
      (d) =>
        `${indent}<Date><Type value="${d.Type}"/><Start value="${d.Start}"/>${
          d.End === undefined ? "" : `<End value="${d.End}"/>`
        }</Date>\n`,
    )
    .join("");
}

function orgId(o: J): string {
  return `<OrgId${attrs({ root: o.root, assigningAuthorityName: o.assigningAuthorityName, extension: o.extension })}/>`;
}

function target(t: J): string {
  const pr = t.PrimaryRoleId as J | undefined;
  return `<Target>${orgId(t.OrgId)}${
    pr === undefined ? "" : `<PrimaryRoleId${attrs({ id: pr.id, uniqueRoleId: pr.uniqueRoleId })}/>`
  }</Target>`;
}

/** Renders one ORD JSON organisation as an ODS XML `<Organisation>` element. */
export function ordToXml(body: J): string {
  const o = (body.Organisation ?? body) as J;
  const lines: string[] = [];
  lines.push(
    `    <Organisation${attrs({ orgRecordClass: o.orgRecordClass, refOnly: o.refOnly === true ? "true" : undefined })}>`,
  );
  lines.push(`      <Name>${escapeXml(o.Name)}</Name>`);
  lines.push(dates(o.Date, "      ").trimEnd());
  lines.push(`      ${orgId(o.OrgId)}`);
  lines.push(`      <Status value="${o.Status}"/>`);
  lines.push(`      <LastChangeDate value="${o.LastChangeDate}"/>`);
  const loc = o.GeoLoc?.Location as J | undefined;
  if (loc !== undefined) {
    const parts = ["AddrLn1", "AddrLn2", "AddrLn3", "Town", "County", "PostCode", "Country", "UPRN"]
      .filter((k) => loc[k] !== undefined)
      .map((k) => `<${k}>${escapeXml(String(loc[k]))}</${k}>`)
      .join("");
    lines.push(`      <GeoLoc><Location>${parts}</Location></GeoLoc>`);
  }
  const contacts = list(o.Contacts?.Contact);
  if (contacts.length > 0) {
    lines.push(
      `      <Contacts>${contacts.map((c) => `<Contact${attrs({ type: c.type, value: c.value })}/>`).join("")}</Contacts>`,
    );
  }
  const roles = list(o.Roles?.Role);
  if (roles.length > 0) {
    lines.push("      <Roles>");
    for (const r of roles) {
      lines.push(
        `        <Role${attrs({ id: r.id, uniqueRoleId: r.uniqueRoleId, primaryRole: r.primaryRole === true || r.primaryRole === "true" ? "true" : undefined })}>`,
      );
      lines.push(dates(r.Date, "          ").trimEnd());
      lines.push(`          <Status value="${r.Status}"/>`);
      lines.push("        </Role>");
    }
    lines.push("      </Roles>");
  }
  const rels = list(o.Rels?.Rel);
  if (rels.length > 0) {
    lines.push("      <Rels>");
    for (const r of rels) {
      lines.push(`        <Rel${attrs({ id: r.id, uniqueRelId: r.uniqueRelId })}>`);
      lines.push(dates(r.Date, "          ").trimEnd());
      lines.push(`          <Status value="${r.Status}"/>`);
      lines.push(`          ${target(r.Target)}`);
      lines.push("        </Rel>");
    }
    lines.push("      </Rels>");
  }
  const succs = list(o.Succs?.Succ);
  if (succs.length > 0) {
    lines.push("      <Succs>");
    for (const s of succs) {
      lines.push(`        <Succ${attrs({ uniqueSuccId: s.uniqueSuccId })}>`);
      lines.push(dates(s.Date, "          ").trimEnd());
      lines.push(`          <Type>${s.Type}</Type>`);
      lines.push(`          ${target(s.Target)}`);
      lines.push("        </Succ>");
    }
    lines.push("      </Succs>");
  }
  lines.push("    </Organisation>");
  return lines.filter((l) => l !== "").join("\n");
}

/** The real XML header template with its placeholders filled in, ending after `</CodeSystems>`. */
export function header(publicationType = "Full", records = 0): string {
  return readFileSync(HEADER_TEMPLATE, "utf8")
    .replace('PublicationType value="APISync"', `PublicationType value="${publicationType}"`)
    .replaceAll("$DateTime", "2026-01-01T00:00:00")
    .replaceAll("$Date", "2026-01-01")
    .replaceAll("$Records", String(records));
}

/** A complete ODS XML document: real header + the given `<Organisation>` elements. */
export function odsXml(organisations: readonly string[], publicationType = "Full"): string {
  return `${header(publicationType, organisations.length)}\n  <Organisations>\n${organisations.join("\n")}\n  </Organisations>\n</HSCOrgRefData:OrgRefData>\n`;
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
