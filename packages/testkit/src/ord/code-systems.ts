import { readFileSync } from "node:fs";

import { fixturePath } from "./fixture-path.js";

/** One concept of an ODS code system (`<concept id="RO197" code="197" displayName="NHS TRUST"/>`). */
export interface OdsConcept {
  readonly id: string;
  readonly code: string;
  readonly displayName: string;
}

/** The ODS code systems as the XML full file's `<CodeSystems>` and the ORD metadata endpoints carry them. */
export interface OdsCodeSystems {
  readonly recordClasses: readonly OdsConcept[];
  readonly roles: readonly OdsConcept[];
  readonly relationships: readonly OdsConcept[];
  /** Role ids allowed as primary roles (the Manifest's `PrimaryRoleScope`), in file order. */
  readonly primaryRoleScope: readonly string[];
  readonly roleById: ReadonlyMap<string, OdsConcept>;
}

/** OIDs of the three code systems (XML `CodeSystem@oid`). */
export const CODE_SYSTEM_OIDS = {
  OrganisationRecordClass: "2.16.840.1.113883.2.1.3.2.4.23",
  OrganisationRole: "2.16.840.1.113883.2.1.3.2.4.17.507",
  OrganisationRelationship: "2.16.840.1.113883.2.1.3.2.4.17.508",
} as const;

/**
 * Concepts newer than the 2019 template (fixtures/ods/xml/HeaderCodeSystems.txt), named in upstream-ods.md
 * §1.4: ICB (RO318, non-primary), sub-ICB location (RO319, non-primary), RE8 and RE10.
 */
const ADDED_ROLES: readonly OdsConcept[] = [
  { id: "RO318", code: "318", displayName: "INTEGRATED CARE BOARD" },
  { id: "RO319", code: "319", displayName: "SUB ICB LOCATION" },
];
const ADDED_RELATIONSHIPS: readonly OdsConcept[] = [
  { id: "RE8", code: "8", displayName: "IS PARTNER TO" },
  { id: "RE10", code: "10", displayName: "NOMINATED PAYEE FOR" },
];

let cached: OdsCodeSystems | undefined;

/**
 * The ODS code systems, read from the real 2019 XML header template (Darnster/APISync, see fixtures/ods/SOURCES.md)
 * plus the few newer concepts the docs name. Read once and cached.
 */
export function odsCodeSystems(): OdsCodeSystems {
  cached ??= parseCodeSystems(readFileSync(fixturePath("ods/xml/HeaderCodeSystems.txt"), "utf8"));
  return cached;
}

function attr(tag: string, name: string): string {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return decodeEntities(match?.[1] ?? "");
}

function decodeEntities(value: string): string {
  return value
    .replaceAll("&apos;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

function parseCodeSystems(xml: string): OdsCodeSystems {
  const primaryRoleScope = [...xml.matchAll(/<PrimaryRole\b[^>]*>/g)].map((m) => attr(m[0], "id"));
  const systems = new Map<string, OdsConcept[]>();
  for (const block of xml.matchAll(/<CodeSystem\b([^>]*)>([\s\S]*?)<\/CodeSystem>/g)) {
    const name = attr(block[1] ?? "", "name");
    const concepts = [...(block[2] ?? "").matchAll(/<concept\b[^>]*>/g)].map((m) => ({
      id: attr(m[0], "id"),
      code: attr(m[0], "code"),
      displayName: attr(m[0], "displayName"),
    }));
    systems.set(name, concepts);
  }
  const roles = [...(systems.get("OrganisationRole") ?? []), ...ADDED_ROLES];
  const relationships = [...(systems.get("OrganisationRelationship") ?? []), ...ADDED_RELATIONSHIPS];
  return {
    recordClasses: systems.get("OrganisationRecordClass") ?? [],
    roles,
    relationships,
    primaryRoleScope,
    roleById: new Map(roles.map((r) => [r.id, r])),
  };
}
