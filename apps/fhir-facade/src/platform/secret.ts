import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A secret configuration value (client secret, private key, API key, TRUD key, a URL with a password).
 * Every way of printing it — `String()`, template literals, `JSON.stringify`, `util.inspect`, pino —
 * shows `[redacted]`; only {@link Secret.reveal} returns the value, and only main.ts should call it when
 * handing the value to a package's options.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value. Call this only where the value is handed to the code that uses it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
