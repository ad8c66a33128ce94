import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { carFixture, expectTransportFaults, type CarFixture } from './fixtures.js'

const API = 'http://127.0.0.1:5001'

let car: CarFixture
const svc = (token?: string, timeoutMs?: number) => createService({ service: 'kubo', ...(token !== undefined ? { token } : {}) }, timeoutMs !== undefined ? { timeoutMs } : {})

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

const importOk = () => `{"Root":{"Cid":{"/":"${car.root}"},"PinErrorMsg":""}}\n`

describe('kubo adapter', () => {
  it('defaults to 127.0.0.1:5001 and needs no token', () => {
    const s = svc()
    expect(s.endpoint).toBe(API)
    expect(s.acceptsShards).toBe(false)
  })

  it('POSTs /api/v0/dag/import?pin-roots=true with the CAR as multipart file and reads the ndjson root', async () => {
    let body = ''
    nock(API, { reqheaders: { 'content-type': /^multipart\/form-data/ }, badheaders: ['authorization'] })
      .post('/api/v0/dag/import', (b: string) => { body = /^[0-9a-f]+$/.test(b) ? Buffer.from(b, 'hex').toString('latin1') : b; return true })
      .query({ 'pin-roots': 'true', stats: 'false' })
      .reply(200, importOk(), { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' })
    expect(await svc().uploadCar!(car.root, car.shard)).toEqual({ cid: car.root })
    expect(body).toContain('name="file"')
    expect(body).toContain('hello pinship')
  })

  it('sends bearer tokens as Bearer and user:password as Basic', async () => {
    nock(API, { reqheaders: { authorization: 'Bearer kubo-secret-tok' } }).post('/api/v0/dag/import').query(true).reply(200, importOk())
    await svc('kubo-secret-tok').uploadCar!(car.root, car.shard)
    nock(API, { reqheaders: { authorization: `Basic ${Buffer.from('alice:s3cret-pass').toString('base64')}` } }).post('/api/v0/dag/import').query(true).reply(200, importOk())
    await svc('alice:s3cret-pass').uploadCar!(car.root, car.shard)
  })

  it('fails with the node\'s PinErrorMsg when the roots could not be pinned', async () => {
    nock(API).post('/api/v0/dag/import').query(true).reply(200, `{"Root":{"Cid":{"/":"${car.root}"},"PinErrorMsg":"block was not found locally (offline): ipld: could not find bafy…"}}\n`)
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe('ERR_PIN_FAILED')
    expect(err.message).toMatch(/could not pin .*block was not found locally/)
  })

  it('reports an error object in the ndjson stream (errors after a 200)', async () => {
    nock(API).post('/api/v0/dag/import').query(true).reply(200, '{"Message":"unexpected EOF","Code":0,"Type":"error"}\n')
    await expect(svc().uploadCar!(car.root, car.shard)).rejects.toThrow(/failed to import the CAR: unexpected EOF/)
  })

  it('treats a command error (500, Type error) as final, not retryable', async () => {
    nock(API).post('/api/v0/dag/import').query(true).reply(500, { Message: 'invalid car header: malformed', Code: 0, Type: 'error' })
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe('ERR_SERVICE')
    expect(err.retryable).toBe(false)
    expect(err.message).toMatch(/invalid car header: malformed/)
  })

  it('maps 403 (API.Authorizations) to an auth error', async () => {
    nock(API).post('/api/v0/dag/import').query(true).reply(403, '403 - Forbidden')
    await expect(svc('nope:wrong-pass').uploadCar!(car.root, car.shard)).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' })
  })

  it('reads pin/ls: recursive pin → pinned, "not pinned" → unknown', async () => {
    nock(API).post('/api/v0/pin/ls').query({ arg: car.root, type: 'recursive' }).reply(200, { Keys: { [car.root]: { Type: 'recursive' } } })
    expect(await svc().status(car.root)).toEqual({ cid: car.root, pin: 'pinned', deals: [], rawStatus: 'recursive' })
    nock(API).post('/api/v0/pin/ls').query(true).reply(500, { Message: `path '${car.root}' is not pinned`, Code: 0, Type: 'error' })
    expect((await svc().status(car.root)).pin).toBeNull()
  })

  it('pins with pin/add, unpins with pin/rm, lists recursive pins', async () => {
    nock(API).post('/api/v0/pin/add').query({ arg: car.root, recursive: 'true', name: 'site' }).reply(200, { Pins: [car.root] })
    expect(await svc().pin!(car.root, { name: 'site' })).toEqual({ cid: car.root })
    nock(API).post('/api/v0/pin/rm').query({ arg: car.root }).reply(200, { Pins: [car.root] })
    await svc().unpin!(car.root)
    nock(API).post('/api/v0/pin/ls').query({ type: 'recursive', names: 'true' }).reply(200, { Keys: { [car.root]: { Type: 'recursive', Name: 'site' } } })
    expect(await svc().list!()).toEqual([{ cid: car.root, name: 'site', pin: 'pinned' }])
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).post('/api/v0/dag/import').query(true),
      ok: () => nock(API).post('/api/v0/dag/import').query(true).reply(200, importOk()),
      call: async timeoutMs => await svc(undefined, timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)
})
