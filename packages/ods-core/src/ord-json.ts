/**
 * ORD API 2-0-0 organisation JSON (`GET organisations/{code}`) → {@link OdsOrganisation}.
 *
 * Tolerates the API's quirks (upstream-ods.md §1.4): empty sections omitted, a single item rendered as an
 * object instead of an array, `uniqueRoleId` as a string or a number, `primaryRole` as `true` or `"true"`,
 * `UPRN` as a number. Structural faults throw `ODS_INVALID_RECORD` naming the organisation and the field.
 */
import {
  finishOrganisation,
  newDraft,
  type DraftOrgId,
  type DraftOrganisation,
  type DraftPeriod,
  type DraftTarget,
  type FinishOptions,
} from "./draft.js";
import { OdsError } from "./errors.js";
import type { OdsOrganisation } from "./model.js";
import type { OdsWarningListener } from "./warnings.js";

/** Options of {@link parseOrdOrganisation}. */
export interface ParseOrdOptions {
  /** Receives warnings (unknown codes, derived status). */
  readonly onWarning?: OdsWarningListener;
  /** Known codes: unknown role/relationship ids are reported as warnings (default: no check). */
  readonly catalogue?: FinishOptions["catalogue"];
}

type Json = Record<string, unknown>;

class JsonReader {
  code: string | undefined;

