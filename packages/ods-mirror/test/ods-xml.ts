/** A hand-written ODS XML v2-0-0 document for tests (layout per ../shared/docs/upstream-ods.md §3). */
export interface XmlOrg {
  readonly code: string;
  readonly name: string;
  readonly status?: "Active" | "Inactive";
  readonly lastChange?: string;
  readonly postcode?: string;
  readonly town?: string;
  readonly role?: string;
  readonly rels?: readonly { readonly id: string; readonly uniqueRelId: number; readonly target: string }[];
  readonly succ?: {
    readonly type: "Successor" | "Predecessor";
    readonly target: string;
    readonly date: string;
  };
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

let roleId = 1000;

export function orgXml(org: XmlOrg): string {
  const status = org.status ?? "Active";
  const rels = (org.rels ?? [])
    .map(
      (r) =>
        `<Rel id="${r.id}" uniqueRelId="${r.uniqueRelId}"><Date><Type value="Operational"/><Start value="2020-01-01"/></Date><Status value="Active"/><Target><OrgId root="2.16.840.1.113883.2.1.3.2.4.18.48" assigningAuthorityName="HSCIC" extension="${r.target}"/><PrimaryRoleId id="RO98" uniqueRoleId="1"/></Target></Rel>`,
    )
    .join("");
  const succ =
    org.succ === undefined
      ? ""
      : `<Succs><Succ uniqueSuccId="77"><Date><Type value="Legal"/><Start value="${org.succ.date}"/></Date><Type>${org.succ.type}</Type><Target><OrgId root="2.16.840.1.113883.2.1.3.2.4.18.48" assigningAuthorityName="HSCIC" extension="${org.succ.target}"/><PrimaryRoleId id="RO197" uniqueRoleId="2"/></Target></Succ></Succs>`;
  roleId += 1;
  return [
    `<Organisation orgRecordClass="RC1">`,
    `<Name>${esc(org.name)}</Name>`,
    `<Date><Type value="Operational"/><Start value="2001-04-01"/></Date>`,
    `<OrgId root="2.16.840.1.113883.2.1.3.2.4.18.48" assigningAuthorityName="HSCIC" extension="${org.code}"/>`,
    `<Status value="${status}"/>`,
    `<LastChangeDate value="${org.lastChange ?? "2025-12-01"}"/>`,
    `<GeoLoc><Location><AddrLn1>1 HIGH STREET</AddrLn1><Town>${esc(org.town ?? "LEEDS")}</Town><PostCode>${org.postcode ?? "LS1 4BT"}</PostCode><Country>ENGLAND</Country></Location></GeoLoc>`,
    `<Roles><Role id="${org.role ?? "RO177"}" uniqueRoleId="${roleId}" primaryRole="true"><Date><Type value="Operational"/><Start value="2001-04-01"/></Date><Status value="${status}"/></Role></Roles>`,
    rels === "" ? "" : `<Rels>${rels}</Rels>`,
    succ,
    `</Organisation>`,
  ].join("");
}

export function odsXml(
  orgs: readonly XmlOrg[],
  options: { publicationDate?: string; recordCount?: number } = {},
): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<HSCOrgRefData:OrgRefData xmlns:HSCOrgRefData="http://refdata.hscic.gov.uk/org/v2-0-0">`,
    `<Manifest><Version value="2-0-0"/><PublicationType value="Full"/><PublicationSource value="HSCIC"/>`,
    `<PublicationDate value="${options.publicationDate ?? "2026-01-01"}"/><PublicationSeqNum value="7"/>`,
    `<FileCreationDateTime value="2026-01-01T00:00:00"/><RecordCount value="${options.recordCount ?? orgs.length}"/>`,
    `<ContentDescription value="test"/></Manifest>`,
    `<Organisations>`,
    ...orgs.map(orgXml),
    `</Organisations>`,
    `</HSCOrgRefData:OrgRefData>`,
  ].join("\n");
}
