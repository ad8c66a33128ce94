/**
 * --timeout bounds the whole deploy after packing, a request that stalls without sending a byte included: the
 * request idle timeout (minutes) must not outlast the deploy's own deadline.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import { startFaultProxy } from '../helpers/fault-proxy.js'
import { useEmbeddedService, FAST } from './embedded.js'
import { randomTree } from './folders.js'

const TOKEN = 'deadline-token-0123456789'
const env = useEmbeddedService(TOKEN)
let tree: string

beforeAll(async () => {
  tree = await randomTree(join(env.scratch, 'tree'), 256 * 1024, 4, 7)
})

describe('deploy deadline', () => {
  it('a service that accepts the upload connection but never answers fails with a timeout near --timeout', async () => {
    const proxy = await startFaultProxy({ target: env.server.url, seed: 1, rates: { stall: 1 }, match: (method, path) => method === 'POST' && path.startsWith('/car') })
    try {
      const t0 = performance.now()
      const r = await deploy(tree, { services: [{ service: 'local', endpoint: proxy.url, token: TOKEN }], timeoutMs: 1500, ...FAST })
      const ms = performance.now() - t0
      expect(r.ok).toBe(false)
      expect(r.results[0]!.error?.code).toBe('ERR_WAIT_TIMEOUT')
      expect(r.results[0]!.error?.message).toMatch(/did not finish within the timeout of 1.5 s/)
      expect(r.results[0]!.status).toBe(null)
      expect(ms).toBeGreaterThan(1400)
      expect(ms).toBeLessThan(10_000)
    } finally {
      await proxy.close()
    }
  })

  it('the caller\'s own cancellation stays a cancellation, not a timeout', async () => {
    const proxy = await startFaultProxy({ target: env.server.url, seed: 1, rates: { stall: 1 }, match: (method, path) => method === 'POST' && path.startsWith('/car') })
    try {
      const ac = new AbortController()
      setTimeout(() => { ac.abort() }, 500)
      await expect(deploy(tree, { services: [{ service: 'local', endpoint: proxy.url, token: TOKEN }], timeoutMs: 60_000, signal: ac.signal, ...FAST }))
        .rejects.toMatchObject({ code: 'ERR_ABORTED' })
    } finally {
      await proxy.close()
    }
  })
})
