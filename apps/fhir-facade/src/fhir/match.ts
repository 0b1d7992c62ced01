import { matchesDate } from "./date-range.js";
import { dateValues, referenceValues, stringValues, tokenValues, uriValues } from "./extract.js";
import type { ReferenceEntry, TokenEntry } from "./extract.js";
import type {
  ChainCondition,
  MissingCondition,
  SearchCondition,
  SearchValue,
  ValueCondition,
} from "./search-query.js";
import { foldPostcode, foldText, soundexWords } from "./text-normalise.js";

/** The ODS organisation code system; a reference `Organization/<code>` is also that identifier. */
export const ODS_ORG_CODE_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code";

type Json = Record<string, unknown>;

/** Context for evaluating conditions: chained conditions resolved to the matching target ids. */
export interface MatchContext {
  readonly now: number;
  readonly chains: ReadonlyMap<ChainCondition, ReadonlySet<string>>;
}

function foldFor(param: string, value: string): string {
  return param === "address-postalcode" ? foldPostcode(value) : foldText(value);
}

function stringMatch(param: string, targets: readonly string[], value: SearchValue): boolean {
  if (value.kind !== "string") {
    return false;
  }
  switch (value.mode) {
    case "exact":
      return targets.includes(value.value);
    case "contains": {
      const v = foldFor(param, value.value);
      return targets.some((t) => foldFor(param, t).includes(v));
    }
    case "starts": {
      const v = foldFor(param, value.value);
      return targets.some((t) => foldFor(param, t).startsWith(v));
    }
    case "phonetic": {
      const wanted = soundexWords(value.value);
      if (wanted.length === 0) {
        return false;
      }
      return targets.some((t) => {
        const have = new Set(soundexWords(t));
        return wanted.every((w) => have.has(w));
      });
    }
  }
}

function tokenMatch(entries: readonly TokenEntry[], value: SearchValue): boolean {
  if (value.kind === "token-text") {
    const v = foldText(value.value);
    return entries.some((e) => e.text !== undefined && foldText(e.text).startsWith(v));
  }
  if (value.kind !== "token") {
    return false;
  }
  return entries.some((e) => {
    if (value.code !== undefined && e.code !== value.code) {
      return false;
    }
    if (value.system === undefined) {
      return true;
    }
    if (value.system === "") {
      return e.system === undefined;
    }
    return e.system === value.system;
  });
}

function referenceMatch(entries: readonly ReferenceEntry[], value: SearchValue): boolean {
  if (value.kind === "reference") {
    return entries.some(
      (e) => e.id === value.id && (value.type === undefined || e.type === undefined || e.type === value.type),
    );
  }
  if (value.kind === "reference-identifier") {
    return entries.some((e) => {
      if (e.identifier?.value === value.value) {
        return value.system === undefined || e.identifier.system === value.system;
      }
      // ODS: Organization.id is the ODS code, so Organization/RR8 is identified by ods-organization-code|RR8.
      return (
        e.type === "Organization" &&
        e.id === value.value &&
        (value.system === undefined || value.system === ODS_ORG_CODE_SYSTEM)
      );
    });
  }
  return false;
}

function hasValues(resource: Json, condition: MissingCondition): boolean {
  switch (condition.type) {
    case "string":
      return stringValues(resource, condition.param).length > 0;
    case "token":
      return tokenValues(resource, condition.param).length > 0;
    case "reference":
      return referenceValues(resource, condition.param).length > 0;
    case "date":
      return dateValues(resource, condition.param).length > 0;
    case "uri":
      return uriValues(resource, condition.param).length > 0;
  }
}

function valuesMatch(resource: Json, condition: ValueCondition, now: number): boolean {
  const { param } = condition;
  switch (condition.type) {
    case "string": {
      const targets = stringValues(resource, param);
      return condition.values.some((v) => stringMatch(param, targets, v));
    }
    case "token": {
      const entries = tokenValues(resource, param);
      const any = condition.values.some((v) => tokenMatch(entries, v));
      return condition.negate ? !any : any;
    }
    case "reference": {
      const entries = referenceValues(resource, param);
      return condition.values.some((v) => referenceMatch(entries, v));
    }
    case "date": {
      const ranges = dateValues(resource, param);
      return condition.values.some(
        (v) => v.kind === "date" && ranges.some((r) => matchesDate(v.prefix, v.range, r, now)),
      );
    }
    case "uri": {
      const uris = uriValues(resource, param);
      return condition.values.some((v) => v.kind === "uri" && uris.includes(v.value));
    }
  }
}

/** Whether a resource satisfies one search condition. */
export function matchesCondition(resource: Json, condition: SearchCondition, context: MatchContext): boolean {
  switch (condition.kind) {
    case "missing":
      return hasValues(resource, condition) !== condition.missing;
    case "values":
      return valuesMatch(resource, condition, context.now);
    case "chain": {
      const ids = context.chains.get(condition);
      if (ids === undefined) {
        return false;
      }
      return referenceValues(resource, condition.param).some(
        (r) =>
          r.id !== undefined && (r.type === undefined || r.type === condition.targetType) && ids.has(r.id),
      );
    }
  }
}

/** Whether a resource satisfies every condition (AND). */
export function matchesAll(
  resource: Json,
  conditions: readonly SearchCondition[],
  context: MatchContext,
): boolean {
  return conditions.every((c) => matchesCondition(resource, c, context));
}

/** The comparable sort value of a resource for a parameter (first value; missing sorts last). */
export function sortValue(resource: Json, param: string): string | number | undefined {
  switch (param) {
    case "_id":
      return typeof resource.id === "string" ? resource.id : undefined;
    case "_lastUpdated":
    case "lastChangeDate":
    case "date":
      return dateValues(resource, param)[0]?.start;
    default: {
      const s = stringValues(resource, param)[0];
      return s === undefined ? undefined : foldFor(param, s);
    }
  }
}
