import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { startServer, type RunningServer } from '../../src/server/index.js'
import { tempDir } from './folders.js'

/** Retry and polling delays scaled down so end-to-end tests don't sleep for seconds. */
export const FAST = { retry: { minDelayMs: 5, maxDelayMs: 50 }, poll: { minDelayMs: 10, maxDelayMs: 100 } }

export interface EmbeddedService {
  /** The running service (valid inside tests and later beforeAll hooks). */
  readonly server: RunningServer
  /** A scratch folder for this test file; the service's data lives in `<scratch>/data`. */
  readonly scratch: string
}

/**
 * Starts the embedded service on 127.0.0.1:0 with one token before this file's tests, and stops it and removes the
 * scratch folder after them. Call at the top level of a test file, before any beforeAll that uses it.
 */
export function useEmbeddedService (token: string): EmbeddedService {
  let server: RunningServer | undefined
  let scratch: Awaited<ReturnType<typeof tempDir>> | undefined
  beforeAll(async () => {
    scratch = await tempDir()
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(scratch.path, 'data'), tokens: [token] })
  })
  afterAll(async () => {
    await server?.close()
    await scratch?.cleanup()
  })
  return {
    get server () {
      if (server === undefined) throw new Error('the embedded service is not started yet: use it inside tests or later hooks')
      return server
    },
    get scratch () {
      if (scratch === undefined) throw new Error('the scratch folder is not made yet: use it inside tests or later hooks')
      return scratch.path
    }
  }
}
