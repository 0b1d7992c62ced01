import { parseDateRange, splitPrefix } from "./date-range.js";
import { FhirError } from "./errors.js";
import { splitUnescaped, unescapeValue } from "./escaping.js";
import { INCLUDES, REVINCLUDES, SEARCH_PARAMS, isServedType } from "./search-parameters.js";
import type { SearchParamDef, SearchParamTable, ServedType } from "./search-parameters.js";
import type {
  IncludeDirective,
  ParsedSearch,
  SearchCondition,
  SearchValue,
  SortKey,
  SummaryMode,
} from "./search-query.js";

/** Limits and defaults of search parsing. */
export interface SearchLimits {
  /** Page size when `_count` is absent (R4 leaves it to the server; 20 like the ODT API). */
  readonly countDefault: number;
  /** Largest page size; larger `_count` values are clamped and the self link says so. */
  readonly countMax: number;
  /** Most OR values in one parameter. */
  readonly maxValues: number;
  /** Most search parameters in one request. */
  readonly maxParams: number;
  /** Longest single value, in characters. */
  readonly maxValueLength: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  countDefault: 20,
  countMax: 1000,
  maxValues: 100,
  maxParams: 50,
  maxValueLength: 1024,
};

/** Parameters valid on every interaction, never "unknown" (medplum#3975 rejected `_format`). */
export const GENERAL_PARAMS = new Set(["_format", "_pretty", "_summary", "_elements"]);

const RESULT_PARAMS = new Set([
  "_count",
  "_offset",
  "_sort",
  "_summary",
  "_elements",
  "_include",
  "_revinclude",
  "_total",
  "_contained",
  "_containedType",
]);

/** R4 search-modifier-code values (4.0.1), plus `:of-type`; anything else is "unknown". */
const KNOWN_MODIFIERS = new Set([
  "missing",
  "exact",
  "contains",
  "not",
  "text",
  "in",
  "not-in",
  "below",
  "above",
  "type",
  "identifier",
  "of-type",
]);

const SINGLE_USE = new Set(["_count", "_offset", "_sort", "_summary", "_total", "_elements", "_contained"]);

/** Options of {@link parseSearch}. */
export interface ParseSearchOptions {
  readonly resourceType: ServedType;
  readonly params: readonly (readonly [string, string])[];
  /** `Prefer: handling=strict`: unknown parameters are errors instead of warnings. */
  readonly strict: boolean;
  readonly limits?: SearchLimits;
  /** The parameters the store answers (default: all of {@link SEARCH_PARAMS}); see `restrictSearchParams`. */
  readonly table?: SearchParamTable;
}

/** What one occurrence is parsed against. */
interface ConditionContext {
  readonly limits: SearchLimits;
  readonly table: SearchParamTable;
}

function invalid(message: string, expression?: string): FhirError {
  return new FhirError("invalid-value", message, expression === undefined ? {} : { expression });
}

function parseBoolean(value: string, name: string): boolean {
  if (value === "true") {
    return true;
  }
  if (value === "false") {
    return false;
  }
  throw invalid(`${name}: expected true or false, got "${value}"`, name);
}

function parseNonNegativeInt(value: string, name: string, max: number): number {
  if (!/^\d{1,12}$/.test(value)) {
    throw invalid(`${name}: expected a non-negative integer, got "${value}"`, name);
  }
  return Math.min(Number(value), max);
}

function parseReference(raw: string, def: SearchParamDef, typeModifier: string | undefined): SearchValue {
  let value = raw;
  // Absolute URL: keep the last Type/id pair (a reference to another server is compared the same way).
  const hist = value.indexOf("/_history/");
  if (hist >= 0) {
    value = value.slice(0, hist);
  }
  const parts = value.split("/");
  let type: string | undefined;
  let id: string;
  if (parts.length >= 2) {
    type = parts[parts.length - 2];
    id = parts[parts.length - 1] ?? "";
  } else {
    type = typeModifier;
    id = value;
  }
  if (typeModifier !== undefined && type !== typeModifier) {
    throw invalid(`${def.name}:${typeModifier}: value "${raw}" names another type`, def.name);
  }
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
    throw invalid(`${def.name}: "${raw}" is not a valid reference`, def.name);
  }
  if (type !== undefined && def.target !== undefined && !def.target.includes(type)) {
    throw invalid(`${def.name}: references ${def.target.join(", ")}, not ${type}`, def.name);
  }
  return { kind: "reference", type, id };
}

