import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { expectTransportFaults } from './fixtures.js'

const API = 'https://psa.example/psa'
const ORIGIN = 'https://psa.example'
const TOKEN = 'psa-secret-token-789'
const CID = 'bafybeidtjfi5dqvdyadbadjukrzm2fuljw7wid35rn3bacdoopcdnug4ae'

function pinStatus (status: string, requestid = 'req-1', created = '2024-05-01T10:00:00Z') {
  return { requestid, status, created, pin: { cid: CID, name: 'site', origins: [], meta: {} }, delegates: ['/dnsaddr/psa.example/p2p/12D3KooWabc'], info: {} }
}

const svc = (timeoutMs?: number) => createService({ service: 'psa', endpoint: API, token: TOKEN }, timeoutMs !== undefined ? { timeoutMs } : {})

beforeAll(() => { nock.disableNetConnect() })
afterAll(() => { nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

describe('psa adapter', () => {
  it('is pin-by-CID only and needs an endpoint', () => {
    const s = svc()
    expect(s.uploads).toBe(false)
    expect(s.uploadCar).toBeUndefined()
    expect(() => createService({ service: 'psa', token: TOKEN })).toThrow(/needs the Pinning Service API endpoint/)
  })

  it('POST /pins with {cid, name, origins, meta} → 202 PinStatus', async () => {
    nock(ORIGIN, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } })
      .post('/psa/pins', { cid: CID, name: 'site', origins: ['/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWabc'], meta: { app: 'pinship' } })
      .reply(202, pinStatus('queued'))
    expect(await svc().pin!(CID, { name: 'site', origins: ['/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWabc'], meta: { app: 'pinship' } })).toEqual({ cid: CID, requestId: 'req-1' })
  })

  it('accepts a camelCase requestId from non-compliant services', async () => {
    const body = { ...pinStatus('pinning'), requestid: undefined, requestId: 'camel-1' }
    nock(ORIGIN).post('/psa/pins').reply(202, body)
    expect((await svc().pin!(CID)).requestId).toBe('camel-1')
  })

  it.each(['queued', 'pinning', 'pinned', 'failed'])('GET /pins/{requestid} maps %s', async (state) => {
    nock(ORIGIN).get('/psa/pins/req-1').reply(200, pinStatus(state))
    expect(await svc().status(CID, { requestId: 'req-1' })).toEqual({ cid: CID, pin: state, deals: [], rawStatus: state })
  })

  it('without a request id, finds the newest request by cid in all states', async () => {
    nock(ORIGIN).get('/psa/pins').query({ cid: CID, status: 'queued,pinning,pinned,failed', limit: '10' })
      .reply(200, { count: 2, results: [pinStatus('failed', 'old', '2024-01-01T00:00:00Z'), pinStatus('pinned', 'new', '2024-06-01T00:00:00Z')] })
    expect((await svc().status(CID)).pin).toBe('pinned')
    nock(ORIGIN).get('/psa/pins').query(true).reply(200, { count: 0, results: [] })
    expect((await svc().status(CID)).pin).toBeNull()
  })

  it('falls back to the cid search when the request id is gone (replaced → 404)', async () => {
    nock(ORIGIN).get('/psa/pins/gone').reply(404, { error: { reason: 'NOT_FOUND', details: 'The specified resource was not found' } })
    nock(ORIGIN).get('/psa/pins').query(true).reply(200, { count: 1, results: [pinStatus('pinning', 'new')] })
    expect((await svc().status(CID, { requestId: 'gone' })).pin).toBe('pinning')
  })

  it('unpins every request for the cid (202, no body) and lists all states', async () => {
    nock(ORIGIN).get('/psa/pins').query({ cid: CID, status: 'queued,pinning,pinned,failed', limit: '1000' }).reply(200, { count: 2, results: [pinStatus('pinned', 'a'), pinStatus('failed', 'b')] })
    nock(ORIGIN).delete('/psa/pins/a').reply(202)
    nock(ORIGIN).delete('/psa/pins/b').reply(202)
    await svc().unpin!(CID)
    nock(ORIGIN).get('/psa/pins').query({ status: 'queued,pinning,pinned,failed', limit: '25' }).reply(200, { count: 1, results: [pinStatus('queued')] })
    expect(await svc().list!()).toEqual([{ cid: CID, name: 'site', created: '2024-05-01T10:00:00Z', pin: 'queued' }])
  })

  it('says so when there is nothing to unpin', async () => {
    nock(ORIGIN).get('/psa/pins').query(true).reply(200, { count: 0, results: [] })
    await expect(svc().unpin!(CID)).rejects.toThrow(/has no pin request for .*nothing to unpin/)
  })

  it.each([
    [400, { error: { reason: 'BAD_REQUEST', details: 'cid is not valid' } }, 'ERR_SERVICE', /BAD_REQUEST: cid is not valid/],
    [401, { error: { reason: 'UNAUTHORIZED', details: 'Access token is missing or invalid' } }, 'ERR_AUTH', /Access token is missing or invalid/],
    [409, { error: { reason: 'INSUFFICIENT_FUNDS', details: 'Unable to process request due to the lack of funds' } }, 'ERR_QUOTA', /no funds left .*Add credit/],
    [404, { error: { reason: 'NOT_FOUND', details: 'not found' } }, 'ERR_NOT_FOUND', /HTTP 404/]
  ])('maps %i %j to %s', async (status, body, code, message) => {
    nock(ORIGIN).post('/psa/pins').reply(status, body)
    const err = await svc().pin!(CID).catch(e => e)
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
    expect(err.retryable).toBe(false)
  })

  it('refuses answers that are not PSA at all', async () => {
    nock(ORIGIN).post('/psa/pins').reply(200, '<html>login</html>')
    await expect(svc().pin!(CID)).rejects.toMatchObject({ code: 'ERR_NOT_SERVICE_API', message: expect.stringMatching(/answered \/psa\/pins with an HTML page \(HTTP 200\), not the psa API/) })
    nock(ORIGIN).post('/psa/pins').reply(200, 'OK')
    await expect(svc().pin!(CID)).rejects.toThrow(/not JSON/)
    nock(ORIGIN).post('/psa/pins').reply(202, { status: 'queued' })
    await expect(svc().pin!(CID)).rejects.toThrow(/without a requestid/)
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls', async () => {
    await expectTransportFaults({
      intercept: () => nock(ORIGIN).post('/psa/pins'),
      ok: () => nock(ORIGIN).post('/psa/pins').reply(202, pinStatus('queued')),
      call: async timeoutMs => await svc(timeoutMs).pin!(CID),
      check: r => expect(r.requestId).toBe('req-1')
    })
  }, 20_000)
})
