import type {
  AffiliationCondition,
  AddressPart,
  DateValue as MirrorDateValue,
  MirrorReader,
  MissingField,
  OrgCondition,
  ReadResult as MirrorReadResult,
  SearchPage as MirrorSearchPage,
  SortKey as MirrorSortKey,
  StoredResource as MirrorStoredResource,
  StringValue as MirrorStringValue,
} from "@fhir-facade/ods-mirror";

import { FhirError } from "./errors.js";
import { ODS_ORG_CODE_SYSTEM } from "./match.js";
import type {
  OdsRepository,
  ReadResult,
  SearchPage,
  StoredResource,
  StoredType,
  SuccessionLink,
} from "./repository.js";
import type { SearchParamDef } from "./search-parameters.js";
import type { RepositoryQuery, SearchCondition, SearchValue, SortKey } from "./search-query.js";

const ROLE_SYSTEM =
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole";
const RECORD_CLASS_SYSTEM =
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRecordClass";
const RECORD_USE_SYSTEM = "https://fhir.nhs.uk/England/CodeSystem/England-ODSRecordUseType";
const RELATIONSHIP_SYSTEM =
  "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRelationship";

/** Thrown inside the translation when a condition can match nothing (the search answers an empty page). */
class MatchesNothing extends Error {}

function unsupported(what: string): FhirError {
  return new FhirError("not-supported", `${what} is not supported by the ODS mirror`);
}

function codesOf(values: readonly SearchValue[], systems: readonly (string | undefined)[]): string[] {
  const codes: string[] = [];
  for (const v of values) {
    if (v.kind === "token") {
      if (v.code === undefined) {
        throw unsupported("a token without a code (system|)");
      }
      if (v.system === undefined || systems.includes(v.system)) {
        codes.push(v.code);
      }
    } else if (v.kind === "reference") {
      codes.push(v.id);
    } else if (v.kind === "reference-identifier") {
      if (v.system === undefined || v.system === ODS_ORG_CODE_SYSTEM) {
        codes.push(v.value);
      }
    } else {
      throw unsupported(`a ${v.kind} value here`);
    }
  }
  return codes;
}

function strings(values: readonly SearchValue[]): MirrorStringValue[] {
  return values.map((v) => {
    if (v.kind !== "string") {
      throw unsupported(`a ${v.kind} value on a string parameter`);
    }
    if (v.mode === "phonetic") {
      throw unsupported("phonetic matching");
    }
    return { match: v.mode === "starts" ? "starts-with" : v.mode, value: v.value };
  });
}

function dates(values: readonly SearchValue[]): MirrorDateValue[] {
  return values.map((v) => {
    if (v.kind !== "date") {
      throw unsupported(`a ${v.kind} value on a date parameter`);
    }
    return { prefix: v.prefix, value: v.text };
  });
}

const ADDRESS_PARTS: Readonly<Record<string, AddressPart>> = {
  address: "any",
  "address-city": "city",
  "address-country": "country",
  "address-postalcode": "postalcode",
  "address-state": "state",
};

const MISSING_FIELDS: Readonly<Record<string, MissingField>> = {
  address: "address",
  "address-city": "city",
  "address-country": "country",
  "address-postalcode": "postalcode",
  partof: "partOf",
  lastChangeDate: "lastChangeDate",
  _lastUpdated: "lastChangeDate",
};

function nonEmpty(codes: string[]): string[] {
  if (codes.length === 0) {
    throw new MatchesNothing();
  }
  return codes;
}

