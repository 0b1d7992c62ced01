/**
 * A registry of the secrets that fakes and test harnesses create (client secrets, issued tokens, API keys, private
 * keys), shared by every copy of this module in one test worker through a global symbol. The workspace's vitest
 * setup file (`@fhir-facade/vitest-config/secret-guard`) captures everything a test file writes to stdout, stderr
 * and the console, and fails the file if any registered secret appears there: the log-capture test that runs over
 * the whole suite.
 *
 * @module
 */

/** The global key under which the registry lives (read by the vitest setup file, which cannot import testkit). */
export const TEST_SECRETS_KEY: unique symbol = Symbol.for("@fhir-facade/testkit/secrets") as never;

type Registry = Set<string>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let set = holder[TEST_SECRETS_KEY];
  if (set === undefined) {
    set = new Set();
    holder[TEST_SECRETS_KEY] = set;
  }
  return set;
}

/**
 * Records a value that must never reach logs or console output during tests. Values shorter than 8 characters
 * are ignored (they would match ordinary text). Returns the value, so a fixture can be declared in one line.
 *
 * @example
 * ```ts
 * const apiKey = registerTestSecret("k-" + randomUUID());
 * ```
 */
export function registerTestSecret<T extends string>(value: T): T {
  if (value.length >= 8) {
    registry().add(value);
  }
  return value;
}

/** The secrets registered so far in this worker. */
export function registeredTestSecrets(): readonly string[] {
  return [...registry()];
}

/**
 * Hands output that never reaches stdout or stderr (a logger writing to memory, a child process's piped output)
 * to the suite-wide secret guard, which scans it with everything else the test file wrote. Does nothing outside
 * the workspace's vitest preset.
 *
 * @example
 * ```ts
 * const logger = createLogger({ destination: { write: (line) => { lines.push(line); feedSecretGuard(line); } } });
 * ```
 */
export function feedSecretGuard(text: string): void {
  const handle = (globalThis as unknown as Record<symbol, { record?: (text: string) => void } | undefined>)[
    Symbol.for("@fhir-facade/vitest-config/captured-output")
  ];
  handle?.record?.(text);
}
