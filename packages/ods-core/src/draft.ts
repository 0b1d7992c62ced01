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

const CODE = /^[A-Za-z0-9]{1,16}$/;
const DIGITS = /^\d{1,15}$/;
const CONTACT_TYPES = new Set(["tel", "http", "fax", "email"]);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD` and a real calendar date (hand-written: this runs ~10 times per organisation). */
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

/** A field path built only when it is needed (an error or a warning): `Roles.Role[2].uniqueRoleId`. */
function at(list: string, index: number, leaf: string): string {
  return `${list}[${index}]${leaf === "" ? "" : `.${leaf}`}`;
}

/** Validates drafts; one instance per parse or per XML reader (reset for each organisation). */
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

  date(value: string | undefined, field: () => string): string {
    if (value === undefined) {
      return this.fail(field(), "is missing");
    }
    if (!isDate(value)) {
      return this.fail(field(), `is not a date (YYYY-MM-DD): ${JSON.stringify(value.slice(0, 40))}`);
    }
    return value;
  }

  integer(value: string | undefined, field: () => string): number {
    if (value === undefined) {
      return this.fail(field(), "is missing");
    }
    if (!DIGITS.test(value)) {
      return this.fail(field(), `is not a whole number: ${JSON.stringify(value.slice(0, 40))}`);
    }
    return Number(value);
  }

  text(value: string | undefined, field: () => string): string {
    if (value === undefined || value.trim() === "") {
      return this.fail(field(), "is missing");
    }
    return value;
  }

  flag(value: string | undefined, field: () => string): boolean {
    if (value === undefined || value === "false") {
      return false;
    }
    if (value === "true") {
      return true;
    }
    return this.fail(field(), `is not true/false: ${JSON.stringify(value.slice(0, 40))}`);
  }

  status(value: string | undefined, periods: readonly OdsPeriod[], field: () => string): OdsStatus {
    if (value === "Active" || value === "Inactive") {
      return value;
    }
    if (value === undefined) {
      // Some XML region records carry no Status (upstream-ods.md §3); ODS derives Status from the
      // operational dates, so do the same: closed operational period = Inactive.
      const operational = periods.find((p) => p.type === "Operational");
      const derived: OdsStatus = operational?.end === undefined ? "Active" : "Inactive";
      const name = field();
      this.warn(
        "MISSING_STATUS",
        name,
        derived,
        `${name} is missing; derived ${derived} from the operational dates`,
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
    return this.fail(field(), `is not Active/Inactive: ${JSON.stringify(value.slice(0, 40))}`);
  }

  /**
   * Valid periods are returned as the draft objects themselves (a draft period has the model's shape), so
   * the common case allocates nothing; only an unknown Date Type forces a new list.
   */
  periods(drafts: DraftPeriod[], field: string): OdsPeriod[] {
    let out: OdsPeriod[] | undefined;
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftPeriod;
      if (d.type !== "Operational" && d.type !== "Legal") {
        if (d.type === undefined) {
          this.fail(at(field, i, "Type"), "is missing");
        }
        this.warn("UNKNOWN_DATE_TYPE", at(field, i, "Type"), d.type, `unknown date type ${d.type} dropped`);
        out ??= drafts.slice(0, i) as OdsPeriod[];
        continue;
      }
      this.date(d.start, () => at(field, i, "Start"));
      if (d.end !== undefined) {
        this.date(d.end, () => at(field, i, "End"));
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
    const code = this.text(d.extension, () => `${field}.extension`);
    if (!CODE.test(code)) {
      this.fail(`${field}.extension`, `is not an ODS code: ${JSON.stringify(code.slice(0, 40))}`);
    }
    const out: { code: string; root?: string; assigningAuthorityName?: string } = { code };
    if (d.root !== undefined) out.root = d.root;
    if (d.assigningAuthorityName !== undefined) out.assigningAuthorityName = d.assigningAuthorityName;
    return out;
  }

  target(d: DraftTarget | undefined, field: () => string): OdsTarget {
    if (d === undefined) {
      return this.fail(field(), "is missing");
    }
    const orgId =
      d.orgId === undefined
        ? this.fail(`${field()}.OrgId`, "is missing")
        : this.orgId(d.orgId, "Target.OrgId");
    const target: { orgId: OdsOrgId; primaryRoleId?: string; primaryRoleUniqueId?: number } = { orgId };
    if (d.primaryRoleId !== undefined) {
      target.primaryRoleId = d.primaryRoleId;
    }
    if (d.primaryRoleUniqueId !== undefined) {
      target.primaryRoleUniqueId = this.integer(
        d.primaryRoleUniqueId,
        () => `${field()}.PrimaryRoleId.uniqueRoleId`,
      );
    }
    return target;
  }

  roles(drafts: readonly DraftRole[]): OdsRole[] {
    const known = this.#options.catalogue?.roles;
    const out: OdsRole[] = new Array<OdsRole>(drafts.length);
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftRole;
      const id = this.text(d.id, () => at("Roles.Role", i, "id"));
      if (known !== undefined && !known.has(id)) {
        this.warn("UNKNOWN_ROLE", at("Roles.Role", i, "id"), id, `unknown role ${id}`);
      }
      const periods = this.periods(d.periods, `Roles.Role[${i}].Date`);
      out[i] = {
        id,
        uniqueRoleId: this.integer(d.uniqueRoleId, () => at("Roles.Role", i, "uniqueRoleId")),
        primary: this.flag(d.primaryRole, () => at("Roles.Role", i, "primaryRole")),
        status: this.status(d.status, periods, () => at("Roles.Role", i, "Status")),
        periods,
      };
    }
    return out;
  }

  rels(drafts: readonly DraftRel[]): OdsRelationship[] {
    const known = this.#options.catalogue?.relationships;
    const out: OdsRelationship[] = new Array<OdsRelationship>(drafts.length);
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftRel;
      const id = this.text(d.id, () => at("Rels.Rel", i, "id"));
      if (known !== undefined && !known.has(id)) {
        this.warn("UNKNOWN_RELATIONSHIP", at("Rels.Rel", i, "id"), id, `unknown relationship ${id}`);
      }
      const periods = this.periods(d.periods, `Rels.Rel[${i}].Date`);
      out[i] = {
        id,
        uniqueRelId: this.integer(d.uniqueRelId, () => at("Rels.Rel", i, "uniqueRelId")),
        status: this.status(d.status, periods, () => at("Rels.Rel", i, "Status")),
        periods,
        target: this.target(d.target, () => at("Rels.Rel", i, "Target")),
      };
    }
    return out;
  }

  succs(drafts: readonly DraftSucc[]): OdsSuccession[] {
    const out: OdsSuccession[] = new Array<OdsSuccession>(drafts.length);
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftSucc;
      if (d.type !== "Predecessor" && d.type !== "Successor") {
        return this.fail(
          at("Succs.Succ", i, "Type"),
          d.type === undefined ? "is missing" : "is not Predecessor/Successor",
        );
      }
      const periods = this.periods(d.periods, `Succs.Succ[${i}].Date`);
      const target = this.target(d.target, () => at("Succs.Succ", i, "Target"));
      out[i] =
        d.uniqueSuccId === undefined
          ? { type: d.type, periods, target }
          : {
              uniqueSuccId: this.integer(d.uniqueSuccId, () => at("Succs.Succ", i, "uniqueSuccId")),
              type: d.type,
              periods,
              target,
            };
    }
    return out;
  }

  address(d: DraftAddress): OdsAddress {
    const out: Record<string, string> = {};
    if (d.addrLn1 !== undefined && d.addrLn1 !== "") out.addrLn1 = d.addrLn1;
    if (d.addrLn2 !== undefined && d.addrLn2 !== "") out.addrLn2 = d.addrLn2;
    if (d.addrLn3 !== undefined && d.addrLn3 !== "") out.addrLn3 = d.addrLn3;
    if (d.town !== undefined && d.town !== "") out.town = d.town;
    if (d.county !== undefined && d.county !== "") out.county = d.county;
    if (d.postCode !== undefined && d.postCode !== "") out.postCode = d.postCode;
    if (d.country !== undefined && d.country !== "") out.country = d.country;
    if (d.uprn !== undefined) {
      if (!DIGITS.test(d.uprn)) {
        this.fail("GeoLoc.Location.UPRN", `is not a UPRN: ${JSON.stringify(d.uprn.slice(0, 40))}`);
      }
      out.uprn = d.uprn;
    }
    return out;
  }

  contacts(drafts: DraftOrganisation["contacts"]): OdsContact[] {
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i] as DraftOrganisation["contacts"][number];
      const type = this.text(d.type, () => at("Contacts.Contact", i, "type"));
      if (!CONTACT_TYPES.has(type)) {
        this.warn(
          "UNKNOWN_CONTACT_TYPE",
          at("Contacts.Contact", i, "type"),
          type,
          `unknown contact type ${type}`,
        );
      }
      this.text(d.value, () => at("Contacts.Contact", i, "value"));
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
    const periods = this.periods(d.periods, "Date");
    const name = this.text(d.name, () => "Name");
    const status = this.status(d.status, periods, () => "Status");
    const refOnly = this.flag(d.refOnly, () => "refOnly");
    const lastChangeDate = this.date(d.lastChangeDate, () => "LastChangeDate");
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
