/**
 * The shared last step of both parsers. The ORD JSON parser and the XML reader each fill a loosely typed
 * draft (every leaf a string, as read); {@link finishOrganisation} validates it and builds the one model.
 * Doing this in one place is what makes JSON and XML give the same {@link OdsOrganisation}.
 */
import type { OdsCodeCatalogue } from "./code-catalogue.js";
import { OdsError } from "./errors.js";
import type {
  OdsAddress,
  OdsContact,
  OdsOrganisation,
  OdsOrgId,
  OdsPeriod,
  OdsRecordClass,
  OdsRelationship,
  OdsRole,
  OdsStatus,
  OdsSuccession,
  OdsTarget,
} from "./model.js";
import type { OdsWarningListener } from "./warnings.js";

export interface DraftPeriod {
  type?: string;
  start?: string;
  end?: string;
}
export interface DraftOrgId {
  root?: string;
  assigningAuthorityName?: string;
  extension?: string;
}
export interface DraftTarget {
  orgId?: DraftOrgId;
  primaryRoleId?: string;
  primaryRoleUniqueId?: string;
}
export interface DraftRole {
  id?: string;
  uniqueRoleId?: string;
  primaryRole?: string;
  status?: string;
  periods: DraftPeriod[];
}
export interface DraftRel {
  id?: string;
  uniqueRelId?: string;
  status?: string;
  periods: DraftPeriod[];
  target?: DraftTarget;
}
export interface DraftSucc {
  uniqueSuccId?: string;
  type?: string;
  periods: DraftPeriod[];
  target?: DraftTarget;
}
export interface DraftAddress {
  addrLn1?: string;
  addrLn2?: string;
  addrLn3?: string;
  town?: string;
  county?: string;
  postCode?: string;
  country?: string;
  uprn?: string;
}
export interface DraftOrganisation {
  name?: string;
  orgId?: DraftOrgId;
  status?: string;
  recordClass?: string;
  refOnly?: string;
  lastChangeDate?: string;
  periods: DraftPeriod[];
  address?: DraftAddress;
  contacts: { type?: string; value?: string }[];
  roles: DraftRole[];
  rels: DraftRel[];
  succs: DraftSucc[];
}

export function newDraft(): DraftOrganisation {
  return { periods: [], contacts: [], roles: [], rels: [], succs: [] };
}

/** Options shared by both parsers. */
export interface FinishOptions {
  readonly onWarning?: OdsWarningListener | undefined;
  /** Known codes; unknown role/relationship ids produce warnings. Without it no code is checked. */
  readonly catalogue?: OdsCodeCatalogue | undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The checks below are hand-written rather than regular expressions: they run ~15 times per organisation and
// the full file has 300,000 (benchmark `ods-read-map`).

/** `YYYY-MM-DD` and a real calendar date. */
function isDate(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    year = year * 10 + c;
  }
  const m1 = v.charCodeAt(5) - 48;
  const m2 = v.charCodeAt(6) - 48;
  const d1 = v.charCodeAt(8) - 48;
  const d2 = v.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const month = m1 * 10 + m2;
  const day = d1 * 10 + d2;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= max;
}

