/**
 * The one ODS model. The ORD API 2-0-0 JSON (`GET organisations/{code}`) and the ODS XML files on TRUD
 * (item 341, `HSCOrgRefData` v2-0-0) are two renderings of the same data; both parsers in this package
 * produce these types, and the FHIR mapping reads only these types.
 *
 * Dates are ISO calendar dates (`YYYY-MM-DD`) exactly as ODS publishes them.
 *
 * @see ../shared/docs/upstream-ods.md §1.4 (ORD record) and §3 (XML layout)
 */

/** `Status` of an organisation, role or relationship. ODS derives it from the operational dates. */
export type OdsStatus = "Active" | "Inactive";

/** The two kinds of dates ODS records (`Date/Type`): operational (day-to-day) and legal (statutory). */
export type OdsDateType = "Operational" | "Legal";

/** ODS record class: `RC1` HSCOrg (an organisation, ODS organisation code) or `RC2` HSCSite (a site). */
export type OdsRecordClass = "RC1" | "RC2";

/** One `Date` entry: a typed period. `end` is absent while open. */
export interface OdsPeriod {
  readonly type: OdsDateType;
  readonly start: string;
  readonly end?: string;
}

/** An `OrgId` element: `extension` is the ODS code; `root` the OID of the code scheme. */
export interface OdsOrgId {
  /** The ODS code (`OrgId.extension`), for example `RA9`, `G6V2S`. */
  readonly code: string;
  /** `OrgId.root`, normally `2.16.840.1.113883.2.1.3.2.4.18.48` ({@link ODS_ORG_ID_ROOT}). */
  readonly root?: string;
  /** `OrgId.assigningAuthorityName`, for example `HSCIC`, `NHS BUSINESS SERVICES AUTHORITY`. */
  readonly assigningAuthorityName?: string;
}

/** `GeoLoc/Location`: the organisation's address. */
export interface OdsAddress {
  readonly addrLn1?: string;
  readonly addrLn2?: string;
  readonly addrLn3?: string;
  readonly town?: string;
  readonly county?: string;
  readonly postCode?: string;
  readonly country?: string;
  /** Unique Property Reference Number, as decimal digits (a number in ORD JSON; kept as text). */
  readonly uprn?: string;
}

/** `Contacts/Contact`: `type` is `tel`, `http`, `fax` or `email` in the published data. */
export interface OdsContact {
  readonly type: string;
  readonly value: string;
}

/** `Roles/Role`: a role the organisation holds (`RO…`), with its own dates and status. */
export interface OdsRole {
  /** Role code, for example `RO197`. */
  readonly id: string;
  /** `uniqueRoleId`: the role instance id (FHIR `instanceID`). */
  readonly uniqueRoleId: number;
  /** `primaryRole`: true on the organisation's primary role only. */
  readonly primary: boolean;
  readonly status: OdsStatus;
  readonly periods: readonly OdsPeriod[];
}

/** The other end of a relationship or succession (`Target`). */
export interface OdsTarget {
  readonly orgId: OdsOrgId;
  /** The target's primary role (`Target/PrimaryRoleId@id`), when published. */
  readonly primaryRoleId?: string;
  /** `Target/PrimaryRoleId@uniqueRoleId` (a string in some ORD examples, a number in live data). */
  readonly primaryRoleUniqueId?: number;
}

/** `Rels/Rel`: a relationship from this organisation (the source) to a target (`RE…`). */
export interface OdsRelationship {
  /** Relationship code, for example `RE5` IS LOCATED IN THE GEOGRAPHY OF. */
  readonly id: string;
  /** `uniqueRelId`: the relationship instance id (FHIR OrganizationAffiliation id). */
  readonly uniqueRelId: number;
  readonly status: OdsStatus;
  readonly periods: readonly OdsPeriod[];
  readonly target: OdsTarget;
}

/** Direction of a succession as recorded on this organisation. */
export type OdsSuccessionType = "Predecessor" | "Successor";

/** `Succs/Succ`: a merger/acquisition edge. Recorded from both ends with different ids. */
export interface OdsSuccession {
  /** `uniqueSuccId`; absent in some archive records. */
  readonly uniqueSuccId?: number;
  readonly type: OdsSuccessionType;
  /** Normally one Legal period whose start is the succession date. */
  readonly periods: readonly OdsPeriod[];
  readonly target: OdsTarget;
}

/** One ODS organisation (or site) record. */
export interface OdsOrganisation {
  /** The ODS code (`OrgId.extension`). */
  readonly code: string;
  readonly orgId: OdsOrgId;
  readonly name: string;
  /** `Status`: follows the operational dates, not the legal ones (see Q72, RRP). */
  readonly status: OdsStatus;
  readonly recordClass: OdsRecordClass;
  /** `refOnly`: a skeleton of an archived record kept for referential integrity. */
  readonly refOnly: boolean;
  /** `LastChangeDate`: when the record was last amended. */
  readonly lastChangeDate: string;
  /** Organisation-level `Date` entries (Operational and/or Legal). */
  readonly periods: readonly OdsPeriod[];
  readonly address?: OdsAddress;
  readonly contacts: readonly OdsContact[];
  readonly roles: readonly OdsRole[];
  readonly relationships: readonly OdsRelationship[];
  readonly successions: readonly OdsSuccession[];
}

/** One concept of an ODS code system (`CodeSystems/CodeSystem/concept`, or an ORD `/roles` item). */
export interface OdsConcept {
  /** The full code, for example `RO197`, `RE4`, `RC1`. */
  readonly id: string;
  /** The numeric part, for example `197`. */
  readonly code: string;
  readonly displayName: string;
  /** For roles: whether the role is a primary role (ORD `/roles` `primaryRole`, XML `PrimaryRoleScope`). */
  readonly primaryRole?: boolean;
}

/** The ODS code systems carried by the XML file and the ORD metadata endpoints. */
export type OdsCodeSystemName = "OrganisationRecordClass" | "OrganisationRole" | "OrganisationRelationship";

/** An ODS code system (`CodeSystems/CodeSystem`). */
export interface OdsCodeSystem {
  /** `name` attribute; any unknown name is kept as read. */
  readonly name: OdsCodeSystemName | (string & {});
  readonly oid: string;
  readonly concepts: readonly OdsConcept[];
}

/** The XML file's `Manifest`. */
export interface OdsManifest {
  /** `Version@value`; `2-0-0` is the only supported version. */
  readonly version: string;
  /** `PublicationType@value`: `Full`, `Archive`, `Delta` (or `APISync` in NHS's demonstrator). */
  readonly publicationType: string;
  readonly publicationSource?: string;
  readonly publicationDate?: string;
  readonly publicationSeqNum?: string;
  readonly fileCreationDateTime?: string;
  /** `RecordCount@value`, when numeric. */
  readonly recordCount?: number;
  readonly contentDescription?: string;
  /** `PrimaryRoleScope/PrimaryRole`: the roles that may be primary. */
  readonly primaryRoleScope: readonly { readonly id: string; readonly displayName: string }[];
}

/** The ODS OID of organisation codes (`OrgId@root`). */
export const ODS_ORG_ID_ROOT = "2.16.840.1.113883.2.1.3.2.4.18.48";
