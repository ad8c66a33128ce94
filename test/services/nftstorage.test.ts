import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { carFixture, expectTransportFaults, type CarFixture } from './fixtures.js'

const API = 'https://nft.example'
const TOKEN = 'nft-secret-token-456'
// Seed 003's NFT object (pin queued, one queued deal).
const SEED_NFT = {
  cid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u',
  size: 132614,
  created: '2021-03-12T17:03:07.787Z',
  type: 'image/jpeg',
  scope: 'default',
  pin: { cid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', name: 'pin name', meta: {}, status: 'queued', created: '2021-03-12T17:03:07.787Z', size: 132614 },
  files: [{ name: 'logo.jpg', type: 'image/jpeg' }],
  deals: [{ batchRootCid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', lastChange: '2021-03-18T11:46:50.000Z', miner: 'f05678', network: 'nerpanet', pieceCid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', status: 'queued', statusText: 'miner rejected my data', chainDealID: 138, dealActivation: '2021-03-18T11:46:50.000Z', dealExpiration: '2021-03-18T11:46:50.000Z' }]
}

let car: CarFixture
const svc = (timeoutMs?: number, token: string | null = TOKEN) =>
  createService({ service: 'nftstorage', endpoint: API, ...(token !== null ? { token } : {}) }, { ...(timeoutMs !== undefined ? { timeoutMs } : {}), requireToken: token !== null })

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

describe('nftstorage adapter', () => {
  it('POSTs the CAR to /upload as application/car and unwraps {ok, value}', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/car' } })
      .post('/upload', (b: string) => b === car.body.toString('hex'))
      .reply(200, { ok: true, value: { cid: car.root, size: 50, created: '2024-01-01T00:00:00Z', type: 'directory', pin: { status: 'queued' }, deals: [] } })
    expect(await svc().uploadCar!(car.root, car.shard)).toEqual({ cid: car.root })
  })

  it('refuses an answer without the envelope', async () => {
    nock(API).post('/upload').reply(200, { cid: car.root })
    await expect(svc().uploadCar!(car.root, car.shard)).rejects.toThrow(/without an \{ok: true, value\} envelope/)
  })

  it('reads the seed NFT object from GET /{cid} (authenticated)', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).get(`/${SEED_NFT.cid}`).reply(200, { ok: true, value: SEED_NFT })
    expect(await svc().status(SEED_NFT.cid)).toEqual({
      cid: SEED_NFT.cid,
      pin: 'queued',
      rawStatus: 'queued',
      deals: [{ status: 'queued', rawStatus: 'queued', dealId: 138, storageProvider: 'f05678', pieceCid: SEED_NFT.deals[0].pieceCid, activation: '2021-03-18T11:46:50.000Z', expiration: '2021-03-18T11:46:50.000Z' }]
    })
  })

  it('uses the public GET /check/{cid} without a token', async () => {
    nock(API, { badheaders: ['authorization'] }).get(`/check/${SEED_NFT.cid}`)
      .reply(200, { ok: true, value: { cid: SEED_NFT.cid, pin: { ...SEED_NFT.pin, status: 'pinned' }, deals: [{ ...SEED_NFT.deals[0], status: 'active' }] } })
    const s = await svc(undefined, null).status(SEED_NFT.cid)
    expect(s.pin).toBe('pinned')
    expect(s.deals.map(d => d.status)).toEqual(['active'])
  })

  it.each([['queued', 'queued'], ['pinning', 'pinning'], ['pinned', 'pinned'], ['failed', 'failed']])('maps pin %s to %s', async (word, state) => {
    nock(API).get(`/${car.root}`).reply(200, { ok: true, value: { cid: car.root, pin: { status: word }, deals: [] } })
    expect((await svc().status(car.root)).pin).toBe(state)
  })

  it.each([['queued', 'queued'], ['proposing', 'queued'], ['accepted', 'queued'], ['published', 'published'], ['active', 'active'], ['failed', 'failed'], ['terminated', 'failed']])('maps deal %s to %s', async (word, state) => {
    nock(API).get(`/${car.root}`).reply(200, { ok: true, value: { cid: car.root, pin: { status: 'pinned' }, deals: [{ status: word, lastChange: 'x' }] } })
    expect((await svc().status(car.root)).deals[0].status).toBe(state)
  })

  it('reports 404 as unknown, lists GET /?limit and deletes DELETE /{cid}', async () => {
    nock(API).get(`/${car.root}`).reply(404, { ok: false, error: { name: 'HTTP Error', message: 'NFT not found' } })
    expect((await svc().status(car.root)).pin).toBeNull()
    nock(API).get('/').query({ limit: '5' }).reply(200, { ok: true, value: [SEED_NFT] })
    expect(await svc().list!({ limit: 5 })).toEqual([{ cid: SEED_NFT.cid, name: 'pin name', created: SEED_NFT.created, pin: 'queued' }])
    nock(API).delete(`/${car.root}`).reply(200, { ok: true })
    await svc().unpin!(car.root)
  })

  it.each([
    [401, { ok: false, error: { name: 'HTTP Error', message: 'Unauthorized' } }, 'ERR_AUTH', /rejected the token \(HTTP 401: Unauthorized\)/],
    [403, { ok: false, error: { name: 'HTTP Error', message: 'Token is not valid' } }, 'ERR_AUTH', /Token is not valid\)\. Create a new API token/],
    [403, { ok: false, error: { name: 'HTTP Error', message: 'Session expired' } }, 'ERR_AUTH', /Session expired/],
    [400, { ok: false, error: { name: 'InvalidCarError', message: 'missing root block' } }, 'ERR_SERVICE', /InvalidCarError: missing root block/],
    [413, { ok: false, error: { name: 'HTTP Error', message: 'Payload Too Large' } }, 'ERR_TOO_LARGE', /smaller --shard-size/]
  ])('maps %i %j to %s', async (status, body, code, message) => {
    nock(API).post('/upload').reply(status, body)
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
    expect(err.retryable).toBe(false)
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).post('/upload'),
      ok: () => nock(API).post('/upload').reply(200, { ok: true, value: { cid: car.root } }),
      call: async timeoutMs => await svc(timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)
})
