import { CODE_SYSTEM_OIDS, odsCodeSystems } from "../ord/code-systems.js";
import type { OdsConcept } from "../ord/code-systems.js";
import type { OrdDate, OrdLocation, OrdOrganisation, OrdTarget } from "../ord/ord-types.js";

/** The namespace of the ODS XML full file (HSCOrgRefData 2-0-0). */
export const ODS_XML_NAMESPACE = "http://refdata.hscic.gov.uk/org/v2-0-0";

/** Escapes text content. */
export function escapeText(value: string): string {
  return /[&<>]/.test(value)
    ? value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    : value;
}

/** Escapes an attribute value (double-quoted). */
export function escapeAttr(value: string): string {
  return /[&<>"]/.test(value)
    ? value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    : value;
}

/** The Manifest values of one file. */
export interface ManifestInfo {
  readonly publicationDate: string;
  readonly recordCount: number;
  readonly publicationSeqNum?: number;
  readonly publicationType?: "Full" | "Archive";
}

function concepts(list: readonly OdsConcept[], indent: string): string {
  return list
    .map(
      (c) =>
        `${indent}<concept id="${escapeAttr(c.id)}" code="${escapeAttr(c.code)}" displayName="${escapeAttr(c.displayName)}" />\n`,
    )
    .join("");
}

/**
 * The opening of the file up to `<Organisations>`: XML declaration, root element, Manifest and CodeSystems,
 * in the layout of the real template (fixtures/ods/xml/HeaderCodeSystems.txt; upstream-ods.md §3).
 */
export function headerXml(info: ManifestInfo): string {
  const codes = odsCodeSystems();
  const compact = info.publicationDate.replaceAll("-", "");
  const type = info.publicationType ?? "Full";
  const roleName = new Map(codes.roles.map((r) => [r.id, r.displayName]));
  const scope = codes.primaryRoleScope
    .map(
      (id) =>
        `      <PrimaryRole id="${escapeAttr(id)}" displayName="${escapeAttr(roleName.get(id) ?? "")}" />\n`,
    )
    .join("");
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<HSCOrgRefData:OrgRefData xmlns:HSCOrgRefData="${ODS_XML_NAMESPACE}" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
    `xsi:schemaLocation="${ODS_XML_NAMESPACE} HSCOrgRefData.xsd">\n` +
    `  <Manifest>\n` +
    `    <Version value="2-0-0" />\n` +
    `    <PublicationType value="${type}" />\n` +
    `    <PublicationSource value="HSCIC" />\n` +
    `    <PublicationDate value="${info.publicationDate}" />\n` +
    `    <PublicationSeqNum value="${info.publicationSeqNum ?? 0}" />\n` +
    `    <FileCreationDateTime value="${info.publicationDate}T00:00:00" />\n` +
    `    <RecordCount value="${info.recordCount}" />\n` +
    `    <ContentDescription value="HSCOrgRefData_${type}_${compact}" />\n` +
    `    <PrimaryRoleScope>\n${scope}    </PrimaryRoleScope>\n` +
    `  </Manifest>\n` +
    `  <CodeSystems>\n` +
    `    <CodeSystem name="OrganisationRecordClass" oid="${CODE_SYSTEM_OIDS.OrganisationRecordClass}">\n` +
    concepts(codes.recordClasses, "      ") +
    `    </CodeSystem>\n` +
    `    <CodeSystem name="OrganisationRole" oid="${CODE_SYSTEM_OIDS.OrganisationRole}">\n` +
    concepts(codes.roles, "      ") +
    `    </CodeSystem>\n` +
    `    <CodeSystem name="OrganisationRelationship" oid="${CODE_SYSTEM_OIDS.OrganisationRelationship}">\n` +
    concepts(codes.relationships, "      ") +
    `    </CodeSystem>\n` +
    `  </CodeSystems>\n` +
    `  <Organisations>\n`
  );
}

/** The end of the file after the last organisation. */
export function footerXml(): string {
  return `  </Organisations>\n</HSCOrgRefData:OrgRefData>\n`;
}

function dateXml(dates: readonly OrdDate[], indent: string): string {
  let out = "";
  for (const d of dates) {
    out += `${indent}<Date>\n${indent}  <Type value="${d.Type}" />\n${indent}  <Start value="${d.Start}" />\n`;
    if (d.End !== undefined) {
      out += `${indent}  <End value="${d.End}" />\n`;
    }
    out += `${indent}</Date>\n`;
  }
  return out;
}