function parseToken(raw: string, def: SearchParamDef): SearchValue {
  const parts = splitUnescaped(raw, "|");
  if (parts.length > 2) {
    throw invalid(`${def.name}: a token has at most one unescaped "|"`, def.name);
  }
  let system: string | undefined;
  let code: string | undefined;
  if (parts.length === 1) {
    code = unescapeValue(parts[0] ?? "");
  } else {
    system = unescapeValue(parts[0] ?? "");
    const c = unescapeValue(parts[1] ?? "");
    code = c === "" ? undefined : c;
  }
  if (def.name === "active") {
    if (system !== undefined && system !== "") {
      throw invalid(`active: a boolean has no system`, def.name);
    }
    if (code !== "true" && code !== "false") {
      throw invalid(`active: expected true or false, got "${raw}"`, def.name);
    }
  }
  return { kind: "token", system, code };
}

function parseValue(raw: string, def: SearchParamDef, modifier: string | undefined): SearchValue {
  switch (def.type) {
    case "string": {
      const value = unescapeValue(raw);
      if (def.name === "phonetic") {
        return { kind: "string", mode: "phonetic", value };
      }
      const mode = modifier === "exact" ? "exact" : modifier === "contains" ? "contains" : "starts";
      return { kind: "string", mode, value };
    }
    case "token":
      if (modifier === "text") {
        return { kind: "token-text", value: unescapeValue(raw) };
      }
      return parseToken(raw, def);
    case "reference":
      if (modifier === "identifier") {
        const parts = splitUnescaped(raw, "|");
        if (parts.length > 2) {
          throw invalid(`${def.name}:identifier: at most one unescaped "|"`, def.name);
        }
        const system = parts.length === 2 ? unescapeValue(parts[0] ?? "") : undefined;
        const value = unescapeValue(parts[parts.length - 1] ?? "");
        return { kind: "reference-identifier", system, value };
      }
      return parseReference(unescapeValue(raw), def, modifier);
    case "date": {
      const { prefix, rest } = splitPrefix(raw);
      const range = parseDateRange(rest);
      if (range === undefined) {
        throw invalid(
          `${def.name}: "${raw}" is not a valid FHIR date (prefix + YYYY[-MM[-DD[Thh:mm[:ss]]]])`,
          def.name,
        );
      }
      return { kind: "date", prefix, range, text: rest };
    }
    case "uri":
      return { kind: "uri", value: unescapeValue(raw) };
  }
}

interface NameParts {
  readonly base: string;
  readonly modifier: string | undefined;
  readonly chain: string | undefined;
}

function splitName(name: string): NameParts {
  const dot = name.indexOf(".");
  const head = dot >= 0 ? name.slice(0, dot) : name;
  const chain = dot >= 0 ? name.slice(dot + 1) : undefined;
  const colon = head.indexOf(":");
  if (colon < 0) {
    return { base: head, modifier: undefined, chain };
  }
  return { base: head.slice(0, colon), modifier: head.slice(colon + 1), chain };
}

function checkModifier(def: SearchParamDef, modifier: string | undefined, name: string): void {
  if (modifier === undefined) {
    return;
  }
  if (def.modifiers.includes(modifier)) {
    return;
  }
  if (def.type === "reference" && (def.target ?? []).includes(modifier)) {
    return;
  }
  if (def.type === "reference" && isServedType(modifier)) {
    throw invalid(`${name}: ${def.name} cannot reference ${modifier}`, name);
  }
  const known = KNOWN_MODIFIERS.has(modifier) || /^[A-Z][A-Za-z]+$/.test(modifier);
  throw new FhirError(
    known ? "not-supported" : "unknown-modifier",
    known
      ? `${name}: the modifier :${modifier} is not supported on ${def.name} (supported: ${def.modifiers.join(", ")})`
      : `${name}: unknown modifier :${modifier}`,
    { expression: name },
  );
}

