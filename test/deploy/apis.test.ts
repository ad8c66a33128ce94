/**
 * The nftstorage and psa adapters end to end against the embedded service's NFT.Storage face (`/nft`) and its
 * Pinning Service API (`/pins`), several services from one pack, and `verify` through its trustless gateway.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy, list, pin, status, unpin } from '../../src/core/deploy/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { startServer } from '../../src/server/index.js'
import { ipfsCarRoot, randomTree, smallSite } from './folders.js'
import { FAST, useEmbeddedService } from './embedded.js'

const TOKEN = 'apis-token-0123456789abc'

const env = useEmbeddedService(TOKEN)
let site: string
let oracle: string

beforeAll(async () => {
  site = await smallSite(join(env.scratch, 'site'))
  oracle = await ipfsCarRoot(site, env.scratch)
})

describe('nftstorage adapter against the embedded service', () => {
  it('uploads with POST /nft/upload and reads pin status from /nft/{cid}', async () => {
    const nft = { service: 'nftstorage', endpoint: `${env.server.url}/nft`, token: TOKEN }
    const r = await deploy(site, { services: [nft], profile: 'ipfs-car', ...FAST })
    expect(r.results[0]).toMatchObject({ service: 'nftstorage', endpoint: `${env.server.url}/nft`, status: 'pinned', error: null })
    expect(r.cid).toBe(oracle)
    expect((await status(oracle, { service: { service: 'nftstorage', endpoint: `${env.server.url}/nft` } })).pin).toBe('pinned')
    expect((await list({ service: nft })).map(p => p.cid)).toContain(oracle)
  })
})

describe('psa adapter against the embedded service', () => {
  it('pins by CID after the upload, in one deploy (local + psa, one pack)', async () => {
    const events: ProgressEvent[] = []
    const r = await deploy(site, {
      services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }, { service: 'psa', endpoint: env.server.url, token: TOKEN }],
      name: 'site-psa',
      ...FAST,
      onProgress: e => events.push(e)
    })
    expect(r.ok).toBe(true)
    expect(r.results.map(x => [x.service, x.status, x.error])).toEqual([['local', 'pinned', null], ['psa', 'pinned', null]])
    expect(r.results[1].requestId).toMatch(/\S+/)
    expect(events.filter(e => e.type === 'pinship:pack:done')).toHaveLength(1)
    // The pin request is on record: by request id and in the list of all states.
    const s = await status(r.cid, { service: { service: 'psa', endpoint: env.server.url, token: TOKEN }, requestId: r.results[1].requestId })
    expect(s.pin).toBe('pinned')
    const pins = await list({ service: { service: 'psa', endpoint: env.server.url, token: TOKEN } })
    expect(pins.find(p => p.cid === r.cid)).toMatchObject({ name: 'site-psa', pin: 'pinned' })
  })

  it('pin and unpin through the one-off helpers', async () => {
    const psa = { service: 'psa', endpoint: env.server.url, token: TOKEN }
    await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], profile: 'ipfs-car', ...FAST })
    const p = await pin(oracle, { service: psa, name: 'again', wait: 'pinned', timeoutMs: 10_000, poll: FAST.poll })
    expect(p.cid).toBe(oracle)
    expect(p.status?.pin).toBe('pinned')
    await unpin(oracle, { service: psa })
    expect((await list({ service: psa })).filter(x => x.cid === oracle)).toEqual([])
  })

  it('a PSA pin of content nobody provides stays queued, and --timeout ends the wait with the last state', async () => {
    const unknown = 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u'
    const started = performance.now()
    const err = await pin(unknown, { service: { service: 'psa', endpoint: env.server.url, token: TOKEN }, wait: 'pinned', timeoutMs: 800, poll: FAST.poll }).catch(e => e)
    expect(err.code).toBe('ERR_WAIT_TIMEOUT')
    expect(err.message).toMatch(new RegExp(`timed out after \\d+ s waiting for psa to pin ${unknown}: last state (queued|pinning|failed)`))
    expect(performance.now() - started).toBeLessThan(3_000)
  })
})

describe('verify through the gateway', () => {
  it('fetches the root as a trustless CAR and checks every block', async () => {
    const big = join(env.scratch, 'verify-tree')
    await randomTree(big, 3 * 1024 * 1024, 12, 3)
    const r = await deploy(big, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], verify: true, shardSize: 1_000_000, ...FAST })
    expect(r.ok).toBe(true)
    expect(r.verify).toEqual({ gateway: new URL(env.server.url).origin, ok: true, blocks: r.pack.blocks, bytes: expect.any(Number), error: null })
    expect(r.verify?.bytes).toBeGreaterThan(3 * 1024 * 1024)
  })

  it('fails verification (and the deploy) when the gateway does not have the content', async () => {
    const other = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(env.scratch, 'other-data'), tokens: [TOKEN] })
    try {
      const r = await deploy(site, {
        services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }],
        verify: true,
        gateways: [other.gatewayUrl],
        ...FAST,
        retry: { minDelayMs: 5, retries: 1 }
      })
      expect(r.results[0].status).toBe('pinned')
      expect(r.verify?.ok).toBe(false)
      expect(r.verify?.error?.code).toBe('ERR_NOT_FOUND')
      expect(r.ok).toBe(false)
    } finally {
      await other.close()
    }
  })
})
