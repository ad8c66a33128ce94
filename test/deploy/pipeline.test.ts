/**
 * Pipeline semantics against documented service shapes (nock): retries re-send only the shard that failed, a failed
 * pin the service retries is reported and then succeeds (seed 000), shards the packer reports only at the end are
 * sent once, deals are waited for, polls back off, whole-CAR
 * services receive exactly the unsharded CAR, pin-by-CID follows the uploads, cancellation stops everything.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import { PREFLIGHT_CID } from '../../src/core/deploy/preflight.js'
import { pack } from '../../src/core/pack/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { randomTree, tempDir } from './folders.js'

// The real packer, wrapped so one test can stand in for a packer that reports some shards only when packing ends.
vi.mock('../../src/core/pack/index.js', async importOriginal => {
  const real = await importOriginal<typeof import('../../src/core/pack/index.js')>()
  return { ...real, pack: vi.fn(real.pack) }
})

const W3S = 'https://w3s.pipeline.example'
const TOKEN = 'pipeline-token-000111'
const fast = { retry: { minDelayMs: 5, maxDelayMs: 20 }, poll: { minDelayMs: 5, maxDelayMs: 20 } }

let scratch: Awaited<ReturnType<typeof tempDir>>
let tree: string
let root: string
let unsharded: Buffer

beforeAll(async () => {
  scratch = await tempDir()
  tree = await randomTree(join(scratch.path, 'tree'), 3 * 1024 * 1024, 12, 11)
  const whole = join(scratch.path, 'whole.car')
  root = (await pack(tree, { output: whole })).cid
  unsharded = await readFile(whole)
  nock.disableNetConnect()
})

afterAll(async () => {
  nock.enableNetConnect()
  nock.cleanAll()
  await scratch.cleanup()
})

afterEach(() => { nock.cleanAll() })

const hashOf = (hex: string): string => createHash('sha256').update(hex).digest('hex')

function statusReplies (bodies: object[]): void {
  const scope = nock(W3S)
  let i = 0
  scope.get(`/status/${root}`).times(1000).reply(() => [200, { cid: root, ...bodies[Math.min(i++, bodies.length - 1)] }])
}

describe('deploy pipeline', () => {
  it('re-sends only the shard that failed', async () => {
    const sent = new Map<string, number>()
    let failedOnce = ''
    nock(W3S).post('/car').times(100).reply((_uri, body) => {
      const h = hashOf(String(body))
      sent.set(h, (sent.get(h) ?? 0) + 1)
      if (sent.size === 2 && failedOnce === '') { failedOnce = h; return [503, { code: 'MAINTENANCE', message: 'try again' }] }
      return [200, { cid: root }]
    })
    statusReplies([{ pins: [{ status: 'Pinned' }], deals: [] }])
    const r = await deploy(tree, { services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }], shardSize: 1_000_000, ...fast })
    expect(r.ok).toBe(true)
    expect(r.pack.shards.length).toBeGreaterThanOrEqual(3)
    expect(sent.size).toBe(r.pack.shards.length)
    expect([...sent.entries()].filter(([h]) => h !== failedOnce).every(([, n]) => n === 1)).toBe(true)
    expect(sent.get(failedOnce)).toBe(2)
  })

  it('sends the shards the packer reported without onShard at the end, and only those', async () => {
    const real = await vi.importActual<typeof import('../../src/core/pack/index.js')>('../../src/core/pack/index.js')
    const reported: number[] = []
    const withheld: number[] = []
    vi.mocked(pack).mockImplementationOnce(async (path, opts) => await real.pack(path, {
      ...opts,
      // every other shard is reported through onShard; the rest only in the result, when packing ends
      onShard: async shard => {
        if (shard.index % 2 === 1) { withheld.push(shard.index + 1); return }
        reported.push(shard.index + 1)
        await opts?.onShard?.(shard)
      }
    }))
    const sent = new Map<string, number>()
    nock(W3S).post('/car').times(100).reply((_uri, body) => {
      const h = hashOf(String(body))
      sent.set(h, (sent.get(h) ?? 0) + 1)
      return [200, { cid: root }]
    })
    statusReplies([{ pins: [{ status: 'Pinned' }], deals: [] }])
    const done: number[] = []
    let uploadedBytes = -1
    const r = await deploy(tree, {
      services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }],
      shardSize: 1_000_000,
      ...fast,
      onProgress: e => {
        if (e.type === 'pinship:deploy:shard-done') done.push((e.detail as { shard: number }).shard)
        if (e.type === 'pinship:deploy:uploaded') uploadedBytes = (e.detail as { bytes: number }).bytes
      }
    })
    expect(r.ok).toBe(true)
    expect(r.pack.shards.length).toBeGreaterThanOrEqual(3)
    expect(reported.length).toBeGreaterThan(0)
    expect(withheld.length).toBeGreaterThan(0)
    expect([...reported, ...withheld].sort((a, b) => a - b)).toEqual(r.pack.shards.map((_, i) => i + 1))
    // every shard reached the service exactly once
    expect(sent.size).toBe(r.pack.shards.length)
    expect([...sent.values()].every(n => n === 1)).toBe(true)
    expect(done.sort((a, b) => a - b)).toEqual(r.pack.shards.map((_, i) => i + 1))
    expect(uploadedBytes).toBe(r.pack.carBytes)
  })

  it('reports a Failed pin the service retries, then ends pinned (seed 000)', async () => {
    nock(W3S).post('/car').times(100).reply(200, { cid: root })
    statusReplies([
      { pins: [{ status: 'PinQueued' }], deals: [] },
      { pins: [{ status: 'PinError' }], deals: [] },
      { pins: [{ status: 'PinError' }], deals: [] },
      { pins: [{ status: 'Pinned' }], deals: [] }
    ])
    const states: unknown[] = []
    const r = await deploy(tree, {
      services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }],
      ...fast,
      onProgress: e => { if (e.type === 'pinship:deploy:state') states.push((e.detail as { pin: string }).pin) }
    })
    expect(states).toEqual(['queued', 'failed', 'pinned'])
    expect(r.results[0]).toMatchObject({ status: 'pinned', error: null })
  })

  it('keeps waiting on a failed pin until --timeout, then says so and what to do', async () => {
    nock(W3S).post('/car').times(100).reply(200, { cid: root })
    statusReplies([{ pins: [{ status: 'PinError' }], deals: [] }])
    const start = performance.now()
    const r = await deploy(tree, { services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }], timeoutMs: 400, ...fast })
    expect(performance.now() - start).toBeLessThan(3_000)
    expect(r.ok).toBe(false)
    expect(r.results[0].status).toBe('failed')
    expect(r.results[0].error?.code).toBe('ERR_WAIT_TIMEOUT')
    expect(r.results[0].error?.message).toMatch(new RegExp(`waiting for web3storage to pin ${root}: last state failed \\(PinError\\)\\. The service retries failed pins in the background`))
  })

  it('--wait deal follows deals to active, reporting each change', async () => {
    nock(W3S).post('/car').times(100).reply(200, { cid: root })
    const deal = (status: string) => ({ dealId: 7, storageProvider: 'f01234', status, pieceCid: 'baga6ea4seaq' })
    statusReplies([
      { pins: [{ status: 'Pinned' }], deals: [] },
      { pins: [{ status: 'Pinned' }], deals: [deal('Queued')] },
      { pins: [{ status: 'Pinned' }], deals: [deal('Published')] },
      { pins: [{ status: 'Pinned' }], deals: [deal('Active')] }
    ])
    const seen: string[] = []
    const r = await deploy(tree, {
      services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }],
      wait: 'deal',
      ...fast,
      onProgress: e => { if (e.type === 'pinship:deploy:state') seen.push(((e.detail as { deals: Array<{ status: string }> }).deals[0]?.status) ?? '-') }
    })
    expect(seen).toEqual(['-', 'queued', 'published', 'active'])
    expect(r.results[0].deals).toEqual([{ status: 'active', rawStatus: 'Active', dealId: 7, storageProvider: 'f01234', pieceCid: 'baga6ea4seaq' }])
  })

  it('--wait deal: pinned but no active deal by --timeout fails, saying what it waited for and what to do', async () => {
    nock(W3S).post('/car').times(100).reply(200, { cid: root })
    statusReplies([{ pins: [{ status: 'Pinned' }], deals: [{ dealId: 7, storageProvider: 'f01234', status: 'Queued' }] }])
    const r = await deploy(tree, { services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }], wait: 'deal', timeoutMs: 400, ...fast })
    expect(r.ok).toBe(false)
    expect(r.results[0]).toMatchObject({ status: 'pinned', deals: [{ status: 'queued', rawStatus: 'Queued', dealId: 7, storageProvider: 'f01234' }] })
    expect(r.results[0].error?.code).toBe('ERR_WAIT_TIMEOUT')
    expect(r.results[0].error?.message).toMatch(new RegExp(`waiting for web3storage to make an active Filecoin deal for ${root}: last state pinned \\(Pinned\\), deals: queued\\. Filecoin deals can take up to 48 h: check later with \`pinship status ${root}\`, or deploy with --wait pinned\\.$`))
  })

  it('backs off between polls', async () => {
    nock(W3S).post('/car').times(100).reply(200, { cid: root })
    const times: number[] = []
    let n = 0
    nock(W3S).get(`/status/${root}`).times(100).reply(() => {
      times.push(performance.now())
      return [200, { cid: root, pins: [{ status: ++n < 6 ? 'Pinning' : 'Pinned' }], deals: [] }]
    })
    await deploy(tree, { services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }], retry: fast.retry, poll: { minDelayMs: 20, maxDelayMs: 2_000, factor: 2, jitter: false } })
    const gaps = times.slice(1).map((t, i) => t - times[i])
    expect(gaps).toHaveLength(5)
    // each wait is at least its backoff step (20, 40, 80, 160, 320 ms): a loaded machine can only stretch a gap, so
    // comparing neighbouring gaps with each other was flaky; the lower bounds are what the policy promises
    gaps.forEach((gap, i) => { expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(20 * 2 ** i * 0.9) })
  })

  it('sends whole-CAR services exactly the unsharded CAR, joined from the shards', async () => {
    nock(W3S).post('/car').times(100).reply(200, { cid: root })
    statusReplies([{ pins: [{ status: 'Pinned' }], deals: [] }])
    let kuboBody = Buffer.alloc(0)
    nock('http://127.0.0.1:5001').post('/api/v0/dag/import').query(true)
      .reply((_uri, body) => { kuboBody = Buffer.from(String(body), 'hex'); return [200, `{"Root":{"Cid":{"/":"${root}"},"PinErrorMsg":""}}\n`] })
    // the look before packing asks about a CID nobody holds; then the real status answers
    nock('http://127.0.0.1:5001').post('/api/v0/pin/ls').query(q => q.arg === PREFLIGHT_CID).reply(500, { Message: `path '${PREFLIGHT_CID}' is not pinned`, Code: 0, Type: 'error' })
    nock('http://127.0.0.1:5001').post('/api/v0/pin/ls').query(q => q.arg === root).reply(200, { Keys: { [root]: { Type: 'recursive' } } })
    const r = await deploy(tree, {
      services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }, { service: 'kubo' }],
      shardSize: 1_000_000,
      ...fast
    })
    expect(r.results.map(x => [x.service, x.status])).toEqual([['web3storage', 'pinned'], ['kubo', 'pinned']])
    expect(r.pack.shards.length).toBeGreaterThanOrEqual(3)
    const at = kuboBody.indexOf(unsharded)
    expect(at).toBeGreaterThan(0)
    // the file part is exactly the CAR: the multipart boundary follows right after it
    expect(kuboBody.subarray(at + unsharded.length, at + unsharded.length + 4).toString()).toBe('\r\n--')
  })

  it('pins by CID only after the uploads are accepted', async () => {
    const order: string[] = []
    nock(W3S).post('/car').times(100).delay(30).reply(() => { order.push('car'); return [200, { cid: root }] })
    statusReplies([{ pins: [{ status: 'Pinned' }], deals: [] }])
    nock('https://psa.pipeline.example').post('/pins').reply(() => { order.push('pin'); return [202, { requestid: 'r1', status: 'queued', created: '2024-01-01T00:00:00Z', pin: { cid: root }, delegates: [], info: {} }] })
    nock('https://psa.pipeline.example').get('/pins/r1').reply(200, { requestid: 'r1', status: 'pinned', created: '2024-01-01T00:00:00Z', pin: { cid: root }, delegates: [], info: {} })
    const r = await deploy(tree, {
      services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }, { service: 'psa', endpoint: 'https://psa.pipeline.example', token: TOKEN }],
      shardSize: 1_000_000,
      ...fast
    })
    expect(r.ok).toBe(true)
    expect(order.at(-1)).toBe('pin')
    expect(order.filter(o => o === 'car')).toHaveLength(r.pack.shards.length)
    expect(r.results[1]).toMatchObject({ service: 'psa', status: 'pinned', requestId: 'r1' })
  })

  it('stops uploads and throws AbortedError when cancelled', async () => {
    nock(W3S).post('/car').times(100).delay(5_000).reply(200, { cid: root })
    const ac = new AbortController()
    const events: ProgressEvent[] = []
    setTimeout(() => ac.abort(), 300)
    const start = performance.now()
    const err = await deploy(tree, { services: [{ service: 'web3storage', endpoint: W3S, token: TOKEN }], shardSize: 1_000_000, signal: ac.signal, ...fast, onProgress: e => events.push(e) }).catch(e => e)
    expect(err.code).toBe('ERR_ABORTED')
    // each upload answers after 5 s: the abort must not wait for them
    expect(performance.now() - start).toBeLessThan(4_000)
    expect(events.some(e => e.type === 'pinship:deploy:done')).toBe(false)
  })
})
