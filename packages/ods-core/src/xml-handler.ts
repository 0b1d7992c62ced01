/**
 * The SAX state machine of the ODS XML reader: turns saxes events for an `HSCOrgRefData` v2-0-0 document into
 * manifest, code-system and organisation items. Depth-aware (a `Target` holds its own `OrgId`), so nested
 * elements never leak into the enclosing record (upstream-ods.md §3, "Parser gotchas").
 */
import type { OdsCodeCatalogue } from "./code-catalogue.js";
import {
  Finisher,
  newDraft,
  type DraftOrganisation,
  type DraftPeriod,
  type DraftRel,
  type DraftRole,
  type DraftSucc,
  type DraftTarget,
} from "./draft.js";
import { OdsError } from "./errors.js";
import type { OdsCodeSystem, OdsConcept, OdsManifest, OdsOrganisation } from "./model.js";
import type { OdsWarningListener } from "./warnings.js";

/** One item read from an ODS XML file, in document order. */
export type OdsXmlItem =
  | { readonly kind: "manifest"; readonly manifest: OdsManifest }
  | { readonly kind: "codeSystem"; readonly codeSystem: OdsCodeSystem }
  | { readonly kind: "organisation"; readonly organisation: OdsOrganisation };

/** The namespace of ODS XML v2-0-0. */
export const ODS_XML_NAMESPACE = "http://refdata.hscic.gov.uk/org/v2-0-0";

// Contexts (one per open element).
const C_OUT = 0;
const C_DOC = 1;
const C_MANIFEST = 2;
const C_PRS = 4;
const C_CSS = 5;
const C_CS = 6;
const C_ORGS = 7;
const C_ORG = 8;
const C_DATE = 9;
const C_GEOLOC = 10;
const C_LOCATION = 11;
const C_CONTACTS = 12;
const C_ROLES = 13;
const C_ROLE = 14;
const C_RELS = 15;
const C_REL = 16;
const C_TARGET = 17;
const C_SUCCS = 18;
const C_SUCC = 19;
const C_SKIP = 20;
const C_EMPTY = 21; // a known element with no children of interest

// Value elements ("leaves"), one context each, so that closing one needs no string comparison. Every leaf
// context is >= L_FIRST.
const L_FIRST = 100;
const L_MANIFEST = 100;
const L_DATE_TYPE = 101;
const L_DATE_START = 102;
const L_DATE_END = 103;
const L_ORG_NAME = 104;
const L_ORG_STATUS = 105;
const L_ORG_LAST_CHANGE = 106;
const L_ROLE_STATUS = 107;
const L_REL_STATUS = 108;
const L_SUCC_TYPE = 109;
const L_ADDR_LN1 = 110;
const L_ADDR_LN2 = 111;
const L_ADDR_LN3 = 112;
const L_TOWN = 113;
const L_COUNTY = 114;
const L_POSTCODE = 115;
const L_COUNTRY = 116;
const L_UPRN = 117;

/**
 * The leaf context of an address element, or 0. A `switch` rather than a lookup table: the parser's tag names
 * are fresh strings, and `name in table` / `table[name]` would look each one up in V8's string table first.
 */
function addressLeaf(name: string): number {
  switch (name) {
    case "AddrLn1":
      return L_ADDR_LN1;
    case "AddrLn2":
      return L_ADDR_LN2;
    case "AddrLn3":
      return L_ADDR_LN3;
    case "Town":
      return L_TOWN;
    case "County":
      return L_COUNTY;
    case "PostCode":
      return L_POSTCODE;
    case "Country":
      return L_COUNTRY;
    case "UPRN":
      return L_UPRN;
    default:
      return 0;
  }
}

/**
 * Enumerated values as string constants: the parser hands out fresh (often sliced) strings, and the mapping
 * compares and looks these up for every organisation. Anything else is kept as read (validation reports it).
 */
function dateType(value: string): string {
  return value === "Operational" ? "Operational" : value === "Legal" ? "Legal" : value;
}
function status(value: string): string {
  return value === "Active" ? "Active" : value === "Inactive" ? "Inactive" : value;
}
function contactType(value: string): string {
  switch (value) {
    case "tel":
      return "tel";
    case "http":
      return "http";
    case "fax":
      return "fax";
    case "email":
      return "email";
    default:
      return value;
  }
}