/** Parses one search parameter occurrence into a condition. */
function parseCondition(
  resourceType: ServedType,
  name: string,
  raw: string,
  context: ConditionContext,
): SearchCondition | undefined {
  const { limits, table } = context;
  const { base, modifier, chain } = splitName(name);
  const def = table[resourceType].get(base);
  if (def === undefined) {
    if (SEARCH_PARAMS[resourceType].has(base)) {
      // Implemented by the FHIR core but not by this store (not in /metadata): refuse rather than ignore a filter.
      throw new FhirError(
        "not-supported",
        `${name}: the search parameter ${base} is not supported by this server's ODS store`,
        { expression: name },
      );
    }
    return undefined;
  }
  if (chain !== undefined) {
    if (def.type !== "reference") {
      throw invalid(`${name}: only reference parameters can be chained`, name);
    }
    const targetType = modifier ?? (def.target?.length === 1 ? def.target[0] : undefined);
    if (targetType === undefined || !isServedType(targetType) || !(def.target ?? []).includes(targetType)) {
      throw new FhirError("not-supported", `${name}: chaining into ${targetType ?? "?"} is not supported`, {
        expression: name,
      });
    }
    if (chain.includes(".")) {
      throw new FhirError("not-supported", `${name}: only one level of chaining is supported`, {
        expression: name,
      });
    }
    const inner = parseCondition(targetType, chain, raw, context);
    if (inner === undefined) {
      throw new FhirError("unknown-parameter", `${name}: ${targetType} has no search parameter "${chain}"`, {
        expression: name,
      });
    }
    return { kind: "chain", param: base, targetType, condition: inner };
  }
  checkModifier(def, modifier, name);
  if (modifier === "missing") {
    return { kind: "missing", param: base, type: def.type, missing: parseBoolean(raw, name) };
  }
  const pieces = splitUnescaped(raw, ",");
  if (pieces.length > limits.maxValues) {
    throw new FhirError("too-costly", `${name}: at most ${limits.maxValues} OR values`, { expression: name });
  }
  const values: SearchValue[] = [];
  for (const piece of pieces) {
    if (piece === "") {
      continue;
    }
    values.push(parseValue(piece, def, modifier));
  }
  if (values.length === 0) {
    return undefined;
  }
  return { kind: "values", param: base, type: def.type, negate: modifier === "not", values };
}

function parseInclude(
  resourceType: ServedType,
  name: string,
  value: string,
  reverse: boolean,
): IncludeDirective {
  const modifier = name.includes(":") ? name.slice(name.indexOf(":") + 1) : undefined;
  if (modifier !== undefined && modifier !== "iterate" && modifier !== "recurse") {
    throw new FhirError("unknown-modifier", `${name}: only :iterate is supported`, { expression: name });
  }
  if (value === "*") {
    throw new FhirError("not-supported", `${name}=*: wildcard includes are not supported`, {
      expression: name,
    });
  }
  const [source = "", param = "", target, ...rest] = value.split(":");
  const allowed = (reverse ? REVINCLUDES : INCLUDES)[resourceType];
  if (rest.length > 0 || !allowed.includes(`${source}:${param}`) || !isServedType(source)) {
    throw new FhirError(
      "not-supported",
      `${name}=${value} is not supported here (supported: ${allowed.join(", ") || "none"})`,
      { expression: name },
    );
  }
  if (target !== undefined && target !== "Organization") {
    throw invalid(`${name}=${value}: the target must be Organization`, name);
  }
  return { sourceType: source, param, targetType: target, iterate: modifier !== undefined };
}

/**
 * Parses search parameters (already URL-decoded, in request order; POST form parameters appended) into a
 * {@link ParsedSearch}: AND across repeated parameters, OR across unescaped commas, modifiers, prefixes,
 * escaping, one level of chaining, and the result parameters. Unknown parameters are reported in `ignored`
 * (or rejected when `strict`); unknown modifiers and malformed values always throw.
 *
 * @see https://hl7.org/fhir/R4/search.html
 */
