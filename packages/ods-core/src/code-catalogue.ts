import type { OdsCodeSystem, OdsConcept } from "./model.js";
import { REFERENCE_CODE_SYSTEMS } from "./reference-code-systems.js";

/**
 * Display names and flags of the ODS codes (roles, relationships, record classes), used by the mapping
 * for `coding.display` and to warn about unknown codes. Build one from the code systems of the file being
 * read ({@link OdsCodeCatalogue.from}) or use {@link defaultCodeCatalogue}.
 */
export class OdsCodeCatalogue {
  readonly roles: ReadonlyMap<string, OdsConcept>;
  readonly relationships: ReadonlyMap<string, OdsConcept>;
  readonly recordClasses: ReadonlyMap<string, OdsConcept>;

  private constructor(systems: readonly OdsCodeSystem[]) {
    const pick = (name: string): Map<string, OdsConcept> => {
      const map = new Map<string, OdsConcept>();
      for (const system of systems) {
        if (system.name === name) {
          for (const concept of system.concepts) {
            map.set(concept.id, concept);
          }
        }
      }
      return map;
    };
    this.roles = pick("OrganisationRole");
    this.relationships = pick("OrganisationRelationship");
    this.recordClasses = pick("OrganisationRecordClass");
  }

  /** A catalogue of exactly these code systems (later systems override earlier concepts of the same id). */
  static from(systems: readonly OdsCodeSystem[]): OdsCodeCatalogue {
    return new OdsCodeCatalogue(systems);
  }

  /** The code systems of this catalogue, in ODS form (for {@link toFhirCodeSystem}). */
  codeSystems(): OdsCodeSystem[] {
    const systems: OdsCodeSystem[] = [];
    for (const [name, oid, map] of [
      ["OrganisationRecordClass", "2.16.840.1.113883.2.1.3.2.4.23", this.recordClasses],
      ["OrganisationRole", "2.16.840.1.113883.2.1.3.2.4.17.507", this.roles],
      ["OrganisationRelationship", "2.16.840.1.113883.2.1.3.2.4.17.508", this.relationships],
    ] as const) {
      systems.push({ name, oid, concepts: [...map.values()] });
    }
    return systems;
  }
}

/**
 * Codes in use today that the 2019 header template predates, with the names NHS England publishes
 * (upstream-ods.md §1.4: RE8 IS PARTNER TO and RE10 NOMINATED PAYEE FOR from the ODT spec; RO318/RO319 the
 * ICB and sub-ICB location roles that replaced CCGs in July 2022).
 */
export const SUPPLEMENTARY_CODE_SYSTEMS: readonly OdsCodeSystem[] = [
  {
    name: "OrganisationRole",
    oid: "2.16.840.1.113883.2.1.3.2.4.17.507",
    concepts: [
      { id: "RO318", code: "318", displayName: "INTEGRATED CARE BOARD", primaryRole: false },
      { id: "RO319", code: "319", displayName: "SUB ICB LOCATION", primaryRole: false },
    ],
  },
  {
    name: "OrganisationRelationship",
    oid: "2.16.840.1.113883.2.1.3.2.4.17.508",
    concepts: [
      { id: "RE8", code: "8", displayName: "IS PARTNER TO" },
      { id: "RE10", code: "10", displayName: "NOMINATED PAYEE FOR" },
    ],
  },
];

let defaultCatalogue: OdsCodeCatalogue | undefined;

/** The reference codes (2019 header template + {@link SUPPLEMENTARY_CODE_SYSTEMS}). */
export function defaultCodeCatalogue(): OdsCodeCatalogue {
  defaultCatalogue ??= OdsCodeCatalogue.from([...REFERENCE_CODE_SYSTEMS, ...SUPPLEMENTARY_CODE_SYSTEMS]);
  return defaultCatalogue;
}