const MANIFEST_KEYS = new Set([
  "Version",
  "PublicationType",
  "PublicationSource",
  "PublicationDate",
  "PublicationSeqNum",
  "FileCreationDateTime",
  "RecordCount",
  "ContentDescription",
]);

/** Options of the handler (see {@link ReadOdsXmlOptions}). */
export interface XmlHandlerOptions {
  readonly onWarning?: OdsWarningListener | undefined;
  readonly catalogue?: OdsCodeCatalogue | undefined;
  /** Longest text or attribute value accepted, in characters. */
  readonly maxValueLength: number;
  /** Most roles + relationships + successions + contacts + dates in one organisation. */
  readonly maxItemsPerOrganisation: number;
  /** What to do with an organisation that fails validation. */
  readonly invalidRecords: "throw" | "warn";
}

type Attrs = Record<string, string>;

/** Builds items from SAX events; the caller drains {@link XmlHandler.items} after each write. */
export class XmlHandler {
  readonly items: OdsXmlItem[] = [];
  readonly #o: XmlHandlerOptions;
  readonly #position: () => { line: number; column: number };
  readonly #textCapture: (on: boolean) => void;
  readonly #finisher: Finisher;
  readonly #ctx: number[] = [C_OUT];
  readonly #warnedElements = new Set<string>();
  #rootSeen = false;
  #rootClosed = false;
  #manifest: Record<string, string> = {};
  #primaryRoles: { id: string; displayName: string }[] = [];
  #manifestSeen = false;
  #codeSystem: { name: string; oid: string; concepts: OdsConcept[] } | undefined;
  #org: DraftOrganisation | undefined;
  #orgItems = 0;
  #role: DraftRole | undefined;
  #rel: DraftRel | undefined;
  #succ: DraftSucc | undefined;
  #target: DraftTarget | undefined;
  #period: DraftPeriod | undefined;
  /** The name of the open value element (for messages only). */
  #leafName = "";
  #leafValue: string | undefined;
  #capture = false;
  #text = "";
  organisations = 0;

  /**
   * @param position the parser's current line and column (for errors)
   * @param textCapture switches the parser's text events on and off: text is only wanted inside value
   *   elements (Name, AddrLn1…), so the parser does not slice and report the whitespace between tags.
   */
  constructor(
    options: XmlHandlerOptions,
    position: () => { line: number; column: number },
    textCapture: (on: boolean) => void,
  ) {
    this.#o = options;
    this.#position = position;
    this.#textCapture = textCapture;
    this.#finisher = new Finisher({ onWarning: options.onWarning, catalogue: options.catalogue });
  }

  fail(code: "ODS_XML_MALFORMED" | "ODS_XML_UNSUPPORTED" | "ODS_TOO_LARGE", message: string): never {
    const { line, column } = this.#position();
    const organisation = this.#org?.orgId?.extension;
    throw new OdsError(code, `${message} (line ${line}, column ${column})`, {
      details: { line, column, ...(organisation === undefined ? {} : { organisation }) },
    });
  }

