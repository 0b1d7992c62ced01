/**
 * ORD list rows: search summaries (`{"Organisations":[{Name, OrgId, Status, OrgRecordClass, PostCode,
 * LastChangeDate, PrimaryRoleId, PrimaryRoleDescription, OrgLink}]}`), sync links (`{OrgLink}` only) and
 * metadata concepts (`{"Roles":[{id, code, displayName, primaryRole:"true"}]}`), upstream-ods.md §1.1, §1.3.
 */
import { OdsError } from "./errors.js";
import type { OdsConcept } from "./model.js";

/** One search (or sync) row. Sync rows carry only `code` and `orgLink`. */
export interface OrdSummary {
  readonly code: string;
  readonly name?: string;
  readonly status?: string;
  readonly recordClass?: string;
  readonly postCode?: string;
  readonly lastChangeDate?: string;
  readonly primaryRoleId?: string;
  readonly primaryRoleDescription?: string;
  readonly orgLink?: string;
}

const CODE = /^[A-Za-z0-9]{1,16}$/;

function fail(url: string, message: string): never {
  throw new OdsError("ORD_BAD_RESPONSE", `${message} (${url})`, { details: { url } });
}

function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Parses one row of `Organisations`. */
export function parseSummary(row: unknown, index: number, url: string): OrdSummary {
  if (row === null || typeof row !== "object" || Array.isArray(row))
    fail(url, `Organisations[${index}] is not an object`);
  const r = row as Record<string, unknown>;
  const link = str(r.OrgLink);
  const orgId = r.OrgId;
  let code =
    typeof orgId === "object" && orgId !== null
      ? str((orgId as Record<string, unknown>).extension)
      : str(orgId);
  if (code === undefined && link !== undefined) {
    const path = link.split("?")[0] ?? "";
    code = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
  }
  if (code === undefined || !CODE.test(code)) fail(url, `Organisations[${index}] has no ODS code`);
  const out: Record<string, string> = { code };
  const fields: readonly [string, string][] = [
    ["Name", "name"],
    ["Status", "status"],
    ["OrgRecordClass", "recordClass"],
    ["PostCode", "postCode"],
    ["LastChangeDate", "lastChangeDate"],
    ["PrimaryRoleId", "primaryRoleId"],
    ["PrimaryRoleDescription", "primaryRoleDescription"],
  ];
  for (const [from, to] of fields) {
    const value = str(r[from]);
    if (value !== undefined) out[to] = value;
  }
  if (out.recordClass === undefined) {
    const lower = str(r.orgRecordClass);
    if (lower !== undefined) out.recordClass = lower;
  }
  if (link !== undefined) out.orgLink = link;
  return out as unknown as OrdSummary;
}

/** Parses `{"<key>": [ {id, code, displayName, primaryRole?} ]}` (single object tolerated). */
export function parseConcepts(body: unknown, key: string, url: string): OdsConcept[] {
  if (body === null || typeof body !== "object" || Array.isArray(body)) fail(url, `answer is not an object`);
  const raw = (body as Record<string, unknown>)[key];
  if (raw === undefined || raw === null) fail(url, `answer has no ${key}`);
  const rows = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  return rows.map((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row))
      fail(url, `${key}[${i}] is not an object`);
    const r = row as Record<string, unknown>;
    const id = str(r.id);
    if (id === undefined || id === "") fail(url, `${key}[${i}] has no id`);
    const concept: { id: string; code: string; displayName: string; primaryRole?: boolean } = {
      id,
      code: str(r.code) ?? id.replace(/^\D+/, ""),
      displayName: str(r.displayName) ?? "",
    };
    // `primaryRole` is the string "true"/"false" in /roles but a boolean in records (UEC ODS-02).
    const primary = r.primaryRole;
    if (primary === true || primary === "true") concept.primaryRole = true;
    else if (primary === false || primary === "false") concept.primaryRole = false;
    return concept;
  });
}
