import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { carFixture, expectTransportFaults, type CarFixture } from './fixtures.js'

const API = 'https://w3s.example'
const TOKEN = 'w3s-secret-token-123'
// Seed 001's example status answer (one pin, one active deal).
const SEED_STATUS = {
  cid: 'bafkreid65ervf7fmfnbhyr2uqiqipufowox4tgkrw4n5cxgeyls4mha3ma',
  dagSize: 519,
  created: '2021-08-11T08:25:21.905806+00:00',
  pins: [{ status: 'Pinned', updated: '2021-08-11T08:35:42.726691+00:00', peerId: '12D3KooWSnniGsyAF663gvHdqhyfJMCjWJv54cGSzcPiEMAfanvU', peerName: 'web3-storage-dc13', region: null }],
  deals: [{
    dealId: 38314728, storageProvider: 'f02095132', status: 'Active', pieceCid: 'baga6ea4seaqesuag2dgpsenmmtyeitgi73b2eha7dj6ssmjqeihbrsxmuoumsba',
    dataCid: 'bafybeidtjfi5dqvdyadbadjukrzm2fuljw7wid35rn3bacdoopcdnug4ae', dataModelSelector: 'Links/146/Hash/Links/35/Hash/Links/0/Hash',
    activation: '2023-05-29T02:15:00+00:00', expiration: '2024-11-11T02:15:00+00:00', created: '2023-08-31T13:25:03.463083+00:00', updated: '2023-08-31T13:25:03.463083+00:00'
  }]
}

let car: CarFixture
const svc = (timeoutMs?: number) => createService({ service: 'web3storage', endpoint: API, token: TOKEN }, timeoutMs !== undefined ? { timeoutMs } : {})

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

