import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn processes and servers; two cores, so keep parallelism modest
    maxWorkers: 2,
    // .ci/run reads the JSON report for its closing `N passed, N failed` line
    reporters: ['default', 'json'],
    outputFile: { json: '.relay-tmp/test-results.json' },
  },
});