function orgIdXml(orgId: OrdOrganisation["OrgId"], indent: string): string {
  return `${indent}<OrgId root="${escapeAttr(orgId.root)}" assigningAuthorityName="${escapeAttr(orgId.assigningAuthorityName)}" extension="${escapeAttr(orgId.extension)}" />\n`;
}

function targetXml(target: OrdTarget, indent: string): string {
  const role = target.PrimaryRoleId;
  return (
    `${indent}<Target>\n` +
    orgIdXml(target.OrgId, `${indent}  `) +
    `${indent}  <PrimaryRoleId id="${escapeAttr(role.id)}" uniqueRoleId="${escapeAttr(String(role.uniqueRoleId))}" />\n` +
    `${indent}</Target>\n`
  );
}

const LOCATION_KEYS = [
  "AddrLn1",
  "AddrLn2",
  "AddrLn3",
  "Town",
  "County",
  "PostCode",
  "Country",
  "UPRN",
] as const;

function locationXml(location: OrdLocation, indent: string): string {
  let out = `${indent}<GeoLoc>\n${indent}  <Location>\n`;
  for (const key of LOCATION_KEYS) {
    const value = location[key];
    if (value !== undefined) {
      out += `${indent}    <${key}>${escapeText(String(value))}</${key}>\n`;
    }
  }
  return `${out}${indent}  </Location>\n${indent}</GeoLoc>\n`;
}

/**
 * One `<Organisation>` element (indented for its place under `<Organisations>`), a mechanical rendering of
 * the ORD JSON record (upstream-ods.md §3): attribute-valued elements (`<Status value=…/>`), text elements
 * (Name, address lines, `Succ/Type`), empty sections omitted, `refOnly="true"` only on skeletons.
 */
export function organisationXml(org: OrdOrganisation): string {
  const i1 = "      ";
  const i2 = "        ";
  const i3 = "          ";
  let out = `    <Organisation orgRecordClass="${org.orgRecordClass}"${org.refOnly === true ? ' refOnly="true"' : ""}>\n`;
  out += `${i1}<Name>${escapeText(org.Name)}</Name>\n`;
  out += dateXml(org.Date, i1);
  out += orgIdXml(org.OrgId, i1);
  out += `${i1}<Status value="${org.Status}" />\n`;
  out += `${i1}<LastChangeDate value="${org.LastChangeDate}" />\n`;
  if (org.GeoLoc !== undefined) {
    out += locationXml(org.GeoLoc.Location, i1);
  }
  if (org.Contacts !== undefined) {
    out += `${i1}<Contacts>\n`;
    for (const c of org.Contacts.Contact) {
      out += `${i2}<Contact type="${escapeAttr(c.type)}" value="${escapeAttr(c.value)}" />\n`;
    }
    out += `${i1}</Contacts>\n`;
  }
  out += `${i1}<Roles>\n`;
  for (const role of org.Roles.Role) {
    out += `${i2}<Role id="${escapeAttr(role.id)}" uniqueRoleId="${role.uniqueRoleId}"${role.primaryRole === true ? ' primaryRole="true"' : ""}>\n`;
    out += dateXml(role.Date, i3);
    out += `${i3}<Status value="${role.Status}" />\n${i2}</Role>\n`;
  }
  out += `${i1}</Roles>\n`;
  if (org.Rels !== undefined) {
    out += `${i1}<Rels>\n`;
    for (const rel of org.Rels.Rel) {
      out += `${i2}<Rel id="${escapeAttr(rel.id)}" uniqueRelId="${rel.uniqueRelId}">\n`;
      out += dateXml(rel.Date, i3);
      out += `${i3}<Status value="${rel.Status}" />\n`;
      out += targetXml(rel.Target, i3);
      out += `${i2}</Rel>\n`;
    }
    out += `${i1}</Rels>\n`;
  }
  if (org.Succs !== undefined) {
    out += `${i1}<Succs>\n`;
    for (const succ of org.Succs.Succ) {
      // Lower-case ORD JSON keys are XML attributes (orgRecordClass, refOnly, id, uniqueSuccId…), so the
      // JSON's forwardSuccession is written as an attribute (inferred; the XSD is not public).
      const forward = succ.forwardSuccession === true ? ' forwardSuccession="true"' : "";
      out += `${i2}<Succ uniqueSuccId="${succ.uniqueSuccId}"${forward}>\n`;
      out += dateXml(succ.Date, i3);
      out += `${i3}<Type>${succ.Type}</Type>\n`;
      out += targetXml(succ.Target, i3);
      out += `${i2}</Succ>\n`;
    }
    out += `${i1}</Succs>\n`;
  }
  return `${out}    </Organisation>\n`;
}
