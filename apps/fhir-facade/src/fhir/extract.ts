import { parseDateRange } from "./date-range.js";
import type { TimeRange } from "./date-range.js";

/**
 * Extraction of search-parameter values from resources: the code form of the FHIRPath expressions in
 * search-parameters.ts. Used by the in-memory repository and by include resolution.
 */

const EXT_ROLE = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole";
const EXT_TYPED_DATE = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-TypedDateTime";

export interface TokenEntry {
  readonly system: string | undefined;
  readonly code: string | undefined;
  /** Display / text, for `:text`. */
  readonly text: string | undefined;
}

export interface ReferenceEntry {
  readonly type: string | undefined;
  readonly id: string | undefined;
  readonly identifier:
    { readonly system: string | undefined; readonly value: string | undefined } | undefined;
}

type Json = Record<string, unknown>;

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function asObject(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function addressParts(address: unknown): string[] {
  const a = asObject(address);
  if (a === undefined) {
    return [];
  }
  const parts = [...asArray(a.line).map(str)];
  for (const key of ["city", "district", "state", "postalCode", "country", "text"]) {
    parts.push(str(a[key]));
  }
  return parts.filter((p): p is string => p !== undefined && p !== "");
}

function codings(concept: unknown): TokenEntry[] {
  const c = asObject(concept);
  if (c === undefined) {
    return [];
  }
  const text = str(c.text);
  const out = asArray(c.coding).map((coding) => {
    const cd = asObject(coding) ?? {};
    return { system: str(cd.system), code: str(cd.code), text: str(cd.display) ?? text };
  });
  if (out.length === 0 && text !== undefined) {
    out.push({ system: undefined, code: undefined, text });
  }
  return out;
}

function subExtension(ext: Json, url: string): Json | undefined {
  return asArray(ext.extension)
    .map(asObject)
    .find((e) => e?.url === url);
}

function roleCodes(resource: Json, activeOnly: boolean): TokenEntry[] {
  const out: TokenEntry[] = [];
  for (const raw of asArray(resource.extension)) {
    const ext = asObject(raw);
    if (ext?.url !== EXT_ROLE) {
      continue;
    }
    if (activeOnly && subExtension(ext, "active")?.valueBoolean !== true) {
      continue;
    }
    out.push(...codings(subExtension(ext, "roleCode")?.valueCodeableConcept));
  }
  return out;
}

function referenceEntry(value: unknown): ReferenceEntry | undefined {
  const r = asObject(value);
  if (r === undefined) {
    return undefined;
  }
  const ref = str(r.reference);
  let type: string | undefined;
  let id: string | undefined;
  if (ref !== undefined) {
    const parts = ref.replace(/\/_history\/.*$/, "").split("/");
    id = parts[parts.length - 1];
    type = parts.length >= 2 ? parts[parts.length - 2] : str(r.type);
  }
  const ident = asObject(r.identifier);
  return {
    type: type ?? str(r.type),
    id,
    identifier: ident === undefined ? undefined : { system: str(ident.system), value: str(ident.value) },
  };
}

/** String values of a string parameter (un-normalised). */
export function stringValues(resource: Json, param: string): string[] {
  const addresses = asArray(resource.address);
  switch (param) {
    case "name":
    case "phonetic":
      return [str(resource.name), ...asArray(resource.alias).map(str)].filter(
        (s): s is string => s !== undefined,
      );
    case "address":
      return addresses.flatMap(addressParts);
    case "address-city":
      return addresses.map((a) => str(asObject(a)?.city)).filter((s): s is string => s !== undefined);
    case "address-country":
      return addresses.map((a) => str(asObject(a)?.country)).filter((s): s is string => s !== undefined);
    case "address-postalcode":
      return addresses.map((a) => str(asObject(a)?.postalCode)).filter((s): s is string => s !== undefined);
    case "address-state":
      return addresses.map((a) => str(asObject(a)?.state)).filter((s): s is string => s !== undefined);
    default:
      return [];
  }
}

/** Token values of a token parameter. */
export function tokenValues(resource: Json, param: string): TokenEntry[] {
  switch (param) {
    case "_id":
      return resource.id === undefined
        ? []
        : [{ system: undefined, code: str(resource.id), text: undefined }];
    case "identifier":
      return asArray(resource.identifier).map((i) => {
        const o = asObject(i) ?? {};
        const type = asObject(o.type);
        return { system: str(o.system), code: str(o.value), text: str(type?.text) };
      });
    case "active":
      return typeof resource.active === "boolean"
        ? [{ system: undefined, code: String(resource.active), text: undefined }]
        : [];
    case "type":
      return asArray(resource.type).flatMap(codings);
    case "role":
      return asArray(resource.code).flatMap(codings);
    case "address-use":
      return asArray(resource.address)
        .map((a) => str(asObject(a)?.use))
        .filter((s): s is string => s !== undefined)
        .map((code) => ({ system: "http://hl7.org/fhir/address-use", code, text: undefined }));
    case "roleCode":
      return roleCodes(resource, false);
    case "activeRoleCode":
      return roleCodes(resource, true);
    case "status":
      return resource.status === undefined
        ? []
        : [{ system: undefined, code: str(resource.status), text: undefined }];
    default:
      return [];
  }
}

/** Reference values of a reference parameter. */
export function referenceValues(resource: Json, param: string): ReferenceEntry[] {
  let raw: unknown[];
  switch (param) {
    case "partof":
      raw = asArray(resource.partOf);
      break;
    case "endpoint":
      raw = asArray(resource.endpoint);
      break;
    case "primary-organization":
      raw = asArray(resource.organization);
      break;
    case "participating-organization":
      raw = asArray(resource.participatingOrganization);
      break;
    default:
      raw = [];
  }
  return raw.map(referenceEntry).filter((r): r is ReferenceEntry => r !== undefined);
}

/** Date ranges of a date parameter. */
export function dateValues(resource: Json, param: string): TimeRange[] {
  switch (param) {
    case "_lastUpdated": {
      const last = str(asObject(resource.meta)?.lastUpdated);
      const range = last === undefined ? undefined : parseDateRange(last);
      return range === undefined ? [] : [range];
    }
    case "lastChangeDate": {
      const out: TimeRange[] = [];
      for (const raw of asArray(resource.extension)) {
        const ext = asObject(raw);
        if (ext?.url !== EXT_TYPED_DATE) {
          continue;
        }
        const value = str(subExtension(ext, "dateTime")?.valueDateTime);
        const range = value === undefined ? undefined : parseDateRange(value);
        if (range !== undefined) {
          out.push(range);
        }
      }
      return out;
    }
    case "date": {
      const period = asObject(resource.period);
      if (period === undefined) {
        return [];
      }
      const start = str(period.start);
      const end = str(period.end);
      return [
        {
          start: start === undefined ? -Infinity : (parseDateRange(start)?.start ?? -Infinity),
          end: end === undefined ? Infinity : (parseDateRange(end)?.end ?? Infinity),
        },
      ];
    }
    default:
      return [];
  }
}

/** Uri values of a uri parameter. */
export function uriValues(resource: Json, param: string): string[] {
  if (param === "url" || param === "system") {
    const url = str(resource.url);
    return url === undefined ? [] : [url];
  }
  return [];
}
