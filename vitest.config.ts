import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Crash and larger-than-memory tests spawn child processes and do real fsyncs;
    // two workers match the two cores CI has.
    maxWorkers: 2,
  },
})
