import type { DatePrefix, TimeRange } from "./date-range.js";
import type { SearchParamType, ServedType } from "./search-parameters.js";

/** A string value; `mode` comes from the modifier (default = starts-with). */
export interface StringValue {
  readonly kind: "string";
  readonly mode: "starts" | "exact" | "contains" | "phonetic";
  readonly value: string;
}

/** A token value: `system` undefined = any system, "" = no system; `code` undefined = any code (`system|`). */
export interface TokenValue {
  readonly kind: "token";
  readonly system: string | undefined;
  readonly code: string | undefined;
}

/** A token `:text` value: matches display / text, starts-with, case-insensitive. */
export interface TokenTextValue {
  readonly kind: "token-text";
  readonly value: string;
}

/** A reference value, normalised to a target type and id, or an identifier (`:identifier`). */
export interface ReferenceValue {
  readonly kind: "reference";
  readonly type: string | undefined;
  readonly id: string;
}

/** `:identifier` on a reference. */
export interface ReferenceIdentifierValue {
  readonly kind: "reference-identifier";
  readonly system: string | undefined;
  readonly value: string;
}

/** A date value with its prefix and implicit range. */
export interface DateValue {
  readonly kind: "date";
  readonly prefix: DatePrefix;
  readonly range: TimeRange;
  /** The value as sent, without its prefix (stores that parse dates themselves take this). */
  readonly text: string;
}

/** A uri value (exact match). */
export interface UriValue {
  readonly kind: "uri";
  readonly value: string;
}

export type SearchValue =
  | StringValue
  | TokenValue
  | TokenTextValue
  | ReferenceValue
  | ReferenceIdentifierValue
  | DateValue
  | UriValue;

/** One parameter occurrence: the values are ORed; the conditions of a query are ANDed. */
export interface ValueCondition {
  readonly kind: "values";
  readonly param: string;
  readonly type: SearchParamType;
  /** `:not` on tokens: none of the values may match. */
  readonly negate: boolean;
  readonly values: readonly SearchValue[];
}

/** `param:missing=true|false`. */
export interface MissingCondition {
  readonly kind: "missing";
  readonly param: string;
  readonly type: SearchParamType;
  readonly missing: boolean;
}

/** A chained reference: `partof:Organization.name=x` = the referenced resource matches `condition`. */
export interface ChainCondition {
  readonly kind: "chain";
  readonly param: string;
  readonly targetType: ServedType;
  readonly condition: SearchCondition;
}

export type SearchCondition = ValueCondition | MissingCondition | ChainCondition;

/** A `_sort` key. */
export interface SortKey {
  readonly param: string;
  readonly descending: boolean;
}

/** What a repository is asked: conditions (AND), order, one page. */
export interface RepositoryQuery {
  readonly resourceType: ServedType;
  readonly conditions: readonly SearchCondition[];
  readonly sort: readonly SortKey[];
  readonly offset: number;
  /** Page size; 0 = no resources (count only). */
  readonly count: number;
  /** Whether the total number of matches is wanted. */
  readonly total: boolean;
}

export type SummaryMode = "true" | "text" | "data" | "count" | "false";

/** An `_include` / `_revinclude` directive, e.g. `Organization:partof` (source type, param, optional target). */
export interface IncludeDirective {
  readonly sourceType: ServedType;
  readonly param: string;
  readonly targetType: string | undefined;
  readonly iterate: boolean;
}

/** A fully parsed search request. */
export interface ParsedSearch {
  readonly query: RepositoryQuery;
  readonly summary: SummaryMode | undefined;
  readonly elements: readonly string[] | undefined;
  readonly includes: readonly IncludeDirective[];
  readonly revincludes: readonly IncludeDirective[];
  readonly totalMode: "accurate" | "estimate" | "none";
  /** The parameters actually used, in order, as [name(with modifier), raw value] (for the self link). */
  readonly used: readonly (readonly [string, string])[];
  /** Parameters that were ignored, with why (reported in an OperationOutcome entry). */
  readonly ignored: readonly { readonly name: string; readonly reason: string }[];
}