/** Translates one FHIR condition into mirror conditions (`[]` = no restriction). */
function orgCondition(c: SearchCondition): OrgCondition[] {
  if (c.kind === "chain") {
    throw new FhirError("internal", "chains are resolved before the repository");
  }
  if (c.kind === "missing") {
    if (c.param === "name" || c.param === "_id" || c.param === "identifier" || c.param === "active") {
      if (c.missing) {
        throw new MatchesNothing();
      }
      return [];
    }
    // ODS records carry no endpoints, and ods-core's addresses no `use`: nothing has them.
    if (c.param === "endpoint" || c.param === "address-use") {
      if (!c.missing) {
        throw new MatchesNothing();
      }
      return [];
    }
    const field = MISSING_FIELDS[c.param];
    if (field === undefined) {
      throw unsupported(`${c.param}:missing`);
    }
    return [{ kind: "missing", field, missing: c.missing }];
  }
  const not = c.negate;
  switch (c.param) {
    case "_id":
      return [
        {
          kind: "code",
          codes: not ? codesOf(c.values, [undefined]) : nonEmpty(codesOf(c.values, [undefined])),
          not,
        },
      ];
    case "identifier": {
      const codes = codesOf(c.values, [ODS_ORG_CODE_SYSTEM]);
      if (!not) {
        nonEmpty(codes);
      }
      return codes.length === 0 ? [] : [{ kind: "code", codes, not }];
    }
    case "name":
      return [{ kind: "name", values: strings(c.values) }];
    case "address":
    case "address-city":
    case "address-country":
    case "address-postalcode":
    case "address-state":
      return [{ kind: "address", part: ADDRESS_PARTS[c.param] ?? "any", values: strings(c.values) }];
    case "active": {
      const wanted = new Set(c.values.map((v) => (v.kind === "token" ? v.code : undefined)));
      const value = wanted.has("true");
      if (wanted.has("true") && wanted.has("false")) {
        if (not) {
          throw new MatchesNothing();
        }
        return [];
      }
      return [{ kind: "active", value: not ? !value : value }];
    }
    case "type": {
      const classes = codesOf(c.values, [RECORD_CLASS_SYSTEM]).filter((x) => x === "RC1" || x === "RC2");
      const uses = codesOf(c.values, [RECORD_USE_SYSTEM]).filter((x) => x === "Full" || x === "RefOnly");
      if (classes.length > 0 && uses.length === 0) {
        return [{ kind: "recordClass", codes: classes, not }];
      }
      if (uses.length === 1 && classes.length === 0) {
        return [{ kind: "refOnly", value: (uses[0] === "RefOnly") !== not }];
      }
      if (classes.length === 0 && uses.length === 0) {
        if (not) {
          return [];
        }
        throw new MatchesNothing();
      }
      throw unsupported("mixing record classes and record use types in one type parameter");
    }
    case "roleCode":
    case "activeRoleCode": {
      const codes = codesOf(c.values, [ROLE_SYSTEM]);
      if (codes.length === 0) {
        if (not) {
          return [];
        }
        throw new MatchesNothing();
      }
      return [{ kind: "role", scope: c.param === "roleCode" ? "any" : "active", codes, not }];
    }
    case "partof":
      return [{ kind: "partOf", codes: nonEmpty(codesOf(c.values, [])) }];
    case "endpoint":
      throw new MatchesNothing();
    case "address-use":
      // No ODS address has a use (ods-core never sets one): a value matches nothing, :not matches everything.
      if (not) {
        return [];
      }
      throw new MatchesNothing();
    case "lastChangeDate":
    case "_lastUpdated":
      return [{ kind: "lastChangeDate", values: dates(c.values) }];
    default:
      throw unsupported(`the search parameter ${c.param}`);
  }
}

function affiliationCondition(c: SearchCondition): AffiliationCondition[] {
  if (c.kind !== "values") {
    throw unsupported(c.kind === "missing" ? `${c.param}:missing on OrganizationAffiliation` : "chaining");
  }
  switch (c.param) {
    case "_id":
    case "identifier":
      if (c.negate) {
        throw unsupported(`${c.param}:not on OrganizationAffiliation`);
      }
      return [
        {
          kind: "id",
          ids: nonEmpty(codesOf(c.values, [undefined, "https://fhir.nhs.uk/Id/ods-relationship-id"])),
        },
      ];
    case "primary-organization":
      return [{ kind: "primaryOrganization", codes: nonEmpty(codesOf(c.values, [])) }];
    case "participating-organization":
      return [{ kind: "participatingOrganization", codes: nonEmpty(codesOf(c.values, [])) }];
    case "role": {
      const codes = codesOf(c.values, [RELATIONSHIP_SYSTEM]);
      if (codes.length === 0 && !c.negate) {
        throw new MatchesNothing();
      }
      return codes.length === 0 ? [] : [{ kind: "type", codes, not: c.negate }];
    }
    case "active": {
      const wanted = new Set(c.values.map((v) => (v.kind === "token" ? v.code : undefined)));
      if (wanted.has("true") && wanted.has("false")) {
        if (c.negate) {
          throw new MatchesNothing();
        }
        return [];
      }
      const value = wanted.has("true");
      return [{ kind: "active", value: c.negate ? !value : value }];
    }
    case "date":
      return [{ kind: "date", values: dates(c.values) }];
    default:
      throw unsupported(`the OrganizationAffiliation search parameter ${c.param}`);
  }
}

function sortKeys(sort: readonly SortKey[]): MirrorSortKey[] {
  return sort.map((s) => {
    const direction = s.descending ? "desc" : "asc";
    switch (s.param) {
      case "_id":
        return { field: "code", direction };
      case "name":
        return { field: "name", direction };
      case "_lastUpdated":
      case "lastChangeDate":
        return { field: "lastChangeDate", direction };
      default:
        throw unsupported(`_sort=${s.param}`);
    }
  });
}

/** The instant of a change date; "" when the store knows none (no `Last-Modified` is sent then, never a made-up one). */
function lastUpdatedOf(date: string | undefined): string {
  return date === undefined ? "" : `${date}T00:00:00Z`;
}

function toStored(type: StoredType, r: MirrorStoredResource): StoredResource {
  return {
    resourceType: type,
    id: r.id,
    versionId: r.versionId,
    lastUpdated: lastUpdatedOf(r.lastChangeDate),
    json: Buffer.from(r.json),
  };
}

