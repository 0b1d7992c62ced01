/** Stable codes of {@link OdsGeneratorError}. */
export type OdsGeneratorErrorCode = "INVALID_OPTIONS" | "WRITE_FAILED" | "ABORTED";

/** A typed error of the ODS full-file generator. */
export class OdsGeneratorError extends Error {
  override readonly name = "OdsGeneratorError";
  readonly code: OdsGeneratorErrorCode;

  constructor(code: OdsGeneratorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
