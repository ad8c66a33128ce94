/**
 * The pinata adapter (legacy api.pinata.cloud calls: pinByHash, pinJobs, pinList, unpin) end to end against the
 * embedded service's Pinata face. A custom `endpoint` already points every legacy call at our env.server.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deploy, pin, status } from '../../src/core/deploy/index.js'
import { createPinata } from '../../src/core/services/pinata.js'
import type { ServiceStatus } from '../../src/core/services/api.js'
import { startServer } from '../../src/server/index.js'
import { ipfsCarRoot, randomTree, smallSite } from './folders.js'
import { FAST, useEmbeddedService } from './embedded.js'

const TOKEN = 'pinata-e2e-token-0123456789'

const env = useEmbeddedService(TOKEN)

describe('pinata adapter against the embedded service', () => {
  it('pins by hash: searching (pinning) while the content is missing, pinned once a deploy brings it, then unpins', async () => {
    const site = await smallSite(join(env.scratch, 'site'))
    const oracle = await ipfsCarRoot(site, env.scratch)
    const pinata = createPinata({ service: 'pinata', endpoint: env.server.url, token: TOKEN })

    const receipt = await pinata.pin?.(oracle, { name: 'site by hash' })
    expect(receipt).toEqual({ cid: oracle, requestId: expect.any(String) })
    // seed 002 "searching" = the common model's pinning (services.md); the job is what status() reads
    expect(await pinata.status(oracle, { requestId: receipt?.requestId })).toEqual({ cid: oracle, pin: 'pinning', deals: [], rawStatus: 'searching' })
    expect((await pinata.list?.({}))?.map(p => p.cid)).not.toContain(oracle)

    // the content arrives through another face (web3.storage CAR upload): the job leaves, pinList has the CID
    const r = await deploy(site, { services: [{ service: 'web3storage', endpoint: env.server.url, token: TOKEN }], profile: 'ipfs-car', ...FAST })
    expect(r.cid).toBe(oracle)
    expect(await pinata.status(oracle, { requestId: receipt?.requestId })).toEqual({ cid: oracle, pin: 'pinned', deals: [], rawStatus: 'pinned' })
    const listed = await pinata.list?.({})
    expect(listed?.find(p => p.cid === oracle)).toMatchObject({ cid: oracle, name: 'site by hash' })

    await pinata.unpin?.(oracle)
    expect((await pinata.list?.({}))?.map(p => p.cid)).not.toContain(oracle)
    expect((await pinata.status(oracle)).pin).toBeNull()
  })

  it('core pin --wait pinned follows the job until an upload completes the DAG', async () => {
    const dir = await randomTree(join(env.scratch, 'tree'), 600_000, 5, 42)
    const oracle = await ipfsCarRoot(dir, env.scratch)
    const service = { service: 'pinata', endpoint: env.server.url, token: TOKEN }
    const states: Array<string | null> = []
    let searching = (): void => {}
    const seenPinning = new Promise<void>(resolve => { searching = resolve })
    const waiting = pin(oracle, { service, wait: 'pinned', timeoutMs: 30_000, ...FAST, onState: (s: ServiceStatus) => { states.push(s.pin); if (s.pin === 'pinning') searching() } })
    // deploy once the wait has reported the job searching (a fixed 200 ms head start could run out under load before
    // the job got there; the content then arrived first and 'pinning' was never seen); a wait that never reports
    // 'pinning' ends in its own timeout and fails the test
    await Promise.race([seenPinning, waiting])
    await deploy(dir, { services: [{ service: 'web3storage', endpoint: env.server.url, token: TOKEN }], profile: 'ipfs-car', ...FAST })
    const done = await waiting
    expect(done.cid).toBe(oracle)
    expect(done.status).toMatchObject({ pin: 'pinned', rawStatus: 'pinned' })
    expect(states).toContain('pinning')
    expect((await status(oracle, { service })).pin).toBe('pinned')
  })

  it('maps an expired job to failed with seed 002\'s advice', async () => {
    const quick = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(env.scratch, 'quick'), tokens: [TOKEN], pendingTimeoutMs: 150 })
    try {
      const pinata = createPinata({ service: 'pinata', endpoint: quick.url, token: TOKEN })
      const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
      await pinata.pin?.(cid)
      await new Promise(resolve => setTimeout(resolve, 250))
      const s = await pinata.status(cid)
      expect(s.pin).toBe('failed')
      expect(s.rawStatus).toMatch(/^expired: .*IPFS network/)
    } finally {
      await quick.close()
    }
  })

  it('surfaces the face\'s 401 as an auth error that does not leak the token', async () => {
    const pinata = createPinata({ service: 'pinata', endpoint: env.server.url, token: 'not-our-token-xyz' })
    const err = await pinata.status('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy').catch((e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    expect((err as { status?: number }).status).toBe(401)
    expect((err as Error).message).toMatch(/INVALID_CREDENTIALS/)
    expect((err as Error).message).not.toContain('not-our-token-xyz')
  })
})
