import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { carFixture, expectTransportFaults, type CarFixture } from './fixtures.js'

const API = 'http://127.0.0.1:8787'
const TOKEN = 'local-secret-token-5555'

let car: CarFixture
const svc = (timeoutMs?: number) => createService({ service: 'local', endpoint: API, token: TOKEN }, timeoutMs !== undefined ? { timeoutMs } : {})

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

describe('local adapter (the embedded service)', () => {
  it('needs the URL of a running pinship serve', () => {
    expect(() => createService({ service: 'local', token: TOKEN })).toThrow(/local needs the URL of a running `pinship serve`/)
  })

  it('takes shards and reports the deals of its local pipeline (so --wait deal can be met)', () => {
    const s = svc()
    expect(s.acceptsShards).toBe(true)
    expect(s.uploads).toBe(true)
    expect(s.reportsDeals).toBe(true)
  })

  it('uploads through the web3.storage API and pins through its Pinning Service API', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/vnd.ipld.car' } }).post('/car').reply(200, { cid: car.root, carCid: 'bag' })
    expect(await svc().uploadCar!(car.root, car.shard)).toEqual({ cid: car.root })
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).post('/pins', { cid: car.root, name: 'site' })
      .reply(202, { requestid: 'p-1', status: 'queued', created: '2024-01-01T00:00:00Z', pin: { cid: car.root, name: 'site' }, delegates: [], info: {} })
    expect(await svc().pin!(car.root, { name: 'site' })).toEqual({ cid: car.root, requestId: 'p-1' })
  })

  it('asks /pins/{requestid} for a pin request and /status/{cid} otherwise', async () => {
    nock(API).get('/pins/p-1').reply(200, { requestid: 'p-1', status: 'pinning', created: '2024-01-01T00:00:00Z', pin: { cid: car.root }, delegates: [], info: {} })
    expect((await svc().status(car.root, { requestId: 'p-1' })).pin).toBe('pinning')
    nock(API).get(`/status/${car.root}`).reply(200, { cid: car.root, dagSize: 14, created: '2024-01-01T00:00:00Z', pins: [{ status: 'Pinned', peerId: 'x', peerName: 'pinship-host' }], deals: [] })
    expect(await svc().status(car.root)).toEqual({ cid: car.root, pin: 'pinned', deals: [], rawStatus: 'Pinned', peers: [{ pin: 'pinned', rawStatus: 'Pinned', peerId: 'x', peerName: 'pinship-host' }] })
  })

  it('maps its errors like the API it speaks', async () => {
    nock(API).post('/car').reply(403, { code: 'HTTP_ERROR', message: 'Token is not valid' })
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe('ERR_AUTH')
    expect(err.message).toBe('local at http://127.0.0.1:8787 rejected the token (HTTP 403: Token is not valid). Check --token or PINSHIP_TOKEN holds a valid, unexpired token for this service.')
    nock(API).post('/car').reply(400, { code: 'INVALID_CAR', message: 'The CAR has 2 roots; send exactly one' })
    await expect(svc().uploadCar!(car.root, car.shard)).rejects.toThrow(/HTTP 400: The CAR has 2 roots; send exactly one/)
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).post('/car'),
      ok: () => nock(API).post('/car').reply(200, { cid: car.root }),
      call: async timeoutMs => await svc(timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)
})
