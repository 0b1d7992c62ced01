/**
 * The JSON shape of one ORD 2-0-0 organisation record (`GET organisations/{code}` → `{"Organisation": …}`),
 * exactly as the live API renders it (upstream-ods.md §1.4, the saved records in `fixtures/ods/ord/`):
 * empty sections are omitted, `refOnly` only appears when true, `primaryRole` only on the primary role,
 * `UPRN` is a number. The generator produces the same shape, so the fake ORD and the XML full file can
 * describe one data set.
 */

/** One `Date` entry (`Type` Operational or Legal). */
export interface OrdDate {
  readonly Type: "Operational" | "Legal";
  readonly Start: string;
  readonly End?: string;
}

/** `OrgId`: the ODS code with its OID root and assigning authority. */
export interface OrdOrgId {
  readonly root: string;
  readonly assigningAuthorityName: string;
  readonly extension: string;
}

/** `GeoLoc.Location`: address lines are omitted when empty. */
export interface OrdLocation {
  readonly AddrLn1?: string;
  readonly AddrLn2?: string;
  readonly AddrLn3?: string;
  readonly Town?: string;
  readonly County?: string;
  readonly PostCode?: string;
  readonly Country?: string;
  readonly UPRN?: number;
}

/** One contact (`type` tel, http, fax, email). */
export interface OrdContact {
  readonly type: string;
  readonly value: string;
}

/** One role; `primaryRole: true` only on the primary role. */
export interface OrdRole {
  readonly id: string;
  readonly uniqueRoleId: number;
  readonly primaryRole?: true;
  readonly Date: readonly OrdDate[];
  readonly Status: "Active" | "Inactive";
}

/** The target of a relationship or succession. */
export interface OrdTarget {
  readonly OrgId: OrdOrgId;
  readonly PrimaryRoleId: { readonly id: string; readonly uniqueRoleId: number | string };
}

/** One relationship (`id` RE2..RE11). Key order as the live API: Date, Status, Target, id, uniqueRelId. */
export interface OrdRel {
  readonly Date: readonly OrdDate[];
  readonly Status: "Active" | "Inactive";
  readonly Target: OrdTarget;
  readonly id: string;
  readonly uniqueRelId: number;
}

/**
 * One succession edge (`Type` Predecessor or Successor; its `Date` is Legal). `forwardSuccession: true` only
 * appears on a Predecessor edge whose predecessor is a refOnly skeleton, which records no edge back (RRP,
 * RNK, TAF in the reference records).
 */
export interface OrdSucc {
  readonly uniqueSuccId: number;
  readonly Date: readonly OrdDate[];
  readonly Type: "Predecessor" | "Successor";
  readonly Target: OrdTarget;
  readonly forwardSuccession?: true;
}

/** A full ORD organisation record (the value of `Organisation`). */
export interface OrdOrganisation {
  readonly Name: string;
  readonly Date: readonly OrdDate[];
  readonly OrgId: OrdOrgId;
  readonly Status: "Active" | "Inactive";
  readonly LastChangeDate: string;
  readonly orgRecordClass: "RC1" | "RC2";
  readonly refOnly?: true;
  readonly GeoLoc?: { readonly Location: OrdLocation };
  readonly Contacts?: { readonly Contact: readonly OrdContact[] };
  readonly Roles: { readonly Role: readonly OrdRole[] };
  readonly Rels?: { readonly Rel: readonly OrdRel[] };
  readonly Succs?: { readonly Succ: readonly OrdSucc[] };
}

/** A row of a search (summary) response: note `OrgRecordClass` and `OrgId` as a string here. */
export interface OrdSummary {
  readonly Name: string;
  readonly OrgId: string;
  readonly Status: string;
  readonly OrgRecordClass: string;
  readonly PostCode: string;
  readonly LastChangeDate: string;
  readonly PrimaryRoleId: string;
  readonly PrimaryRoleDescription: string;
  readonly OrgLink: string;
}

/** The OID root of ODS codes in `OrgId`. */
export const ODS_ORG_ID_ROOT = "2.16.840.1.113883.2.1.3.2.4.18.48";