describe('web3storage adapter', () => {
  it('describes itself: shards, 100 MB requests, deals', () => {
    const s = svc()
    expect(s.slug).toBe('web3storage')
    expect(s.endpoint).toBe(API)
    expect(s.acceptsShards).toBe(true)
    expect(s.uploads).toBe(true)
    expect(s.maxRequestBytes).toBe(100_000_000)
    expect(s.reportsDeals).toBe(true)
  })

  it('defaults to the legacy api.web3.storage endpoint', () => {
    expect(createService({ service: 'web3storage', token: TOKEN }).endpoint).toBe('https://api.web3.storage')
  })

  it('POSTs the raw CAR to /car with bearer auth, CAR content type and an encoded X-Name', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/vnd.ipld.car', 'x-name': 'my%20site%2Fv1', 'content-length': String(car.body.length) } })
      .post('/car')
      .reply(200, { cid: car.root, carCid: 'bagbaiera6xcx7hiicm7sc523axbjf2otuu5nptt6brdzt4a5ulgn6qcfdwea' })
    const sent: number[] = []
    const r = await svc().uploadCar!(car.root, car.shard, { name: 'my site/v1', onBytes: n => sent.push(n) })
    expect(r).toEqual({ cid: car.root })
    expect(sent.at(-1)).toBe(car.body.length)
  })

  it('sends exactly the bytes of the shard file', async () => {
    let got = ''
    nock(API).post('/car', (body: string) => { got = body; return true }).reply(200, { cid: car.root })
    await svc().uploadCar!(car.root, car.shard)
    // nock hands binary bodies over as hex
    expect(got).toBe(car.body.toString('hex'))
  })

  it('refuses an answer without a cid', async () => {
    nock(API).post('/car').reply(200, { carCid: 'bag…' })
    await expect(svc().uploadCar!(car.root, car.shard)).rejects.toMatchObject({ code: 'ERR_SERVICE', message: expect.stringContaining('no "cid"') })
  })

  it('maps the seed status answer: Pinned + Active deal', async () => {
    nock(API).get(`/status/${SEED_STATUS.cid}`).reply(200, SEED_STATUS)
    const s = await svc().status(SEED_STATUS.cid)
    expect(s).toEqual({
      cid: SEED_STATUS.cid,
      pin: 'pinned',
      rawStatus: 'Pinned',
      peers: [{ pin: 'pinned', rawStatus: 'Pinned', peerId: SEED_STATUS.pins[0].peerId, peerName: 'web3-storage-dc13' }],
      deals: [{ status: 'active', rawStatus: 'Active', dealId: 38314728, storageProvider: 'f02095132', pieceCid: SEED_STATUS.deals[0].pieceCid, activation: '2023-05-29T02:15:00+00:00', expiration: '2024-11-11T02:15:00+00:00' }]
    })
  })

  it.each([
    [['PinQueued'], 'queued'],
    [['Unpinned'], 'queued'],
    [['Pinning'], 'pinning'],
    [['Pinned'], 'pinned'],
    [['PinError'], 'failed'],
    [['ClusterError'], 'failed'],
    [['UnexpectedlyUnpinned'], 'failed'],
    [['PinError', 'Pinning'], 'pinning'],
    [['PinError', 'PinQueued', 'Pinned'], 'pinned'],
    [[], 'queued']
  ])('maps pins %j to %s', async (words, state) => {
    nock(API).get(`/status/${car.root}`).reply(200, { cid: car.root, pins: words.map((status, i) => ({ status, peerId: `p${i}` })), deals: [] })
    expect((await svc().status(car.root)).pin).toBe(state)
  })

  it.each([['Queued', 'queued'], ['Published', 'published'], ['Active', 'active'], ['proposing', 'queued'], ['terminated', 'failed']])('maps deal %s to %s', async (word, state) => {
    nock(API).get(`/status/${car.root}`).reply(200, { cid: car.root, pins: [{ status: 'Pinned' }], deals: [{ status: word, dealId: 1 }] })
    expect((await svc().status(car.root)).deals[0].status).toBe(state)
  })

  it('reports an unknown CID as pin null (404 {message})', async () => {
    nock(API).get(`/status/${car.root}`).reply(404, { message: 'Not Found' })
    expect(await svc().status(car.root)).toEqual({ cid: car.root, pin: null, deals: [] })
  })

  it('lists /user/uploads newest first and unpins with DELETE', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/user/uploads').query({ size: '10', sortBy: 'Date', sortOrder: 'Desc' })
      .reply(200, [{ cid: car.root, name: 'site', created: '2024-01-01T00:00:00Z', pins: [{ status: 'Pinned' }], deals: [] }, { cid: SEED_STATUS.cid, pins: [] }], { Count: '2', Size: '10', Page: '1' })
    expect(await svc().list!({ limit: 10 })).toEqual([
      { cid: car.root, name: 'site', created: '2024-01-01T00:00:00Z', pin: 'pinned' },
      { cid: SEED_STATUS.cid, pin: 'queued' }
    ])
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).delete(`/user/uploads/${car.root}`).reply(200, { ok: true })
    await svc().unpin!(car.root)
  })

  it.each([
    [401, { code: 'HTTP_ERROR', message: 'Unauthorized' }, 'ERR_AUTH', /rejected the token .*Check --token or PINSHIP_TOKEN/],
    [403, { code: 'HTTP_ERROR', message: 'Token is not valid' }, 'ERR_AUTH', /Token is not valid\)\. Check --token or PINSHIP_TOKEN/],
    [403, { code: 'FORBIDDEN', message: 'Uploads are disabled for this account' }, 'ERR_FORBIDDEN', /create one with the needed scope/],
    [413, { code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large' }, 'ERR_TOO_LARGE', /smaller --shard-size/],
    [410, { code: 'ERROR_FEATURE_HAS_BEEN_SUNSET', message: 'This API has been sunset' }, 'ERR_SERVICE', /shut down: pick another --service/],
    [400, { name: 'InvalidCar', message: 'CAR must contain the root block' }, 'ERR_SERVICE', /InvalidCar: CAR must contain the root block/],
    [402, { code: 'PAYMENT_REQUIRED', message: 'Storage limit exceeded' }, 'ERR_QUOTA', /over its quota/]
  ])('maps HTTP %i %j to %s', async (status, body, code, message) => {
    nock(API).post('/car').reply(status, body)
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe(code)
    expect(err.status).toBe(status)
    expect(err.retryable).toBe(false)
    expect(err.message).toMatch(message)
    expect(err.message).toContain('web3storage at https://w3s.example')
  })

  it('never puts the token in an error, even when the service echoes it', async () => {
    nock(API).post('/car').reply(401, { code: 'HTTP_ERROR', message: `token ${TOKEN} is not valid` })
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.message).not.toContain(TOKEN)
    expect(err.message).toContain('token *** is not valid')
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls (upload)', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).post('/car'),
      ok: () => nock(API).post('/car').reply(200, { cid: car.root }),
      call: async timeoutMs => await svc(timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)

  it('survives the same faults on status', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).get(`/status/${car.root}`),
      ok: () => nock(API).get(`/status/${car.root}`).reply(200, { cid: car.root, pins: [{ status: 'Pinned' }], deals: [] }),
      call: async timeoutMs => await svc(timeoutMs).status(car.root),
      check: s => expect(s.pin).toBe('pinned')
    })
  }, 20_000)
})
