/** deploy() end to end against the real embedded service over HTTP: local and web3storage adapters. */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { deploy, list, pin, status, unpin } from '../../src/core/deploy/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { ipfsCarRoot, smallSite, tempDir } from './folders.js'
import { FAST, useEmbeddedService } from './embedded.js'

const TOKEN = 'e2e-local-token-0123456789'

const env = useEmbeddedService(TOKEN)
let site: string
let oracle: string

beforeAll(async () => {
  site = await smallSite(join(env.scratch, 'site'))
  oracle = await ipfsCarRoot(site, env.scratch)
})

describe('deploy to the embedded service', () => {
  it('packs, uploads, checks the CID and waits until pinned (local)', async () => {
    const events: ProgressEvent[] = []
    const r = await deploy(site, {
      services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }],
      profile: 'ipfs-car',
      ...FAST,
      onProgress: e => events.push(e)
    })
    expect(r.cid).toBe(oracle)
    expect(r.ok).toBe(true)
    expect(r.results).toEqual([{ service: 'local', endpoint: env.server.url, status: 'pinned', deals: [], error: null, rawStatus: 'Pinned', uploadedBytes: r.pack.carBytes, skippedBytes: 0 }])
    expect(r.urls).toEqual([
      `${new URL(env.server.url).origin}/ipfs/${oracle}/`,
      `http://${oracle}.ipfs.localhost:${env.server.port}/`
    ])
    const types = events.map(e => e.type)
    expect(types).toContain('pinship:pack:done')
    expect(types).toContain('pinship:deploy:shard-done')
    expect(types).toContain('pinship:deploy:state')
    expect(types.at(-1)).toBe('pinship:deploy:done')
    // The service really has it: its own status endpoint, through the same adapter.
    expect((await status(oracle, { service: { service: 'local', endpoint: env.server.url } })).pin).toBe('pinned')
  })

  it('deploys through the web3storage adapter to the same API', async () => {
    const r = await deploy(site, {
      services: [{ service: 'web3storage', endpoint: env.server.url, token: TOKEN }],
      profile: 'ipfs-car',
      name: 'w3s e2e',
      ...FAST
    })
    expect(r.ok).toBe(true)
    expect(r.results[0]).toMatchObject({ service: 'web3storage', status: 'pinned', error: null })
    const uploads = await list({ service: { service: 'web3storage', endpoint: env.server.url, token: TOKEN }, limit: 100 })
    expect(uploads.find(u => u.cid === oracle)).toMatchObject({ cid: oracle, pin: 'pinned' })
  })

  it('uploads many shards (tiny --shard-size) and the service assembles the DAG', async () => {
    const big = await tempDir()
    try {
      const { randomTree } = await import('./folders.js')
      await randomTree(big.path, 4 * 1024 * 1024, 16, 7)
      const shardEvents: ProgressEvent[] = []
      const r = await deploy(big.path, {
        services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }],
        shardSize: 600_000,
        ...FAST,
        onProgress: e => { if (e.type === 'pinship:deploy:shard-done') shardEvents.push(e) }
      })
      expect(r.ok).toBe(true)
      expect(r.pack.shards.length).toBeGreaterThanOrEqual(7)
      expect(shardEvents.length).toBe(r.pack.shards.length)
      expect(r.results[0].status).toBe('pinned')
    } finally {
      await big.cleanup()
    }
  })

  it('--wait none and uploaded stop early with status "uploaded"', async () => {
    for (const wait of ['none', 'uploaded'] as const) {
      const r = await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }], wait, ...FAST })
      expect(r.ok).toBe(true)
      expect(r.results[0].status).toBe('uploaded')
    }
  })

  it('reports a bad token per service, with the reason, and ok=false', async () => {
    const r = await deploy(site, { services: [{ service: 'local', endpoint: env.server.url, token: 'wrong-token-value-xyz' }], ...FAST })
    expect(r.ok).toBe(false)
    expect(r.results[0].status).toBeNull()
    expect(r.results[0].error?.code).toBe('ERR_AUTH')
    expect(r.results[0].error?.message).toMatch(/rejected the token \(HTTP 403: Token is not valid\)/)
    expect(JSON.stringify(r)).not.toContain('wrong-token-value-xyz')
  })

  it('--require any succeeds when one of two services fails', async () => {
    const r = await deploy(site, {
      services: [
        { service: 'local', endpoint: env.server.url, token: TOKEN },
        { service: 'web3storage', endpoint: env.server.url, token: 'not-a-valid-token' }
      ],
      require: 'any',
      ...FAST
    })
    expect(r.ok).toBe(true)
    expect(r.results.map(x => [x.service, x.status, x.error?.code ?? null])).toEqual([['local', 'pinned', null], ['web3storage', null, 'ERR_AUTH']])
    const all = await deploy(site, {
      services: [{ service: 'local', endpoint: env.server.url, token: TOKEN }, { service: 'web3storage', endpoint: env.server.url, token: 'not-a-valid-token' }],
      ...FAST
    })
    expect(all.ok).toBe(false)
  })

  it('status, list and unpin go through the same adapters', async () => {
    const svc = { service: 'local', endpoint: env.server.url, token: TOKEN }
    await deploy(site, { services: [svc], ...FAST })
    expect((await list({ service: svc })).some(u => u.cid === oracle)).toBe(true)
    await unpin(oracle, { service: svc })
    expect((await list({ service: svc })).some(u => u.cid === oracle)).toBe(false)
    await expect(pin('not-a-cid', { service: svc })).rejects.toMatchObject({ code: 'ERR_INVALID_CID' })
  })
})
