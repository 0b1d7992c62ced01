/**
 * Pre-serialised FHIR JSON for the mirror, which stores bytes so that a read is "look up bytes, write"
 * (architecture.md, "The read path does no avoidable work").
 */
import { toFhirAffiliations } from "./fhir-affiliation.js";
import { toFhirOrganization, type OdsFhirOptions } from "./fhir-organization.js";
import type { OdsOrganisation } from "./model.js";

/** One organisation's FHIR resources as compact JSON text (UTF-8 when written). */
export interface SerialisedOrganisation {
  /** The ODS code (= Organization.id). */
  readonly code: string;
  /** `Organization` JSON. */
  readonly organization: string;
  /** One `OrganizationAffiliation` JSON per relationship, id = uniqueRelId. */
  readonly affiliations: readonly { readonly id: string; readonly json: string }[];
}

/** The `Organization` of `org` as compact JSON text. */
export function toFhirOrganizationJson(org: OdsOrganisation, options: OdsFhirOptions = {}): string {
  return JSON.stringify(toFhirOrganization(org, options));
}

/**
 * The Organization and its OrganizationAffiliations as compact JSON texts.
 *
 * @example
 * const { organization, affiliations } = serialiseOrganisation(org);
 * db.put(org.code, Buffer.from(organization));
 */
export function serialiseOrganisation(
  org: OdsOrganisation,
  options: OdsFhirOptions = {},
): SerialisedOrganisation {
  return {
    code: org.code,
    organization: toFhirOrganizationJson(org, options),
    affiliations: toFhirAffiliations(org, options).map((a) => ({ id: a.id ?? "", json: JSON.stringify(a) })),
  };
}
