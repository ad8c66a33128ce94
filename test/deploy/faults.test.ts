/**
 * Fault injection: a seeded proxy between deploy and the real embedded service resets connections, answers 503 and
 * 429, stalls and truncates bodies. Deploy must still end pinned with the right CID within its retry bounds; with
 * the service down (or always failing) it must fail within its time bound and say why.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import { pack } from '../../src/core/pack/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { FAULTS, startFaultProxy } from '../helpers/fault-proxy.js'
import { randomTree } from './folders.js'
import { useEmbeddedService } from './embedded.js'

const TOKEN = 'faults-token-0123456789'

const env = useEmbeddedService(TOKEN)
const SEEDS = [1234, 99, 2026]
// a tree per run: the service answers which blocks it holds, and a second deploy of one tree would send none
const trees = new Map<number, { tree: string, expected: string }>()

beforeAll(async () => {
  for (const seed of SEEDS) {
    const tree = await randomTree(join(env.scratch, `tree-${seed}`), 6 * 1024 * 1024, 24, seed)
    trees.set(seed, { tree, expected: (await pack(tree)).cid })
  }
})

describe('deploy through a misbehaving network', () => {
  it.each(SEEDS)('ends pinned with the right CID despite resets, 503/429, stalls and truncation (seed %i)', async (seed) => {
    const { tree, expected } = trees.get(seed) as { tree: string, expected: string }
    const proxy = await startFaultProxy({
      target: env.server.url,
      seed,
      rates: { reset: 0.1, status503: 0.1, status429: 0.05, stall: 0.06, truncateRequest: 0.08, truncateResponse: 0.08 },
      retryAfterSeconds: 1
    })
    const retries: ProgressEvent[] = []
    const start = performance.now()
    try {
      const r = await deploy(tree, {
        services: [{ service: 'local', endpoint: proxy.url, token: TOKEN }],
        shardSize: 700_000,
        timeoutMs: 60_000,
        requestTimeoutMs: 1_000,
        retry: { minDelayMs: 10, maxDelayMs: 100, retries: 15 },
        poll: { minDelayMs: 10, maxDelayMs: 100 },
        onProgress: e => { if (e.type === 'pinship:deploy:retry') retries.push(e) }
      })
      const took = performance.now() - start
      expect(r.results[0].error).toBeNull()
      expect(r.ok).toBe(true)
      expect(r.cid).toBe(expected)
      expect(r.results[0].status).toBe('pinned')
      expect(r.pack.shards.length).toBeGreaterThanOrEqual(8)
      const injected = FAULTS.reduce((n, f) => n + proxy.stats[f], 0)
      expect(injected).toBeGreaterThanOrEqual(3)
      expect(FAULTS.filter(f => proxy.stats[f] > 0).length).toBeGreaterThanOrEqual(3)
      // Every injected fault the client noticed became a retry event; none was fatal.
      expect(retries.length).toBeGreaterThanOrEqual(Math.min(injected, 3))
      expect(took).toBeLessThan(45_000)
    } finally {
      await proxy.close()
    }
  }, 60_000)

  it('fails at once with a clear message when the service is down before the deploy starts (nothing packed)', async () => {
    const { tree } = trees.get(SEEDS[0]) as { tree: string }
    const dead = createServer()
    await new Promise<void>(resolve => dead.listen(0, '127.0.0.1', resolve))
    const port = (dead.address() as AddressInfo).port
    await new Promise<void>(resolve => dead.close(() => resolve()))
    const start = performance.now()
    const events: string[] = []
    const err = await deploy(tree, {
      services: [{ service: 'local', endpoint: `http://127.0.0.1:${port}`, token: TOKEN }],
      shardSize: 700_000,
      // retrying would last until this bound: far above the one below
      timeoutMs: 20_000,
      retry: { minDelayMs: 50, maxDelayMs: 200, retries: 100 },
      onProgress: e => events.push(e.type)
    }).catch(e => e)
    expect(err.code).toBe('ERR_ENDPOINT_UNREACHABLE')
    expect(err.message).toBe(`local at http://127.0.0.1:${port}: connection refused: is the service running and is the endpoint right? ` +
      'Check --endpoint (or PINSHIP_ENDPOINT / PINSHIP_LOCAL_ENDPOINT): it must be the API root of a running local service.')
    expect(events).not.toContain('pinship:pack:start')
    expect(events).not.toContain('pinship:deploy:retry')
    expect(performance.now() - start).toBeLessThan(5_000)
  }, 30_000)

  it('gives up within the bound when every answer is 503', async () => {
    const { tree } = trees.get(SEEDS[0]) as { tree: string }
    const proxy = await startFaultProxy({ target: env.server.url, seed: 5, rates: { status503: 1 } })
    try {
      const start = performance.now()
      const r = await deploy(tree, {
        services: [{ service: 'local', endpoint: proxy.url, token: TOKEN }],
        shardSize: 700_000,
        timeoutMs: 1_500,
        retry: { minDelayMs: 20, maxDelayMs: 100, retries: 1000 }
      })
      expect(r.ok).toBe(false)
      expect(r.results[0].error?.code).toBe('ERR_SERVICE_UNAVAILABLE')
      expect(r.results[0].error?.message).toMatch(/failed with HTTP 503: injected by the fault proxy; the service may be down or overloaded/)
      expect(performance.now() - start).toBeLessThan(6_000)
      expect(proxy.stats.status503).toBeGreaterThan(5)
    } finally {
      await proxy.close()
    }
  }, 30_000)

  it('times out a stalled service within the bound', async () => {
    const { tree } = trees.get(SEEDS[0]) as { tree: string }
    const proxy = await startFaultProxy({ target: env.server.url, seed: 6, rates: { stall: 1 } })
    try {
      const start = performance.now()
      const r = await deploy(tree, {
        services: [{ service: 'local', endpoint: proxy.url, token: TOKEN }],
        shardSize: 700_000,
        timeoutMs: 1_500,
        requestTimeoutMs: 300,
        retry: { minDelayMs: 20, maxDelayMs: 100, retries: 1000 }
      })
      expect(r.ok).toBe(false)
      expect(r.results[0].error?.code).toBe('ERR_TIMEOUT')
      expect(r.results[0].error?.message).toMatch(/no data for 300 ms while (sending the request|reading the response)/)
      expect(performance.now() - start).toBeLessThan(7_000)
    } finally {
      await proxy.close()
    }
  }, 30_000)
})
