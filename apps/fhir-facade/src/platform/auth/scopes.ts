/**
 * SMART on FHIR scopes, as far as a read-only facade needs them.
 *
 * Grammar (SMART App Launch 1.0 and 2.0, "Scopes for requesting clinical data",
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
 * `(system|user)/(ResourceType|*).(read|write|*)` (v1) or `.(c?r?u?d?s?)` (v2, letters in that order).
 * `read` and `*` grant read and search; v2 `r` grants read (and operations), `s` grants search.
 * `patient/` scopes (a patient compartment) and v2 query-constrained scopes (`?param=`) grant nothing here.
 */

/** What a request does, for scope checks. Operations (`$lookup`, `$expand`...) count as `read`. */
export type Interaction = "read" | "search";

/** One granted scope, reduced to what the facade checks. */
export interface ScopeGrant {
  /** A resource type such as `Organization`, or `*`. */
  readonly resource: string;
  readonly read: boolean;
  readonly search: boolean;
}

const SCOPE = /^(system|user|patient)\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)$/;

/** Whether a string is a well-formed SMART resource scope (any context, any permissions). */
export function isSmartScope(scope: string): boolean {
  const m = SCOPE.exec(scope);
  return m !== null && m[3] !== "";
}

/** Parses one scope; `undefined` for anything that grants nothing here (unknown, `patient/`, `write`, `c`...). */
export function parseScope(scope: string): ScopeGrant | undefined {
  const m = SCOPE.exec(scope);
  if (m === null) {
    return undefined;
  }
  const [, context = "", resource = "", perms = ""] = m;
  if (context === "patient" || perms === "") {
    return undefined;
  }
  const all = perms === "*" || perms === "read";
  const read = all || perms.includes("r");
  const search = all || perms.includes("s");
  return read || search ? { resource, read, search } : undefined;
}

/** Parses a space-separated scope string (OAuth 2.0 `scope`, RFC 6749 §3.3) or a list of scopes. */
export function parseScopes(scopes: string | readonly string[]): readonly ScopeGrant[] {
  const list = typeof scopes === "string" ? scopes.split(" ") : scopes;
  const grants: ScopeGrant[] = [];
  for (const s of list) {
    const grant = parseScope(s);
    if (grant !== undefined) {
      grants.push(grant);
    }
  }
  return grants;
}

/** Whether the grants allow `interaction` on `resource`. */
export function allows(grants: readonly ScopeGrant[], resource: string, interaction: Interaction): boolean {
  return grants.some((g) => (g.resource === "*" || g.resource === resource) && g[interaction]);
}

/** The scope a client needs, for messages: `system/Organization.read`. */
export function requiredScope(resource: string, interaction: Interaction): string {
  return `system/${resource}.${interaction === "read" ? "read" : "rs"}`;
}
