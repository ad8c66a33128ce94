import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPinata } from '../../src/core/services/pinata.js'
import { createService } from '../../src/core/services/index.js'
import { withRetry } from '../../src/core/retry.js'
import { carFixture, expectTransportFaults, FAST_RETRY, type CarFixture } from './fixtures.js'

const API = 'https://api.pinata.cloud'
const UPLOADS = 'https://uploads.pinata.cloud'
const JWT = 'eyJhbGciOiJIUzI1NiJ9.pinata-secret.sig'

let car: CarFixture
const svc = (timeoutMs?: number) => createService({ service: 'pinata', token: JWT }, timeoutMs !== undefined ? { timeoutMs } : {})

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

/** nock hands over binary bodies as hex and printable ones as text. */
const bytesOf = (b: string): Buffer => /^([0-9a-f]{2})+$/.test(b) ? Buffer.from(b, 'hex') : Buffer.from(b, 'latin1')

function field (body: string, name: string): string | undefined {
  return new RegExp(`name="${name}"(?:; filename="[^"]*")?\\r\\n(?:Content-Type: [^\\r]*\\r\\n)?\\r\\n([^\\r]*)`).exec(body)?.[1]
}

describe('pinata adapter', () => {
  it('takes whole CARs only, through two hosts', () => {
    const s = svc()
    expect(s.acceptsShards).toBe(false)
    expect(s.endpoint).toBe(API)
  })

  it('uploads through v3 POST /v3/files: multipart file, network=public, car=true, name', async () => {
    let body = ''
    nock(UPLOADS, { reqheaders: { authorization: `Bearer ${JWT}`, 'content-type': /^multipart\/form-data; boundary=/ } })
      // nock hands over bodies with binary parts as hex
      .post('/v3/files', (b: string) => { body = /^[0-9a-f]+$/.test(b) ? Buffer.from(b, 'hex').toString('latin1') : b; return true })
      .reply(200, { data: { id: 'f-1', name: 'site', cid: car.root, size: car.body.length, number_of_files: 1, mime_type: 'application/vnd.ipld.car', network: 'public' } })
    expect(await svc().uploadCar!(car.root, car.shard, { name: 'site' })).toEqual({ cid: car.root, requestId: 'f-1' })
    expect(field(body, 'network')).toBe('public')
    expect(field(body, 'car')).toBe('true')
    expect(field(body, 'name')).toBe('site')
    expect(body).toContain(`filename="${car.shard.carCid}.car"`)
    expect(body).toContain('hello pinship')
  })

  it('switches to TUS above the threshold: create, PATCH chunks, upload-cid on the last 204', async () => {
    const s = createPinata({ service: 'pinata', token: JWT }, { tusThresholdBytes: 10, tusChunkBytes: 40 })
    const size = car.body.length
    let metadata = ''
    nock(UPLOADS, { reqheaders: { 'tus-resumable': '1.0.0', 'upload-length': String(size) } })
      .post('/v3/files').reply(function () { metadata = String(this.req.headers['upload-metadata']); return [201, '', { Location: `${UPLOADS}/v3/files/tus-abc` }] })
    const patches: Array<[string, string]> = []
    let offset = 0
    while (offset < size) {
      const end = Math.min(offset + 40, size)
      const at = offset
      nock(UPLOADS, { reqheaders: { 'upload-offset': String(at), 'content-type': 'application/offset+octet-stream' } })
        .patch('/v3/files/tus-abc', (b: string) => { patches.push([String(at), b]); return true })
        .reply(204, '', end === size ? { 'Upload-Offset': String(end), 'upload-cid': car.root } : { 'Upload-Offset': String(end) })
      offset = end
    }
    expect(await s.uploadCar!(car.root, car.shard, { name: 'site' })).toEqual({ cid: car.root })
    expect(patches.length).toBe(Math.ceil(size / 40))
    expect(Buffer.concat(patches.map(([, b]) => Buffer.from(b, 'hex'))).equals(car.body)).toBe(true)
    const meta = Object.fromEntries(metadata.split(',').map(kv => { const [k, v] = kv.split(' '); return [k, Buffer.from(v, 'base64').toString()] }))
    expect(meta).toMatchObject({ network: 'public', car: 'true', name: 'site' })
  })

  it('resumes a TUS upload after a failed chunk: HEAD for the offset, then PATCH only the rest', async () => {
    const s = createPinata({ service: 'pinata', token: JWT }, { tusThresholdBytes: 10, tusChunkBytes: 40 })
    const size = car.body.length
    expect(size).toBeGreaterThan(100)
    nock(UPLOADS, { reqheaders: { 'upload-length': String(size) } })
      .post('/v3/files').reply(201, '', { Location: `${UPLOADS}/v3/files/tus-abc` })
    const bodies: Array<[number, Buffer]> = []
    const patch = (at: number) => nock(UPLOADS, { reqheaders: { 'tus-resumable': '1.0.0', 'upload-offset': String(at), 'content-type': 'application/offset+octet-stream' } })
      .patch('/v3/files/tus-abc', (b: string) => { bodies.push([at, bytesOf(b)]); return true })
    patch(0).reply(204, '', { 'Upload-Offset': '40' })
    patch(40).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    const err = await s.uploadCar!(car.root, car.shard).catch(e => e)
    expect(err).toMatchObject({ code: 'ERR_NETWORK', retryable: true })

    // The retry (retry.ts calls uploadCar again): the server kept 60 bytes of the failed chunk, so send from 60 on.
    nock(UPLOADS, { reqheaders: { 'tus-resumable': '1.0.0', authorization: `Bearer ${JWT}` } })
      .head('/v3/files/tus-abc').reply(200, '', { 'Upload-Offset': '60', 'Upload-Length': String(size), 'Cache-Control': 'no-store' })
    let offset = 60
    while (offset < size) {
      const end = Math.min(offset + 40, size)
      patch(offset).reply(204, '', end === size ? { 'Upload-Offset': String(end), 'upload-cid': car.root } : { 'Upload-Offset': String(end) })
      offset = end
    }
    const sent: number[] = []
    expect(await s.uploadCar!(car.root, car.shard, { onBytes: n => sent.push(n) })).toEqual({ cid: car.root })
    const resumed = bodies.slice(2)
    expect(resumed.map(([at]) => at)).toEqual(Array.from({ length: Math.ceil((size - 60) / 40) }, (_, i) => 60 + 40 * i))
    expect(resumed[0][1].equals(car.body.subarray(60, 100))).toBe(true)
    expect(Buffer.concat(resumed.map(([, b]) => b)).equals(car.body.subarray(60))).toBe(true)
    expect(sent.at(-1)).toBe(size)
    expect(Math.min(...sent)).toBeGreaterThan(60)

    // Finished: the next upload of the same shard is a new one, not a HEAD on the old.
    nock(UPLOADS).post('/v3/files').reply(403, { error: { reason: 'FORBIDDEN', details: 'key lacks upload scope' } })
    await expect(s.uploadCar!(car.root, car.shard)).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' })
  })

  it.each([404, 410])('starts the TUS upload over when HEAD says the old one is gone (%i)', async (gone) => {
    const s = createPinata({ service: 'pinata', token: JWT }, { tusThresholdBytes: 10, tusChunkBytes: 40 })
    const size = car.body.length
    nock(UPLOADS).post('/v3/files').reply(201, '', { Location: '/v3/files/tus-old' })
    nock(UPLOADS).patch('/v3/files/tus-old').reply(503, 'Service Unavailable')
    expect(await s.uploadCar!(car.root, car.shard).catch(e => e)).toMatchObject({ code: 'ERR_SERVICE_UNAVAILABLE', retryable: true })

    nock(UPLOADS).head('/v3/files/tus-old').reply(gone)
    nock(UPLOADS, { reqheaders: { 'upload-length': String(size) } }).post('/v3/files').reply(201, '', { Location: '/v3/files/tus-new' })
    const bodies: Buffer[] = []
    let offset = 0
    while (offset < size) {
      const end = Math.min(offset + 40, size)
      nock(UPLOADS, { reqheaders: { 'upload-offset': String(offset) } })
        .patch('/v3/files/tus-new', (b: string) => { bodies.push(bytesOf(b)); return true })
        .reply(204, '', end === size ? { 'Upload-Offset': String(end), 'upload-cid': car.root } : { 'Upload-Offset': String(end) })
      offset = end
    }
    const r = await withRetry(async () => await s.uploadCar!(car.root, car.shard), FAST_RETRY)
    expect(r).toEqual({ cid: car.root })
    expect(Buffer.concat(bodies).equals(car.body)).toBe(true)
  })

  it('pins by CID with pinByHash and follows pinJobs, then pinList', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${JWT}` } })
      .post('/pinning/pinByHash', { hashToPin: car.root, pinataMetadata: { name: 'site' } })
      .reply(200, { id: 'job-1', ipfsHash: car.root, status: 'prechecking', name: 'site' })
    expect(await svc().pin!(car.root, { name: 'site' })).toEqual({ cid: car.root, requestId: 'job-1' })

    nock(API).get('/pinning/pinJobs').query({ ipfs_pin_hash: car.root, sort: 'DESC', limit: '5' })
      .reply(200, { count: 1, rows: [{ id: 'job-1', ipfs_pin_hash: car.root, date_queued: '2024-05-01T00:00:00Z', name: 'site', status: 'retrieving', keyvalues: null, host_nodes: [], pin_policy: {} }] })
    expect(await svc().status(car.root, { requestId: 'job-1' })).toEqual({ cid: car.root, pin: 'pinning', deals: [], rawStatus: 'retrieving' })

    // The finished job leaves the list: pinList confirms the pin.
    nock(API).get('/pinning/pinJobs').query(true).reply(200, { count: 0, rows: [] })
    nock(API).get('/data/pinList').query({ cid: car.root, status: 'pinned', pageLimit: '1' }).reply(200, { count: 1, rows: [{ ipfs_pin_hash: car.root }] })
    expect((await svc().status(car.root, { requestId: 'job-1' })).pin).toBe('pinned')

    nock(API).get('/pinning/pinJobs').query(true).reply(200, { count: 0, rows: [] })
    nock(API).get('/data/pinList').query(true).reply(200, { count: 0, rows: [] })
    expect((await svc().status(car.root)).pin).toBeNull()
  })

  it.each([
    ['prechecking', 'queued'], ['searching', 'pinning'], ['retrieving', 'pinning'], ['expired', 'failed'], ['over_free_limit', 'failed'],
    ['over_max_size', 'failed'], ['invalid_object', 'failed'], ['bad_host_node', 'failed']
  ])('maps job status %s to %s (seed 002)', async (word, state) => {
    nock(API).get('/pinning/pinJobs').query(true).reply(200, { count: 1, rows: [{ id: 'j', ipfs_pin_hash: car.root, status: word }] })
    const s = await svc().status(car.root)
    expect(s.pin).toBe(state)
    if (state === 'failed') expect(s.rawStatus).toMatch(new RegExp(`^${word}: .{10,}`))
  })

  it('lists pinList and unpins', async () => {
    nock(API).get('/data/pinList').query({ status: 'pinned', pageLimit: '25' }).reply(200, { count: 1, rows: [{ ipfs_pin_hash: car.root, date_pinned: '2024-05-01T00:00:00Z', metadata: { name: 'site' } }] })
    expect(await svc().list!()).toEqual([{ cid: car.root, name: 'site', created: '2024-05-01T00:00:00Z', pin: 'pinned' }])
    nock(API).delete(`/pinning/unpin/${car.root}`).reply(200, 'OK')
    await svc().unpin!(car.root)
  })

  it.each([
    [401, { error: { reason: 'INVALID_CREDENTIALS', details: 'Invalid/expired credentials provided' } }, 'ERR_AUTH', /INVALID_CREDENTIALS: Invalid\/expired credentials/],
    [403, { error: { reason: 'FORBIDDEN', details: 'Free plan limit reached, please upgrade' } }, 'ERR_QUOTA', /Upgrade the plan/],
    [403, { error: 'Not allowed: key lacks pinning scope' }, 'ERR_FORBIDDEN', /key lacks pinning scope/],
    [400, { error: { reason: 'INVALID_CID', details: 'hashToPin is not a CID' } }, 'ERR_SERVICE', /INVALID_CID/]
  ])('maps %i %j to %s', async (status, body, code, message) => {
    nock(API).post('/pinning/pinByHash').reply(status, body)
    const err = await svc().pin!(car.root).catch(e => e)
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain(JWT)
  })

  it('maps a too-large upload', async () => {
    nock(UPLOADS).post('/v3/files').reply(413, { error: { code: 413, message: 'File too large for plan' } })
    await expect(svc().uploadCar!(car.root, car.shard)).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' })
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls', async () => {
    await expectTransportFaults({
      intercept: () => nock(API).post('/pinning/pinByHash'),
      ok: () => nock(API).post('/pinning/pinByHash').reply(200, { id: 'job-9', ipfsHash: car.root, status: 'prechecking' }),
      call: async timeoutMs => await svc(timeoutMs).pin!(car.root),
      check: r => expect(r.requestId).toBe('job-9')
    })
  }, 20_000)

  it('survives the same faults on the v3 upload', async () => {
    await expectTransportFaults({
      intercept: () => nock(UPLOADS).post('/v3/files'),
      ok: () => nock(UPLOADS).post('/v3/files').reply(200, { data: { id: 'f', cid: car.root } }),
      call: async timeoutMs => await svc(timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)
})
