import type { OrdOrganisation } from "./ord-types.js";

/**
 * The organisations a fake ORD serves, keyed by ODS code (upper case). Tests add, replace and remove records
 * at run time to simulate upstream changes (for example a new `LastChangeDate` that `sync` must report).
 */
export class OrdStore {
  readonly #orgs = new Map<string, OrdOrganisation>();
  #sorted: OrdOrganisation[] | undefined;

  /** Adds or replaces organisations (keyed by `OrgId.extension`). */
  put(...orgs: readonly OrdOrganisation[]): this {
    for (const org of orgs) {
      this.#orgs.set(org.OrgId.extension.toUpperCase(), org);
    }
    this.#sorted = undefined;
    return this;
  }

  /** Adds or replaces every organisation of an iterable (for example a generated model). */
  load(orgs: Iterable<OrdOrganisation>): this {
    for (const org of orgs) {
      this.put(org);
    }
    return this;
  }

  /**
   * Replaces one organisation with `change(current)`; returns the new record, or undefined when the code is
   * unknown.
   */
  update(code: string, change: (org: OrdOrganisation) => OrdOrganisation): OrdOrganisation | undefined {
    const current = this.get(code);
    if (current === undefined) {
      return undefined;
    }
    const next = change(current);
    this.remove(code);
    this.put(next);
    return next;
  }

  /** Removes one organisation; returns whether it was there. */
  remove(code: string): boolean {
    this.#sorted = undefined;
    return this.#orgs.delete(code.toUpperCase());
  }

  /** Removes every organisation. */
  clear(): void {
    this.#orgs.clear();
    this.#sorted = undefined;
  }

  /** One organisation by ODS code (case-insensitive). */
  get(code: string): OrdOrganisation | undefined {
    return this.#orgs.get(code.toUpperCase());
  }

  has(code: string): boolean {
    return this.#orgs.has(code.toUpperCase());
  }

  get size(): number {
    return this.#orgs.size;
  }

  /** Every organisation, in ODS code order (sorted once per change). */
  all(): readonly OrdOrganisation[] {
    this.#sorted ??= [...this.#orgs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, org]) => org);
    return this.#sorted;
  }
}
