import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { carFixture, expectTransportFaults, type CarFixture } from './fixtures.js'

const API = 'http://127.0.0.1:9094'

let car: CarFixture
const svc = (timeoutMs?: number) => createService({ service: 'cluster', token: 'admin:cluster-pass' }, timeoutMs !== undefined ? { timeoutMs } : {})
const basic = `Basic ${Buffer.from('admin:cluster-pass').toString('base64')}`

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

function pinInfo (statuses: string[]) {
  return {
    cid: car.root, name: 'site', allocations: [],
    peer_map: Object.fromEntries(statuses.map((status, i) => [`12D3KooWpeer${i}`, { peername: `peer${i}`, ipfs_peer_id: 'x', status, timestamp: '2024-05-01T00:00:00Z', error: status.includes('error') ? 'context deadline exceeded' : '' }]))
  }
}

describe('cluster adapter', () => {
  it('POSTs /add?format=car with the CAR as multipart and reads the added root', async () => {
    nock(API, { reqheaders: { authorization: basic, 'content-type': /^multipart\/form-data/ } })
      .post('/add').query({ format: 'car', name: 'site', 'stream-channels': 'false' })
      .reply(200, [{ name: `${car.shard.carCid}.car`, cid: car.root, size: 14, allocations: ['12D3KooWpeer0'] }])
    expect(await svc().uploadCar!(car.root, car.shard, { name: 'site' })).toEqual({ cid: car.root })
  })

  it('reads older {"/": cid} CIDs and ndjson output too', async () => {
    nock(API).post('/add').query(true).reply(200, `{"name":"x.car","cid":{"/":"${car.root}"},"size":14}\n`)
    expect((await svc().uploadCar!(car.root, car.shard)).cid).toBe(car.root)
  })

  it.each([
    [['pin_queued'], 'queued'],
    [['pinning', 'pin_queued'], 'pinning'],
    [['pinned', 'pin_error'], 'pinned'],
    [['pin_error', 'cluster_error'], 'failed'],
    [['unexpectedly_unpinned'], 'failed'],
    [['remote', 'pinned'], 'pinned'],
    [['remote'], 'queued']
  ])('maps peer_map %j to %s', async (words, state) => {
    nock(API, { reqheaders: { authorization: basic } }).get(`/pins/${car.root}`).reply(200, pinInfo(words))
    const s = await svc().status(car.root)
    expect(s.pin).toBe(state)
    expect(s.deals).toEqual([])
    // each peer's own word and its meaning; `remote` peers hold nothing, so they map to no state
    const meaning: Record<string, string | null> = { pinning: 'pinning', pin_queued: 'queued', pinned: 'pinned', pin_error: 'failed', cluster_error: 'failed', unexpectedly_unpinned: 'failed', remote: null }
    expect(s.peers).toEqual(words.map((w, i) => ({ peerId: `12D3KooWpeer${i}`, peerName: `peer${i}`, rawStatus: w, pin: meaning[w] })))
  })

  it('reports 404 as unknown; pins, unpins and lists', async () => {
    nock(API).get(`/pins/${car.root}`).reply(404, { code: 404, message: 'pin not found' })
    expect((await svc().status(car.root)).pin).toBeNull()
    nock(API).post(`/pins/${car.root}`).query({ name: 'site' }).reply(200, { cid: car.root, name: 'site', allocations: [] })
    expect(await svc().pin!(car.root, { name: 'site' })).toEqual({ cid: car.root })
    nock(API).delete(`/pins/${car.root}`).reply(200, { cid: car.root })
    await svc().unpin!(car.root)
    nock(API).get('/pins').reply(200, JSON.stringify(pinInfo(['pinned'])) + '\n' + JSON.stringify({ ...pinInfo(['pin_queued']), cid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', name: 'other' }) + '\n')
    expect(await svc().list!()).toEqual([
      { cid: car.root, name: 'site', pin: 'pinned' },
      { cid: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', name: 'other', pin: 'queued' }
    ])
  })

  it.each([
    [401, { code: 401, message: 'Unauthorized' }, 'ERR_AUTH'],
    [400, { code: 400, message: 'error reading request: only one root allowed in car' }, 'ERR_SERVICE'],
    [500, { code: 500, message: 'error adding: context canceled' }, 'ERR_SERVICE_UNAVAILABLE']
  ])('maps %i {code, message} to %s', async (status, body, code) => {
    nock(API).post('/add').query(true).reply(status, body)
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe(code)
    expect(err.message).toContain(body.message)
    expect(err.message).not.toContain('cluster-pass')
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls (upload)', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).post('/add').query(true),
      ok: () => nock(API).post('/add').query(true).reply(200, [{ name: `${car.shard.carCid}.car`, cid: car.root, size: 14 }]),
      call: async timeoutMs => await svc(timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls (status)', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).get(`/pins/${car.root}`),
      ok: () => nock(API).get(`/pins/${car.root}`).reply(200, pinInfo(['pinned'])),
      call: async timeoutMs => await svc(timeoutMs).status(car.root),
      check: s => expect(s.pin).toBe('pinned')
    })
  }, 20_000)
})
