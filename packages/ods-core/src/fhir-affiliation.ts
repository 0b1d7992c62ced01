/**
 * ODS relationships → FHIR R4 `OrganizationAffiliation` in the `England-OrganizationAffiliation-ODS` shape, as
 * the ODT API serves them (example 364347 JSON; IG examples 256248 and 383689).
 */
import { defaultCodeCatalogue } from "./code-catalogue.js";
import type { OdsCodeCatalogue } from "./code-catalogue.js";
import {
  deepFreeze,
  identifierSystem,
  typedPeriodExtensions,
  type OdsFhirOptions,
} from "./fhir-organization.js";
import { ODS_FHIR } from "./fhir-urls.js";
import type { OdsOrganisation, OdsPeriod, OdsRelationship } from "./model.js";

function plainPeriod(periods: readonly OdsPeriod[]): fhir4.Period | undefined {
  // `period` repeats the operational dates (the ones that drive `active`), else the legal ones.
  let p: OdsPeriod | undefined;
  for (const x of periods) {
    if (x.type === "Operational") {
      p = x;
      break;
    }
    p ??= x; // the model holds only Operational and Legal periods
  }
  if (p === undefined) return undefined;
  return p.end === undefined ? { start: p.start } : { start: p.start, end: p.end };
}

const relCodeCache = new WeakMap<OdsCodeCatalogue, Map<string, fhir4.CodeableConcept>>();

/** The frozen ODSRelationship CodeableConcept of a relationship id (cached per catalogue). */
function relationshipCode(id: string, catalogue: OdsCodeCatalogue): fhir4.CodeableConcept {
  let cache = relCodeCache.get(catalogue);
  if (cache === undefined) {
    cache = new Map();
    relCodeCache.set(catalogue, cache);
  }
  let code = cache.get(id);
  if (code === undefined) {
    const display = catalogue.relationships.get(id)?.displayName;
    code = deepFreeze({
      coding: [
        display === undefined
          ? { system: ODS_FHIR.csRelationship, code: id }
          : { system: ODS_FHIR.csRelationship, code: id, display },
      ],
    });
    if (cache.size < 10_000) cache.set(id, code);
  }
  return code;
}

/**
 * Maps one relationship of `org` (the source) to an OrganizationAffiliation with id = `uniqueRelId`,
 * `organization` = the source, `participatingOrganization` = the target, `code` = the ODSRelationship.
 */
export function toFhirAffiliation(
  org: OdsOrganisation,
  rel: OdsRelationship,
  options: Pick<OdsFhirOptions, "catalogue"> = {},
): fhir4.OrganizationAffiliation {
  const catalogue = options.catalogue ?? defaultCodeCatalogue();
  const id = String(rel.uniqueRelId);
  const resource: fhir4.OrganizationAffiliation = {
    resourceType: "OrganizationAffiliation",
    id,
    meta: { profile: [ODS_FHIR.profileUkCoreAffiliation, ODS_FHIR.profileAffiliation] },
  };
  const extension = typedPeriodExtensions(rel.periods);
  if (extension.length > 0) resource.extension = extension;
  resource.identifier = [{ system: ODS_FHIR.csRelationshipInstance, value: id }];
  resource.active = rel.status === "Active";
  const period = plainPeriod(rel.periods);
  if (period !== undefined) resource.period = period;
  resource.organization = {
    reference: `Organization/${org.code}`,
    identifier: { system: identifierSystem(org), value: org.code },
  };
  const target = rel.target.orgId.code;
  resource.participatingOrganization = {
    reference: `Organization/${target}`,
    identifier: { system: ODS_FHIR.organisationCode, value: target },
  };
  resource.code = [relationshipCode(rel.id, catalogue)];
  return resource;
}

/** Every relationship of `org` as an OrganizationAffiliation, in record order. */
export function toFhirAffiliations(
  org: OdsOrganisation,
  options: Pick<OdsFhirOptions, "catalogue"> = {},
): fhir4.OrganizationAffiliation[] {
  const out: fhir4.OrganizationAffiliation[] = [];
  for (const rel of org.relationships) out.push(toFhirAffiliation(org, rel, options));
  return out;
}