export function parseSearch(options: ParseSearchOptions): ParsedSearch {
  const limits = options.limits ?? DEFAULT_SEARCH_LIMITS;
  const table = options.table ?? SEARCH_PARAMS;
  const { resourceType, strict } = options;
  const conditions: SearchCondition[] = [];
  const used: (readonly [string, string])[] = [];
  const ignored: { name: string; reason: string }[] = [];
  const seen = new Set<string>();
  let count = limits.countDefault;
  let offset = 0;
  let sort: SortKey[] = [];
  let summary: SummaryMode | undefined;
  let elements: string[] | undefined;
  let totalMode: ParsedSearch["totalMode"] = "accurate";
  const includes: IncludeDirective[] = [];
  const revincludes: IncludeDirective[] = [];
  let searchParamCount = 0;

  for (const [name, value] of options.params) {
    if (name.length > 128) {
      throw new FhirError("too-long", "a parameter name is longer than 128 characters");
    }
    if (value.length > limits.maxValueLength) {
      throw new FhirError("too-long", `${name}: value longer than ${limits.maxValueLength} characters`, {
        expression: name,
      });
    }
    const baseName = name.split(":")[0] ?? name;
    if (SINGLE_USE.has(name)) {
      if (seen.has(name)) {
        throw invalid(`${name} may appear only once`, name);
      }
      seen.add(name);
    }
    if (name === "_format" || name === "_pretty") {
      used.push([name, value]);
      continue;
    }
    if (RESULT_PARAMS.has(baseName)) {
      switch (baseName) {
        case "_count":
          count = parseNonNegativeInt(value, name, limits.countMax);
          break;
        case "_offset":
          offset = parseNonNegativeInt(value, name, 1_000_000_000);
          break;
        case "_sort":
          sort = parseSort(resourceType, table[resourceType], value);
          used.push([name, value]);
          break;
        case "_summary":
          if (!["true", "text", "data", "count", "false"].includes(value)) {
            throw invalid(`_summary: expected true, text, data, count or false, got "${value}"`, name);
          }
          summary = value as SummaryMode;
          used.push([name, value]);
          break;
        case "_elements":
          elements = parseElements(resourceType, value);
          used.push([name, value]);
          break;
        case "_total":
          if (value !== "none" && value !== "estimate" && value !== "accurate") {
            throw invalid(`_total: expected none, estimate or accurate, got "${value}"`, name);
          }
          totalMode = value;
          used.push([name, value]);
          break;
        case "_include":
          includes.push(parseInclude(resourceType, name, value, false));
          used.push([name, value]);
          break;
        case "_revinclude":
          revincludes.push(parseInclude(resourceType, name, value, true));
          used.push([name, value]);
          break;
        case "_contained":
          if (value !== "true" && value !== "false" && value !== "both") {
            throw invalid(`_contained: expected true, false or both`, name);
          }
          used.push([name, value]);
          break;
        case "_containedType":
          if (value !== "container" && value !== "contained") {
            throw invalid(`_containedType: expected container or contained`, name);
          }
          used.push([name, value]);
          break;
        default:
          break;
      }
      continue;
    }
    if (value === "") {
      ignored.push({ name, reason: "empty value" });
      continue;
    }
    searchParamCount++;
    if (searchParamCount > limits.maxParams) {
      throw new FhirError("too-costly", `at most ${limits.maxParams} search parameters per request`);
    }
    const condition = parseCondition(resourceType, name, value, { limits, table });
    if (condition === undefined) {
      const known = table[resourceType].has(splitName(name).base);
      if (known) {
        ignored.push({ name, reason: "no values" });
        continue;
      }
      if (strict) {
        throw new FhirError(
          "unknown-parameter",
          `Unknown search parameter "${name}" for ${resourceType}. Supported: ${[...table[resourceType].keys()].join(", ")}`,
          { expression: name },
        );
      }
      ignored.push({ name, reason: `unknown search parameter for ${resourceType}` });
      continue;
    }
    conditions.push(condition);
    used.push([name, value]);
  }
  if (summary !== undefined && elements !== undefined && summary !== "false") {
    throw invalid("_summary and _elements cannot be combined", "_elements");
  }
  if (summary === "count") {
    count = 0;
  }
  if (sort.length === 0) {
    sort = [{ param: "_id", descending: false }];
  }
  return {
    query: { resourceType, conditions, sort, offset, count, total: totalMode !== "none" },
    summary,
    elements,
    includes,
    revincludes,
    totalMode,
    used,
    ignored,
  };
}

function parseSort(
  resourceType: ServedType,
  params: ReadonlyMap<string, SearchParamDef>,
  value: string,
): SortKey[] {
  const keys: SortKey[] = [];
  for (const part of value.split(",")) {
    const descending = part.startsWith("-");
    const param = descending ? part.slice(1) : part;
    const def = params.get(param);
    if (def?.sortable !== true) {
      throw new FhirError("not-supported", `_sort: cannot sort ${resourceType} by "${param}"`, {
        expression: "_sort",
      });
    }
    keys.push({ param, descending });
  }
  if (!keys.some((k) => k.param === "_id")) {
    keys.push({ param: "_id", descending: false });
  }
  return keys;
}

function parseElements(resourceType: ServedType, value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(",")) {
    const element = raw.startsWith(`${resourceType}.`) ? raw.slice(resourceType.length + 1) : raw;
    if (!/^[a-z][A-Za-z0-9]{0,63}$/.test(element)) {
      throw invalid(`_elements: "${raw}" is not an element name`, "_elements");
    }
    out.push(element);
  }
  return out;
}

/** Splits `_format`, `_pretty`, `_summary`, `_elements` off a read request and rejects anything malformed. */
export function parseReadParams(
  resourceType: ServedType,
  params: readonly (readonly [string, string])[],
): { summary: SummaryMode | undefined; elements: readonly string[] | undefined; ignored: string[] } {
  let summary: SummaryMode | undefined;
  let elements: string[] | undefined;
  const ignored: string[] = [];
  for (const [name, value] of params) {
    if (name === "_summary") {
      if (!["true", "text", "data", "count", "false"].includes(value)) {
        throw invalid(`_summary: expected true, text, data, count or false, got "${value}"`, name);
      }
      summary = value as SummaryMode;
    } else if (name === "_elements") {
      elements = parseElements(resourceType, value);
    } else if (name !== "_format" && name !== "_pretty") {
      ignored.push(name);
    }
  }
  return { summary, elements, ignored };
}
