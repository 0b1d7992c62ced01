import type { OdsCodeSystems } from "./code-systems.js";
import type { OrdOrganisation, OrdSummary } from "./ord-types.js";

/** Renders single-element arrays as bare objects (a defensive-client quirk, upstream-ods.md §1.4). */
export function collapseSingletons(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(collapseSingletons);
    return items.length === 1 ? items[0] : items;
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collapseSingletons(v)]));
  }
  return value;
}

/** The summary row of a search answer (upstream-ods.md §1.3). */
export function summaryOf(org: OrdOrganisation, orgLink: string, codes: OdsCodeSystems): OrdSummary {
  const primary = org.Roles.Role.find((r) => r.primaryRole === true)?.id ?? "";
  return {
    Name: org.Name,
    OrgId: org.OrgId.extension,
    Status: org.Status,
    OrgRecordClass: org.orgRecordClass,
    PostCode: org.GeoLoc?.Location.PostCode ?? "",
    LastChangeDate: org.LastChangeDate,
    PrimaryRoleId: primary,
    PrimaryRoleDescription: codes.roleById.get(primary)?.displayName ?? "",
    OrgLink: orgLink,
  };
}
