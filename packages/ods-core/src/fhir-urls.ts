/**
 * Canonical URLs NHS England uses for ODS in FHIR R4 (upstream-ods.md §4.1, §4.2; the England IG assets in
 * ../shared/reference/fhir-ods/simplifier-backup/ and the ODT API spec's RR8 example).
 */
export const ODS_FHIR = {
  profileOrganization: "https://fhir.nhs.uk/England/StructureDefinition/England-Organization-ODS",
  profileUkCoreOrganization: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization",
  profileAffiliation: "https://fhir.nhs.uk/England/StructureDefinition/England-OrganizationAffiliation-ODS",
  profileUkCoreAffiliation: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-OrganizationAffiliation",
  organisationCode: "https://fhir.nhs.uk/Id/ods-organization-code",
  siteCode: "https://fhir.nhs.uk/Id/ods-site-code",
  extOrganisationRole: "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole",
  extTypedPeriod: "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-TypedPeriod",
  extTypedDateTime: "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-TypedDateTime",
  extAddressKey: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey",
  csRole: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole",
  csRelationship: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRelationship",
  csRecordClass: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSRecordClass",
  csRecordUseType: "https://fhir.nhs.uk/England/CodeSystem/England-ODSRecordUseType",
  csPeriodType: "https://fhir.nhs.uk/England/CodeSystem/England-PeriodType",
  csOdsDateTime: "https://fhir.nhs.uk/England/CodeSystem/England-ODSDateTime",
  csAddressKeyType: "https://fhir.hl7.org.uk/CodeSystem/UKCore-AddressKeyType",
  csRelationshipInstance:
    "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/organization-relationship-instance",
  csRoleInstance:
    "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/organization-role-instance",
  csSuccession: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/succession",
} as const;
