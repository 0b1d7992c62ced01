/**
 * An ORD error answer: the live API's JSON body `{"errorCode":406,"errorText":"…"}` (upstream-ods.md §1.5).
 */
export class OrdHttpError extends Error {
  override readonly name = "OrdHttpError";
  readonly status: number;

  constructor(status: number, text: string) {
    super(text);
    this.status = status;
  }

  /** The body the live API sends. */
  toBody(): string {
    return JSON.stringify({ errorCode: this.status, errorText: this.message });
  }
}