  #value(attrs: Attrs, name: string): string | undefined {
    const v = attrs[name];
    if (v !== undefined && v.length > this.#o.maxValueLength) {
      this.fail("ODS_TOO_LARGE", `attribute ${name} is longer than ${this.#o.maxValueLength} characters`);
    }
    return v;
  }

  #count(): void {
    if (++this.#orgItems > this.#o.maxItemsPerOrganisation) {
      this.fail("ODS_TOO_LARGE", `organisation has more than ${this.#o.maxItemsPerOrganisation} entries`);
    }
  }

  #leaf(leaf: number, name: string, attrs: Attrs): number {
    this.#leafName = name;
    const value = this.#value(attrs, "value");
    this.#leafValue = value;
    if (value === undefined) {
      this.#capture = true;
      this.#textCapture(true);
    }
    return leaf;
  }

  #unknown(name: string): number {
    if (this.#o.onWarning !== undefined && !this.#warnedElements.has(name)) {
      this.#warnedElements.add(name);
      const organisation = this.#org?.orgId?.extension;
      this.#o.onWarning({
        code: "UNKNOWN_ELEMENT",
        message: `element ${name} is not part of ODS XML v2-0-0 as this reader knows it; skipped`,
        ...(organisation === undefined ? {} : { organisation }),
        value: name,
      });
    }
    return C_SKIP;
  }

  #startDate(owner: DraftPeriod[]): number {
    this.#count();
    this.#period = {};
    owner.push(this.#period);
    return C_DATE;
  }

  #orgIdFrom(attrs: Attrs): { root?: string; assigningAuthorityName?: string; extension?: string } {
    const id: { root?: string; assigningAuthorityName?: string; extension?: string } = {};
    const root = this.#value(attrs, "root");
    const aan = this.#value(attrs, "assigningAuthorityName");
    const ext = this.#value(attrs, "extension");
    if (root !== undefined) id.root = root;
    if (aan !== undefined) id.assigningAuthorityName = aan;
    if (ext !== undefined) id.extension = ext;
    return id;
  }

  open(name: string, attrs: Attrs): void {
    const ctx = this.#ctx;
    ctx.push(this.#next(ctx[ctx.length - 1] ?? C_OUT, name, attrs));
  }

  #next(parent: number, name: string, attrs: Attrs): number {
    switch (parent) {
      case C_OUT:
        return this.#openRoot(name, attrs);
      case C_DOC:
        if (name === "Manifest") return C_MANIFEST;
        if (name === "CodeSystems") return C_CSS;
        if (name === "Organisations") return C_ORGS;
        return this.#unknown(name);
      case C_MANIFEST:
        if (name === "PrimaryRoleScope") return C_PRS;
        if (MANIFEST_KEYS.has(name)) return this.#leaf(L_MANIFEST, name, attrs);
        return this.#unknown(name);
      case C_PRS:
        if (name === "PrimaryRole") {
          if (this.#primaryRoles.length >= this.#o.maxItemsPerOrganisation) {
            this.fail("ODS_TOO_LARGE", "too many PrimaryRole entries");
          }
          this.#primaryRoles.push({
            id: this.#value(attrs, "id") ?? "",
            displayName: this.#value(attrs, "displayName") ?? "",
          });
          return C_EMPTY;
        }
        return this.#unknown(name);
      case C_CSS:
        if (name === "CodeSystem") {
          this.#codeSystem = {
            name: this.#value(attrs, "name") ?? "",
            oid: this.#value(attrs, "oid") ?? "",
            concepts: [],
          };
          return C_CS;
        }
        return this.#unknown(name);
      case C_CS:
        if (name === "concept" && this.#codeSystem !== undefined) {
          if (this.#codeSystem.concepts.length >= this.#o.maxItemsPerOrganisation) {
            this.fail("ODS_TOO_LARGE", "too many concepts in a code system");
          }
          const id = this.#value(attrs, "id");
          if (id === undefined || id === "") this.fail("ODS_XML_UNSUPPORTED", "concept without id");
          this.#codeSystem.concepts.push({
            id,
            code: this.#value(attrs, "code") ?? id.replace(/^[A-Z]+/, ""),
            displayName: this.#value(attrs, "displayName") ?? "",
          });
          return C_EMPTY;
        }
        return this.#unknown(name);
      case C_ORGS:
        if (name === "Organisation") {
          const org = newDraft();
          const rc = this.#value(attrs, "orgRecordClass");
          const refOnly = this.#value(attrs, "refOnly");
          if (rc !== undefined) org.recordClass = rc === "RC1" ? "RC1" : rc === "RC2" ? "RC2" : rc;
          if (refOnly !== undefined) org.refOnly = refOnly;
          this.#org = org;
          this.#orgItems = 0;
          return C_ORG;
        }
        return this.#unknown(name);
      case C_ORG:
        return this.#openInOrg(name, attrs);
      case C_DATE:
        if (name === "Type") return this.#leaf(L_DATE_TYPE, name, attrs);
        if (name === "Start") return this.#leaf(L_DATE_START, name, attrs);
        if (name === "End") return this.#leaf(L_DATE_END, name, attrs);
        return this.#unknown(name);
      case C_GEOLOC:
        return name === "Location" ? C_LOCATION : this.#unknown(name);
      case C_LOCATION: {
        const leaf = addressLeaf(name);
        return leaf === 0 ? this.#unknown(name) : this.#leaf(leaf, name, attrs);
      }
      case C_CONTACTS:
        if (name === "Contact" && this.#org !== undefined) {
          this.#count();
          const type = this.#value(attrs, "type");
          const value = this.#value(attrs, "value");
          if (type !== undefined && value !== undefined) {
            this.#org.contacts.push({ type: contactType(type), value });
          } else {
            const partial: { type?: string; value?: string } = {};
            if (type !== undefined) partial.type = type;
            if (value !== undefined) partial.value = value;
            this.#org.contacts.push(partial);
          }
          return C_EMPTY;
        }
        return this.#unknown(name);
      case C_ROLES:
        if (name === "Role" && this.#org !== undefined) {
          this.#count();
          const role: DraftRole = { periods: [] };
          const id = this.#value(attrs, "id");
          const unique = this.#value(attrs, "uniqueRoleId");
          const primary = this.#value(attrs, "primaryRole");
          if (id !== undefined) role.id = id;
          if (unique !== undefined) role.uniqueRoleId = unique;
          if (primary !== undefined) role.primaryRole = primary;
          this.#org.roles.push(role);
          this.#role = role;
          return C_ROLE;
        }
        return this.#unknown(name);
      case C_ROLE:
        if (name === "Date" && this.#role !== undefined) return this.#startDate(this.#role.periods);
        if (name === "Status") return this.#leaf(L_ROLE_STATUS, name, attrs);
        return this.#unknown(name);
      case C_RELS:
        if (name === "Rel" && this.#org !== undefined) {
          this.#count();
          const rel: DraftRel = { periods: [] };
          const id = this.#value(attrs, "id");
          const unique = this.#value(attrs, "uniqueRelId");
          if (id !== undefined) rel.id = id;
          if (unique !== undefined) rel.uniqueRelId = unique;
          this.#org.rels.push(rel);
          this.#rel = rel;
          return C_REL;
        }
        return this.#unknown(name);
      case C_REL:
        if (name === "Date" && this.#rel !== undefined) return this.#startDate(this.#rel.periods);
        if (name === "Status") return this.#leaf(L_REL_STATUS, name, attrs);
        if (name === "Target" && this.#rel !== undefined) {
          this.#target = {};
          this.#rel.target = this.#target;
          return C_TARGET;
        }
        return this.#unknown(name);
      case C_SUCCS:
        if (name === "Succ" && this.#org !== undefined) {
          this.#count();
          const succ: DraftSucc = { periods: [] };
          const unique = this.#value(attrs, "uniqueSuccId");
          if (unique !== undefined) succ.uniqueSuccId = unique;
          this.#org.succs.push(succ);
          this.#succ = succ;
          return C_SUCC;
        }
        return this.#unknown(name);
      case C_SUCC:
        if (name === "Date" && this.#succ !== undefined) return this.#startDate(this.#succ.periods);
        if (name === "Type") return this.#leaf(L_SUCC_TYPE, name, attrs);
        if (name === "Target" && this.#succ !== undefined) {
          this.#target = {};
          this.#succ.target = this.#target;
          return C_TARGET;
        }
        return this.#unknown(name);
      case C_TARGET:
        if (name === "OrgId" && this.#target !== undefined) {
          this.#target.orgId = this.#orgIdFrom(attrs);
          return C_EMPTY;
        }
        if (name === "PrimaryRoleId" && this.#target !== undefined) {
          const id = this.#value(attrs, "id");
          const unique = this.#value(attrs, "uniqueRoleId");
          if (id !== undefined) this.#target.primaryRoleId = id;
          if (unique !== undefined) this.#target.primaryRoleUniqueId = unique;
          return C_EMPTY;
        }
        return C_SKIP; // e.g. a target's Name: not part of the model
      default:
        if (parent >= L_FIRST) {
          return this.fail("ODS_XML_UNSUPPORTED", `element ${name} inside a value element`);
        }
        return C_SKIP;
    }
  }

  #openRoot(name: string, attrs: Attrs): number {
    if (this.#rootSeen) {
      return this.fail("ODS_XML_MALFORMED", "more than one root element");
    }
    this.#rootSeen = true;
    const colon = name.indexOf(":");
    const local = colon < 0 ? name : name.slice(colon + 1);
    const nsAttr = colon < 0 ? "xmlns" : `xmlns:${name.slice(0, colon)}`;
    if (local !== "OrgRefData" || attrs[nsAttr] !== ODS_XML_NAMESPACE) {
      return this.fail(
        "ODS_XML_UNSUPPORTED",
        `root element is ${name.slice(0, 80)}, not OrgRefData in namespace ${ODS_XML_NAMESPACE}`,
      );
    }
    return C_DOC;
  }

  #openInOrg(name: string, attrs: Attrs): number {
    const org = this.#org;
    if (org === undefined) return C_SKIP;
    switch (name) {
      case "Name":
        return this.#leaf(L_ORG_NAME, name, attrs);
      case "Status":
        return this.#leaf(L_ORG_STATUS, name, attrs);
      case "LastChangeDate":
        return this.#leaf(L_ORG_LAST_CHANGE, name, attrs);
      case "Date":
        return this.#startDate(org.periods);
      case "OrgId":
        org.orgId = this.#orgIdFrom(attrs);
        return C_EMPTY;
      case "GeoLoc":
        org.address ??= {};
        return C_GEOLOC;
      case "Contacts":
        return C_CONTACTS;
      case "Roles":
        return C_ROLES;
      case "Rels":
        return C_RELS;
      case "Succs":
        return C_SUCCS;
      default:
        return this.#unknown(name);
    }
  }

  text(text: string): void {
    if (this.#capture) {
      if (this.#text.length + text.length > this.#o.maxValueLength) {
        this.fail(
          "ODS_TOO_LARGE",
          `element ${this.#leafName} is longer than ${this.#o.maxValueLength} characters`,
        );
      }
      this.#text += text;
    }
  }

  close(): void {
    const ctx = this.#ctx.pop() ?? C_OUT;
    if (ctx >= L_FIRST) {
      this.#closeLeaf(ctx);
      return;
    }
    switch (ctx) {
      case C_DOC:
        this.#rootClosed = true;
        return;
      case C_MANIFEST:
        this.#closeManifest();
        return;
      case C_CS:
        if (this.#codeSystem !== undefined) {
          this.#emitCodeSystem(this.#codeSystem);
          this.#codeSystem = undefined;
        }
        return;
      case C_ORG:
        this.#closeOrganisation();
        return;
      case C_DATE:
        this.#period = undefined;
        return;
      case C_ROLE:
        this.#role = undefined;
        return;
      case C_REL:
        this.#rel = undefined;
        return;
      case C_SUCC:
        this.#succ = undefined;
        return;
      case C_TARGET:
        this.#target = undefined;
        return;
      default:
        return;
    }
  }

  #closeLeaf(leaf: number): void {
    let value = this.#leafValue;
    if (value === undefined) {
      value = this.#text;
      this.#text = "";
      this.#capture = false;
      this.#textCapture(false);
    }
    switch (leaf) {
      case L_DATE_TYPE:
        if (this.#period !== undefined) this.#period.type = dateType(value);
        return;
      case L_DATE_START:
        if (this.#period !== undefined) this.#period.start = value;
        return;
      case L_DATE_END:
        if (this.#period !== undefined) this.#period.end = value;
        return;
      case L_ORG_NAME:
        if (this.#org !== undefined) this.#org.name = value;
        return;
      case L_ORG_STATUS:
        if (this.#org !== undefined) this.#org.status = status(value);
        return;
      case L_ORG_LAST_CHANGE:
        if (this.#org !== undefined) this.#org.lastChangeDate = value;
        return;
      case L_ROLE_STATUS:
        if (this.#role !== undefined) this.#role.status = status(value);
        return;
      case L_REL_STATUS:
        if (this.#rel !== undefined) this.#rel.status = status(value);
        return;
      case L_SUCC_TYPE:
        if (this.#succ !== undefined) {
          this.#succ.type =
            value === "Successor" ? "Successor" : value === "Predecessor" ? "Predecessor" : value;
        }
        return;
      case L_MANIFEST:
        this.#manifest[this.#leafName] = value;
        return;
      default:
        this.#closeAddressLeaf(leaf, value);
    }
  }

  #closeAddressLeaf(leaf: number, value: string): void {
    const address = this.#org?.address;
    if (address === undefined || value === "") return;
    switch (leaf) {
      case L_ADDR_LN1:
        address.addrLn1 = value;
        return;
      case L_ADDR_LN2:
        address.addrLn2 = value;
        return;
      case L_ADDR_LN3:
        address.addrLn3 = value;
        return;
      case L_TOWN:
        address.town = value;
        return;
      case L_COUNTY:
        address.county = value;
        return;
      case L_POSTCODE:
        address.postCode = value;
        return;
      case L_COUNTRY:
        address.country = value;
        return;
      case L_UPRN:
        address.uprn = value;
        return;
      default:
        return;
    }
  }

  #closeManifest(): void {
    const m = this.#manifest;
    const version = m.Version;
    if (version !== "2-0-0") {
      this.fail("ODS_XML_UNSUPPORTED", `Manifest Version is ${JSON.stringify(version ?? null)}, not 2-0-0`);
    }
    const manifest: Record<string, unknown> = {
      version,
      publicationType: m.PublicationType ?? "",
      primaryRoleScope: this.#primaryRoles,
    };
    const optional: readonly [string, string][] = [
      ["PublicationSource", "publicationSource"],
      ["PublicationDate", "publicationDate"],
      ["PublicationSeqNum", "publicationSeqNum"],
      ["FileCreationDateTime", "fileCreationDateTime"],
      ["ContentDescription", "contentDescription"],
    ];
    for (const [from, to] of optional) {
      if (m[from] !== undefined) manifest[to] = m[from];
    }
    if (m.RecordCount !== undefined && /^\d{1,9}$/.test(m.RecordCount)) {
      manifest.recordCount = Number(m.RecordCount);
    }
    this.#manifestSeen = true;
    this.items.push({ kind: "manifest", manifest: manifest as unknown as OdsManifest });
  }

  #emitCodeSystem(cs: { name: string; oid: string; concepts: OdsConcept[] }): void {
    if (cs.name === "OrganisationRole") {
      const primary = new Set(this.#primaryRoles.map((r) => r.id));
      cs.concepts = cs.concepts.map((c) => ({ ...c, primaryRole: primary.has(c.id) }));
    } else if (cs.name !== "OrganisationRelationship" && cs.name !== "OrganisationRecordClass") {
      this.#o.onWarning?.({
        code: "UNKNOWN_CODE_SYSTEM",
        message: `code system ${cs.name.slice(0, 80)} is not one of the ODS ones`,
        value: cs.name.slice(0, 80),
      });
    }
    this.items.push({ kind: "codeSystem", codeSystem: cs });
  }

  #closeOrganisation(): void {
    const draft = this.#org;
    this.#org = undefined;
    if (draft === undefined) return;
    if (!this.#manifestSeen) {
      this.fail("ODS_XML_UNSUPPORTED", "Organisation before the Manifest");
    }
    try {
      const organisation = this.#finisher.organisation(draft);
      this.organisations++;
      this.items.push({ kind: "organisation", organisation });
    } catch (error) {
      if (!(error instanceof OdsError)) throw error;
      const { line, column } = this.#position();
      if (this.#o.invalidRecords === "warn") {
        this.#o.onWarning?.({
          code: "INVALID_RECORD",
          message: `${error.message} (record ending at line ${line}); skipped`,
          ...(error.details.organisation === undefined ? {} : { organisation: error.details.organisation }),
          ...(error.details.field === undefined ? {} : { field: error.details.field }),
        });
        return;
      }
      throw new OdsError(
        "ODS_INVALID_RECORD",
        `${error.message} (record ending at line ${line}, column ${column})`,
        {
          cause: error,
          details: { ...error.details, line, column },
        },
      );
    }
  }

  /** Checks the document ended properly. */
  end(): void {
    if (!this.#rootSeen) {
      this.fail("ODS_XML_MALFORMED", "no root element");
    }
    if (!this.#rootClosed) {
      this.fail("ODS_XML_MALFORMED", "document ended before the root element was closed");
    }
    if (!this.#manifestSeen) {
      this.fail("ODS_XML_UNSUPPORTED", "no Manifest");
    }
  }
}
