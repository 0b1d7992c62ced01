/**
 * Warnings: data that is usable but surprising (an unknown role code, an unknown contact type, a missing
 * Status derived from the dates). They are reported through an `onWarning` callback, never thrown and never
 * logged (packages do not log; the app decides).
 */

/** Stable warning codes. */
export type OdsWarningCode =
  /** A role id not in the known ODSOrganisationRole list. */
  | "UNKNOWN_ROLE"
  /** A relationship id not in the known ODSRelationship list. */
  | "UNKNOWN_RELATIONSHIP"
  /** A contact type other than tel/http/fax/email; the contact is kept (FHIR system `other`). */
  | "UNKNOWN_CONTACT_TYPE"
  /** A `Date/Type` other than Operational/Legal; that date entry is dropped. */
  | "UNKNOWN_DATE_TYPE"
  /** A record without `Status`; it was derived from the operational end date. */
  | "MISSING_STATUS"
  /** An XML element this reader does not know; it was skipped. */
  | "UNKNOWN_ELEMENT"
  /** A code system name not in the three ODS ones; it is still yielded. */
  | "UNKNOWN_CODE_SYSTEM"
  /** An XML organisation that failed validation, skipped because `invalidRecords: "warn"` was chosen. */
  | "INVALID_RECORD";

/** One warning. */
export interface OdsWarning {
  readonly code: OdsWarningCode;
  readonly message: string;
  /** ODS code of the organisation concerned, when known. */
  readonly organisation?: string;
  /** The field concerned, for example `Roles.Role[2].id`. */
  readonly field?: string;
  /** The offending value. */
  readonly value?: string;
}

/** Receives warnings. */
export type OdsWarningListener = (warning: OdsWarning) => void;