/** The value of 1 to 15 ASCII digits (exact: below 2^53), or -1. */
function wholeNumber(v: string | undefined): number {
  if (v === undefined || v.length === 0 || v.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** 1 to 16 ASCII letters or digits (an ODS code; it becomes the FHIR id). */
function isCode(v: string): boolean {
  if (v.length === 0 || v.length > 16) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/** Present and not only white space (String#trim's notion of it). */
function hasText(v: string | undefined): v is string {
  if (v === undefined || v.length === 0) return false;
  const first = v.charCodeAt(0);
  return (first > 32 && first < 127) || v.trim() !== "";
}

/** `true` / `false`, absent = false; undefined for anything else. */
function flagOf(v: string | undefined): boolean | undefined {
  return v === undefined || v === "false" ? false : v === "true" ? true : undefined;
}

/** Exactly `Active` / `Inactive`, as the constant; undefined otherwise. */
function statusOf(v: string | undefined): OdsStatus | undefined {
  return v === "Active" ? "Active" : v === "Inactive" ? "Inactive" : undefined;
}

function isContactType(v: string): boolean {
  return v === "tel" || v === "http" || v === "fax" || v === "email";
}

/** A field path built only when it is needed (an error or a warning): `Roles.Role[2].uniqueRoleId`. */
function at(list: string, index: number, leaf: string): string {
  return `${list}[${index}]${leaf === "" ? "" : `.${leaf}`}`;
}

/** The path of the `Date` list of `list[index]`, or of the organisation's own `Date` when index < 0. */
function datePath(list: string, index: number): string {
  return index < 0 ? list : `${list}[${index}].Date`;
}

/**
 * Validates drafts; one instance per parse or per XML reader (reset for each organisation). The valid path
 * builds no field paths and no closures: those exist only for an error or a warning.
 */
export class Finisher {
  readonly #options: FinishOptions;
  #code: string | undefined;
  #name: string | undefined;

  constructor(options: FinishOptions) {
    this.#options = options;
  }

  fail(field: string, message: string): never {
    const who =
      this.#code !== undefined
        ? `organisation ${this.#code}`
        : this.#name !== undefined
          ? `organisation named ${JSON.stringify(this.#name.slice(0, 80))} (no code)`
          : "an organisation";
    throw new OdsError("ODS_INVALID_RECORD", `${who}: ${field} ${message}`, {
      details: { ...(this.#code === undefined ? {} : { organisation: this.#code }), field },
    });
  }

  warn(code: Parameters<OdsWarningListener>[0]["code"], field: string, value: string, message: string): void {
    this.#options.onWarning?.({
      code,
      message: `${this.#code ?? "?"}: ${message}`,
      ...(this.#code === undefined ? {} : { organisation: this.#code }),
      field,
      value,
    });
  }

  badDate(value: string | undefined, field: string): never {
    if (value === undefined) {
      return this.fail(field, "is missing");
    }
    return this.fail(field, `is not a date (YYYY-MM-DD): ${JSON.stringify(value.slice(0, 40))}`);
  }

  badInteger(value: string | undefined, field: string): never {
    if (value === undefined) {
      return this.fail(field, "is missing");
    }
    return this.fail(field, `is not a whole number: ${JSON.stringify(value.slice(0, 40))}`);
  }

  badFlag(value: string | undefined, field: string): never {
    return this.fail(field, `is not true/false: ${JSON.stringify((value ?? "").slice(0, 40))}`);
  }

  /**
   * A Status other than exactly Active/Inactive: derived when missing (with a warning), case-insensitive
   * otherwise.
   */
  otherStatus(value: string | undefined, periods: readonly OdsPeriod[], field: string): OdsStatus {
    if (value === undefined) {
      // Some XML region records carry no Status (upstream-ods.md §3); ODS derives Status from the
      // operational dates, so do the same: closed operational period = Inactive.
      const operational = periods.find((p) => p.type === "Operational");
      const derived: OdsStatus = operational?.end === undefined ? "Active" : "Inactive";
      this.warn(
        "MISSING_STATUS",
        field,
        derived,
        `${field} is missing; derived ${derived} from the operational dates`,
      );
      return derived;
    }
    const lower = value.toLowerCase();
    if (lower === "active") {
      return "Active";
    }
    if (lower === "inactive") {
      return "Inactive";
    }
    return this.fail(field, `is not Active/Inactive: ${JSON.stringify(value.slice(0, 40))}`);
  }

  /**
   * Valid periods are returned as the draft objects themselves (a draft period has the model's shape), so
   * the common case allocates nothing; only an unknown Date Type forces a new list.
   *
   * @param list the owner's list (`Roles.Role`), or `Date` for the organisation's own dates (index -1)
   */
  periods(drafts: DraftPeriod[], list: string, index: number): OdsPeriod[] {
    let out: OdsPeriod[] | undefined;
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftPeriod;
      const type = d.type;
      if (type !== "Operational" && type !== "Legal") {
        const field = at(datePath(list, index), i, "Type");
        if (type === undefined) {
          this.fail(field, "is missing");
        }
        this.warn("UNKNOWN_DATE_TYPE", field, type, `unknown date type ${type} dropped`);
        out ??= drafts.slice(0, i) as OdsPeriod[];
        continue;
      }
      if (d.start === undefined || !isDate(d.start)) {
        this.badDate(d.start, at(datePath(list, index), i, "Start"));
      }
      if (d.end !== undefined) {
        if (!isDate(d.end)) this.badDate(d.end, at(datePath(list, index), i, "End"));
      } else if ("end" in d) {
        delete d.end;
      }
      out?.push(d as OdsPeriod);
    }
    return out ?? (drafts as OdsPeriod[]);
  }

  orgId(d: DraftOrgId | undefined, field: string): OdsOrgId {
    if (d === undefined) {
      return this.fail(field, "is missing");
    }
    const code = d.extension;
    if (!hasText(code)) {
      return this.fail(`${field}.extension`, "is missing");
    }
    if (!isCode(code)) {
      this.fail(`${field}.extension`, `is not an ODS code: ${JSON.stringify(code.slice(0, 40))}`);
    }
    const { root, assigningAuthorityName } = d;
    if (root !== undefined && assigningAuthorityName !== undefined) {
      return { code, root, assigningAuthorityName };
    }
    const out: { code: string; root?: string; assigningAuthorityName?: string } = { code };
    if (root !== undefined) out.root = root;
    if (assigningAuthorityName !== undefined) out.assigningAuthorityName = assigningAuthorityName;
    return out;
  }

  /** @param list `Rels.Rel` or `Succs.Succ` */
  target(d: DraftTarget | undefined, list: string, index: number): OdsTarget {
    if (d === undefined) {
      return this.fail(at(list, index, "Target"), "is missing");
    }
    const orgId =
      d.orgId === undefined
        ? this.fail(`${at(list, index, "Target")}.OrgId`, "is missing")
        : this.orgId(d.orgId, "Target.OrgId");
    const { primaryRoleId, primaryRoleUniqueId } = d;
    if (primaryRoleUniqueId === undefined) {
      return primaryRoleId === undefined ? { orgId } : { orgId, primaryRoleId };
    }
    const unique = wholeNumber(primaryRoleUniqueId);
    if (unique < 0) {
      this.badInteger(primaryRoleUniqueId, `${at(list, index, "Target")}.PrimaryRoleId.uniqueRoleId`);
    }
    return primaryRoleId === undefined
      ? { orgId, primaryRoleUniqueId: unique }
      : { orgId, primaryRoleId, primaryRoleUniqueId: unique };
  }

  roles(drafts: readonly DraftRole[]): OdsRole[] {
    const known = this.#options.catalogue?.roles;
    const out: OdsRole[] = [];
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftRole;
      const id = d.id;
      if (!hasText(id)) {
        return this.fail(at("Roles.Role", i, "id"), "is missing");
      }
      if (known !== undefined && !known.has(id)) {
        this.warn("UNKNOWN_ROLE", at("Roles.Role", i, "id"), id, `unknown role ${id}`);
      }
      const periods = this.periods(d.periods, "Roles.Role", i);
      const uniqueRoleId = wholeNumber(d.uniqueRoleId);
      if (uniqueRoleId < 0) this.badInteger(d.uniqueRoleId, at("Roles.Role", i, "uniqueRoleId"));
      const primary =
        flagOf(d.primaryRole) ?? this.badFlag(d.primaryRole, at("Roles.Role", i, "primaryRole"));
      const status = statusOf(d.status) ?? this.otherStatus(d.status, periods, at("Roles.Role", i, "Status"));
      out.push({ id, uniqueRoleId, primary, status, periods });
    }
    return out;
  }

  rels(drafts: readonly DraftRel[]): OdsRelationship[] {
    const known = this.#options.catalogue?.relationships;
    const out: OdsRelationship[] = [];
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftRel;
      const id = d.id;
      if (!hasText(id)) {
        return this.fail(at("Rels.Rel", i, "id"), "is missing");
      }
      if (known !== undefined && !known.has(id)) {
        this.warn("UNKNOWN_RELATIONSHIP", at("Rels.Rel", i, "id"), id, `unknown relationship ${id}`);
      }
      const periods = this.periods(d.periods, "Rels.Rel", i);
      const uniqueRelId = wholeNumber(d.uniqueRelId);
      if (uniqueRelId < 0) this.badInteger(d.uniqueRelId, at("Rels.Rel", i, "uniqueRelId"));
      const status = statusOf(d.status) ?? this.otherStatus(d.status, periods, at("Rels.Rel", i, "Status"));
      const target = this.target(d.target, "Rels.Rel", i);
      out.push({ id, uniqueRelId, status, periods, target });
    }
    return out;
  }

  succs(drafts: readonly DraftSucc[]): OdsSuccession[] {
    const out: OdsSuccession[] = [];
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftSucc;
      const type = d.type;
      if (type !== "Predecessor" && type !== "Successor") {
        return this.fail(
          at("Succs.Succ", i, "Type"),
          type === undefined ? "is missing" : "is not Predecessor/Successor",
        );
      }
      const periods = this.periods(d.periods, "Succs.Succ", i);
      const target = this.target(d.target, "Succs.Succ", i);
      if (d.uniqueSuccId === undefined) {
        out.push({ type, periods, target });
        continue;
      }
      const uniqueSuccId = wholeNumber(d.uniqueSuccId);
      if (uniqueSuccId < 0) this.badInteger(d.uniqueSuccId, at("Succs.Succ", i, "uniqueSuccId"));
      out.push({ uniqueSuccId, type, periods, target });
    }
    return out;
  }

  /** The draft itself when it has no empty field (the XML reader never stores one), else a copy without. */
  address(d: DraftAddress): OdsAddress {
    if (d.uprn !== undefined && wholeNumber(d.uprn) < 0) {
      this.fail("GeoLoc.Location.UPRN", `is not a UPRN: ${JSON.stringify(d.uprn.slice(0, 40))}`);
    }
    if (
      d.addrLn1 !== "" &&
      d.addrLn2 !== "" &&
      d.addrLn3 !== "" &&
      d.town !== "" &&
      d.county !== "" &&
      d.postCode !== "" &&
      d.country !== ""
    ) {
      return d;
    }
    const out: Record<string, string> = {};
    if (d.addrLn1 !== undefined && d.addrLn1 !== "") out.addrLn1 = d.addrLn1;
    if (d.addrLn2 !== undefined && d.addrLn2 !== "") out.addrLn2 = d.addrLn2;
    if (d.addrLn3 !== undefined && d.addrLn3 !== "") out.addrLn3 = d.addrLn3;
    if (d.town !== undefined && d.town !== "") out.town = d.town;
    if (d.county !== undefined && d.county !== "") out.county = d.county;
    if (d.postCode !== undefined && d.postCode !== "") out.postCode = d.postCode;
    if (d.country !== undefined && d.country !== "") out.country = d.country;
    if (d.uprn !== undefined) out.uprn = d.uprn;
    return out;
  }

  contacts(drafts: DraftOrganisation["contacts"]): OdsContact[] {
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftOrganisation["contacts"][number];
      const type = d.type;
      if (!hasText(type)) {
        return this.fail(at("Contacts.Contact", i, "type"), "is missing");
      }
      if (!isContactType(type)) {
        this.warn(
          "UNKNOWN_CONTACT_TYPE",
          at("Contacts.Contact", i, "type"),
          type,
          `unknown contact type ${type}`,
        );
      }
      if (!hasText(d.value)) {
        return this.fail(at("Contacts.Contact", i, "value"), "is missing");
      }
    }
    // A valid contact draft has the model's shape: reuse it.
    return drafts as OdsContact[];
  }

  organisation(d: DraftOrganisation): OdsOrganisation {
    this.#code = undefined;
    this.#name = d.name;
    const orgId = this.orgId(d.orgId, "OrgId");
    this.#code = orgId.code;
    const recordClass: OdsRecordClass =
      d.recordClass === "RC1" || d.recordClass === "RC2"
        ? d.recordClass
        : this.fail("orgRecordClass", d.recordClass === undefined ? "is missing" : "is not RC1/RC2");
    const periods = this.periods(d.periods, "Date", -1);
    const name = d.name;
    if (!hasText(name)) {
      return this.fail("Name", "is missing");
    }
    const status = statusOf(d.status) ?? this.otherStatus(d.status, periods, "Status");
    const refOnly = flagOf(d.refOnly) ?? this.badFlag(d.refOnly, "refOnly");
    const lastChangeDate = d.lastChangeDate;
    if (lastChangeDate === undefined || !isDate(lastChangeDate)) {
      return this.badDate(lastChangeDate, "LastChangeDate");
    }
    const contacts = this.contacts(d.contacts);
    const roles = this.roles(d.roles);
    const relationships = this.rels(d.rels);
    const successions = this.succs(d.succs);
    const code = orgId.code;
    const org: OdsOrganisation =
      d.address === undefined
        ? {
            code,
            orgId,
            name,
            status,
            recordClass,
            refOnly,
            lastChangeDate,
            periods,
            contacts,
            roles,
            relationships,
            successions,
          }
        : {
            code,
            orgId,
            name,
            status,
            recordClass,
            refOnly,
            lastChangeDate,
            periods,
            address: this.address(d.address),
            contacts,
            roles,
            relationships,
            successions,
          };
    return org;
  }
}

/** Validates a draft and builds the model; throws `ODS_INVALID_RECORD` naming organisation and field. */
export function finishOrganisation(draft: DraftOrganisation, options: FinishOptions = {}): OdsOrganisation {
  return new Finisher(options).organisation(draft);
}