  fail(field: string, message: string): never {
    const who = this.code === undefined ? "an organisation" : `organisation ${this.code}`;
    throw new OdsError("ODS_INVALID_RECORD", `${who}: ${field} ${message}`, {
      details: { ...(this.code === undefined ? {} : { organisation: this.code }), field },
    });
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(field, "is not an object");
    }
    return value as Json;
  }

  /** A scalar as text; absent/null → undefined; objects and arrays are structural faults. */
  scalar(value: unknown, field: string): string | undefined {
    if (typeof value === "string") return value;
    if (typeof value === "number") {
      return Number.isFinite(value) ? String(value) : this.fail(field, "is not a finite number");
    }
    if (typeof value === "boolean") return value ? "true" : "false";
    if (value === undefined || value === null) return undefined;
    return this.fail(field, "is not a text or number value");
  }

  /** A section that may be missing, a single object, or an array. */
  list(value: unknown, field: string): Json[] {
    if (value === undefined || value === null) {
      return [];
    }
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    return items.map((item, i) => this.object(item, `${field}[${i}]`));
  }

  /** `Roles: {Role: [...]}` (or `Role: {...}`); the wrapper itself may be omitted. */
  section(parent: Json, wrapper: string, item: string): Json[] {
    const outer = parent[wrapper];
    if (outer === undefined || outer === null || outer === "") {
      return [];
    }
    return this.list(this.object(outer, wrapper)[item], `${wrapper}.${item}`);
  }

  periods(value: unknown, field: string): DraftPeriod[] {
    return this.list(value, field).map((d, i) => {
      const p: DraftPeriod = {};
      const type = this.scalar(d.Type, `${field}[${i}].Type`);
      const start = this.scalar(d.Start, `${field}[${i}].Start`);
      const end = this.scalar(d.End, `${field}[${i}].End`);
      if (type !== undefined) p.type = type;
      if (start !== undefined) p.start = start;
      if (end !== undefined) p.end = end;
      return p;
    });
  }

  orgId(value: unknown, field: string): DraftOrgId | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value === "string") {
      return { extension: value }; // summary rows carry OrgId as a plain code
    }
    const o = this.object(value, field);
    const id: DraftOrgId = {};
    const root = this.scalar(o.root, `${field}.root`);
    const aan = this.scalar(o.assigningAuthorityName, `${field}.assigningAuthorityName`);
    const ext = this.scalar(o.extension, `${field}.extension`);
    if (root !== undefined) id.root = root;
    if (aan !== undefined) id.assigningAuthorityName = aan;
    if (ext !== undefined) id.extension = ext;
    return id;
  }

  target(value: unknown, field: string): DraftTarget | undefined {
    if (value === undefined || value === null) {
      return undefined;
    }
    const o = this.object(value, field);
    const t: DraftTarget = {};
    const orgId = this.orgId(o.OrgId, `${field}.OrgId`);
    if (orgId !== undefined) t.orgId = orgId;
    if (o.PrimaryRoleId !== undefined && o.PrimaryRoleId !== null) {
      const pr = this.object(o.PrimaryRoleId, `${field}.PrimaryRoleId`);
      const id = this.scalar(pr.id, `${field}.PrimaryRoleId.id`);
      const unique = this.scalar(pr.uniqueRoleId, `${field}.PrimaryRoleId.uniqueRoleId`);
      if (id !== undefined) t.primaryRoleId = id;
      if (unique !== undefined) t.primaryRoleUniqueId = unique;
    }
    return t;
  }

  organisation(body: unknown): DraftOrganisation {
    const top = this.object(body, "body");
    const o = "Organisation" in top ? this.object(top.Organisation, "Organisation") : top;
    const draft = newDraft();
    const orgId = this.orgId(o.OrgId, "OrgId");
    if (orgId !== undefined) {
      draft.orgId = orgId;
      this.code = orgId.extension;
    }
    const put = (
      key: "name" | "status" | "recordClass" | "refOnly" | "lastChangeDate",
      value: unknown,
      field: string,
    ): void => {
      const text = this.scalar(value, field);
      if (text !== undefined) draft[key] = text;
    };
    put("name", o.Name, "Name");
    put("status", o.Status, "Status");
    put("recordClass", o.orgRecordClass ?? o.OrgRecordClass, "orgRecordClass");
    put("refOnly", o.refOnly, "refOnly");
    put("lastChangeDate", o.LastChangeDate, "LastChangeDate");
    draft.periods = this.periods(o.Date, "Date");

    if (o.GeoLoc !== undefined && o.GeoLoc !== null) {
      const loc = this.object(this.object(o.GeoLoc, "GeoLoc").Location ?? {}, "GeoLoc.Location");
      const address: Record<string, string> = {};
      for (const [from, to] of ADDRESS_FIELDS) {
        const text = this.scalar(loc[from], `GeoLoc.Location.${from}`);
        if (text !== undefined) address[to] = text;
      }
      draft.address = address;
    }
    draft.contacts = this.section(o, "Contacts", "Contact").map((c, i) => {
      const type = this.scalar(c.type, `Contacts.Contact[${i}].type`);
      const value = this.scalar(c.value, `Contacts.Contact[${i}].value`);
      return { ...(type === undefined ? {} : { type }), ...(value === undefined ? {} : { value }) };
    });
    draft.roles = this.section(o, "Roles", "Role").map((r, i) => {
      const at = `Roles.Role[${i}]`;
      const role: DraftOrganisation["roles"][number] = { periods: this.periods(r.Date, `${at}.Date`) };
      const id = this.scalar(r.id, `${at}.id`);
      const unique = this.scalar(r.uniqueRoleId, `${at}.uniqueRoleId`);
      const primary = this.scalar(r.primaryRole, `${at}.primaryRole`);
      const status = this.scalar(r.Status, `${at}.Status`);
      if (id !== undefined) role.id = id;
      if (unique !== undefined) role.uniqueRoleId = unique;
      if (primary !== undefined) role.primaryRole = primary;
      if (status !== undefined) role.status = status;
      return role;
    });
    draft.rels = this.section(o, "Rels", "Rel").map((r, i) => {
      const at = `Rels.Rel[${i}]`;
      const rel: DraftOrganisation["rels"][number] = { periods: this.periods(r.Date, `${at}.Date`) };
      const id = this.scalar(r.id, `${at}.id`);
      const unique = this.scalar(r.uniqueRelId, `${at}.uniqueRelId`);
      const status = this.scalar(r.Status, `${at}.Status`);
      const target = this.target(r.Target, `${at}.Target`);
      if (id !== undefined) rel.id = id;
      if (unique !== undefined) rel.uniqueRelId = unique;
      if (status !== undefined) rel.status = status;
      if (target !== undefined) rel.target = target;
      return rel;
    });
    draft.succs = this.section(o, "Succs", "Succ").map((s, i) => {
      const at = `Succs.Succ[${i}]`;
      const succ: DraftOrganisation["succs"][number] = { periods: this.periods(s.Date, `${at}.Date`) };
      const unique = this.scalar(s.uniqueSuccId, `${at}.uniqueSuccId`);
      const type = this.scalar(s.Type, `${at}.Type`);
      const target = this.target(s.Target, `${at}.Target`);
      if (unique !== undefined) succ.uniqueSuccId = unique;
      if (type !== undefined) succ.type = type;
      if (target !== undefined) succ.target = target;
      return succ;
    });
    return draft;
  }
}

const ADDRESS_FIELDS = [
  ["AddrLn1", "addrLn1"],
  ["AddrLn2", "addrLn2"],
  ["AddrLn3", "addrLn3"],
  ["Town", "town"],
  ["County", "county"],
  ["PostCode", "postCode"],
  ["Country", "country"],
  ["UPRN", "uprn"],
] as const;

/**
 * Parses one ORD organisation record: the body of `GET organisations/{code}` (`{"Organisation": …}`) or
 * the inner object.
 *
 * @throws OdsError `ODS_INVALID_RECORD` (with `details.organisation` and `details.field`).
 * @example
 * const org = parseOrdOrganisation(await (await fetch(url)).json());
 */
export function parseOrdOrganisation(body: unknown, options: ParseOrdOptions = {}): OdsOrganisation {
  const draft = new JsonReader().organisation(body);
  return finishOrganisation(draft, options);
}
