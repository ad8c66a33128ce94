import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    reporters: ['default'],
    // the CLI, the Action and the provider use the user's pack cache by default: keep tests out of the real one
    // (XDG_CACHE_HOME too: some CLI tests run the CLI with every PINSHIP_* variable removed)
    env: { PINSHIP_CACHE_DIR: join(tmpdir(), 'pinship-test-pack-cache'), XDG_CACHE_HOME: join(tmpdir(), 'pinship-test-xdg-cache') }
  }
})