function toRead(type: StoredType, r: MirrorReadResult): ReadResult {
  switch (r.kind) {
    case "found":
      return { status: "found", resource: toStored(type, r) };
    case "gone":
      return { status: "deleted", id: r.id, deletedAt: r.removedAt };
    case "not-found":
      return { status: "missing" };
  }
}

function toPage(type: StoredType, page: MirrorSearchPage, query: RepositoryQuery): SearchPage {
  const total = page.total;
  return {
    total,
    resources: page.entries.map((e) => toStored(type, e)),
    hasMore: total !== undefined ? query.offset + query.count < total : page.next !== undefined,
  };
}

/** Organization parameters whose `:missing` the mirror cannot answer. */
const ORG_NO_MISSING = new Set(["type", "roleCode", "activeRoleCode", "address-state"]);

/**
 * What the mirror's query model answers, for the engine's parser and CapabilityStatement (see
 * {@link OdsRepository.restrictSearchParam}): no `phonetic` (no sound index), no `:text` on tokens (the mirror
 * keeps codes, not displays), no `:missing` on the Organization parameters it keeps no presence for, and on
 * OrganizationAffiliation no `_lastUpdated`, no `:missing`, no `:not` on ids, and sorting by `_id` (ascending)
 * only.
 */
function restrictForMirror(type: StoredType, def: SearchParamDef): SearchParamDef | undefined {
  const tokenText = (m: string): boolean => def.type === "token" && m === "text";
  if (type === "Organization") {
    if (def.name === "phonetic") {
      return undefined;
    }
    return {
      ...def,
      modifiers: def.modifiers.filter(
        (m) => !tokenText(m) && !(m === "missing" && ORG_NO_MISSING.has(def.name)),
      ),
    };
  }
  if (def.name === "_lastUpdated") {
    // The mirror keeps no change date for relationships.
    return undefined;
  }
  const idLike = def.name === "_id" || def.name === "identifier";
  return {
    ...def,
    modifiers: def.modifiers.filter((m) => !tokenText(m) && m !== "missing" && !(m === "not" && idLike)),
    sortable: def.name === "_id",
    documentation: def.name === "_id" ? `${def.documentation} Sorts ascending only.` : def.documentation,
  };
}

/**
 * The {@link OdsRepository} over the ODS mirror (`@fhir-facade/ods-mirror`'s `MirrorReader`, SQLite or
 * PostgreSQL): translates the FHIR conditions into the mirror's query model. What the mirror cannot express is
 * left out of `/metadata` ({@link restrictForMirror}) and answers `not-supported` (400), never a wrong result.
 */
export class MirrorOdsRepository implements OdsRepository {
  readonly #mirror: MirrorReader;

  constructor(mirror: MirrorReader) {
    this.#mirror = mirror;
  }

  restrictSearchParam(type: StoredType, def: SearchParamDef): SearchParamDef | undefined {
    return restrictForMirror(type, def);
  }

  async read(type: StoredType, id: string): Promise<ReadResult> {
    const result =
      type === "Organization" ? await this.#mirror.read(id) : await this.#mirror.readAffiliation(id);
    return toRead(type, result);
  }

  async search(query: RepositoryQuery): Promise<SearchPage> {
    const empty: SearchPage = { total: query.total ? 0 : undefined, resources: [], hasMore: false };
    const total = query.total ? "accurate" : "none";
    const page = { kind: "offset", offset: query.offset } as const;
    if (query.resourceType === "Organization") {
      let where: OrgCondition[];
      try {
        where = query.conditions.flatMap(orgCondition);
      } catch (err) {
        if (err instanceof MatchesNothing) {
          return empty;
        }
        throw err;
      }
      const result = await this.#mirror.search({
        where,
        sort: sortKeys(query.sort),
        count: query.count,
        page,
        total,
      });
      return toPage("Organization", result, query);
    }
    if (query.resourceType === "OrganizationAffiliation") {
      if (query.sort.some((s) => s.param !== "_id" || s.descending)) {
        throw unsupported("sorting OrganizationAffiliation by anything but _id");
      }
      let where: AffiliationCondition[];
      try {
        where = query.conditions.flatMap(affiliationCondition);
      } catch (err) {
        if (err instanceof MatchesNothing) {
          return empty;
        }
        throw err;
      }
      const result = await this.#mirror.searchAffiliations({ where, count: query.count, page, total });
      return toPage("OrganizationAffiliation", result, query);
    }
    return empty;
  }

  async succession(code: string): Promise<readonly SuccessionLink[]> {
    const lookup = await this.#mirror.lookup(code);
    if (lookup === undefined) {
      return [];
    }
    return [
      ...lookup.successors.map((s) => ({ type: "Successor" as const, code: s.code, date: s.date })),
      ...lookup.predecessors.map((s) => ({ type: "Predecessor" as const, code: s.code, date: s.date })),
    ];
  }
}
