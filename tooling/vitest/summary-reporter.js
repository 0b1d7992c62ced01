// @ts-check
/**
 * Prints one closing line, `tests: N passed, N failed, N skipped`, counted over every test vitest ran,
 * so CI (and people) can read the outcome of a whole `pnpm test` run in one place.
 *
 * @implements {import("vitest/node").Reporter}
 */
export default class SummaryReporter {
  /**
   * @param {ReadonlyArray<import("vitest/node").TestModule>} testModules
   * @param {ReadonlyArray<unknown>} unhandledErrors
   */
  onTestRunEnd(testModules, unhandledErrors) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // A file that failed on its own (a syntax error, a failing beforeAll, or an afterAll such as the
      // secret guard's) while none of its tests failed counts as one failure too.
      if (
        mod.state() === "failed" &&
        ![...mod.children.allTests()].some((t) => t.result().state === "failed")
      ) {
        failed++;
      }
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
