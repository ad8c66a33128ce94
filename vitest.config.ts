import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: keep parallel files bounded so timing-sensitive tests stay honest.
    maxWorkers: 2,
    reporters: ['default']
  }
})
