import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // builds the Terraform provider once per run (terraform and CDK tests install it offline)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: keep parallel files bounded so timing-sensitive tests stay honest.
    maxWorkers: 2,
    reporters: ['default']
  }
})
