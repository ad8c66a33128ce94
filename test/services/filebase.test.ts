import { createHash, createHmac } from 'node:crypto'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createService } from '../../src/core/services/index.js'
import { carFixture, expectTransportFaults, type CarFixture } from './fixtures.js'

const S3 = 'https://s3.filebase.com'
const KEY = 'FBKEYEXAMPLE0001'
const SECRET = 'fbSecretExampleKey/abc+def0123456789'
const TOKEN = `${KEY}:${SECRET}:my-bucket`

let car: CarFixture
const svc = (timeoutMs?: number, token = TOKEN, endpoint?: string) =>
  createService({ service: 'filebase', token, ...(endpoint !== undefined ? { endpoint } : {}) }, timeoutMs !== undefined ? { timeoutMs } : {})

beforeAll(async () => { car = await carFixture(); nock.disableNetConnect() })
afterAll(async () => { await car.cleanup(); nock.enableNetConnect(); nock.cleanAll() })
afterEach(() => { const pending = nock.pendingMocks(); nock.cleanAll(); expect(pending).toEqual([]) })

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest()

/** An independent SigV4 check (AWS "Signature Version 4 signing process"), written from the spec for this test. */
function verifySigV4 (method: string, path: string, headers: Record<string, string | string[] | undefined>): boolean {
  const auth = String(headers.authorization)
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth)
  if (m === null) return false
  const [, key, date, region, signedHeaders, signature] = m
  if (key !== KEY) return false
  const names = signedHeaders.split(';')
  const canonicalHeaders = names.map(n => `${n}:${String(headers[n]).trim()}\n`).join('')
  const canonical = [method, path, '', canonicalHeaders, signedHeaders, String(headers['x-amz-content-sha256'])].join('\n')
  const amzDate = String(headers['x-amz-date'])
  const scope = `${date}/${region}/s3/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n')
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date), region), 's3'), 'aws4_request')
  return hmac(kSigning, toSign).toString('hex') === signature
}

describe('filebase adapter', () => {
  it('PUTs the CAR path-style with import: car metadata, a valid SigV4 signature and an unsigned streamed payload', async () => {
    let headers: Record<string, string | string[] | undefined> = {}
    let body = ''
    nock(S3).put(`/my-bucket/${car.root}`, (b: string) => { body = b; return true })
      .reply(function () { headers = this.req.headers; return [200, '', { ETag: '"abc"', 'x-amz-meta-cid': car.root }] })
    expect(await svc().uploadCar!(car.root, car.shard)).toEqual({ cid: car.root, requestId: car.root })
    expect(headers['x-amz-meta-import']).toBe('car')
    expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
    expect(String(headers.authorization)).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY}/\\d{8}/us-east-1/s3/aws4_request, SignedHeaders=[^,]*x-amz-meta-import`))
    expect(verifySigV4('PUT', `/my-bucket/${car.root}`, headers)).toBe(true)
    expect(body).toBe(car.body.toString('hex'))
    expect(JSON.stringify(headers)).not.toContain(SECRET)
  })

  it('uses the name as the object key and falls back to HeadObject for the cid', async () => {
    nock(S3).put('/my-bucket/site/v1.car').reply(200, '')
    nock(S3).head('/my-bucket/site/v1.car').reply(function () {
      expect(verifySigV4('HEAD', '/my-bucket/site/v1.car', this.req.headers)).toBe(true)
      return [200, '', { 'x-amz-meta-cid': car.root }]
    })
    expect(await svc().uploadCar!(car.root, car.shard, { name: 'site/v1.car' })).toEqual({ cid: car.root, requestId: 'site/v1.car' })
  })

  it('reads the status from HeadObject; 404 is unknown', async () => {
    nock(S3).head(`/my-bucket/${car.root}`).reply(200, '', { 'x-amz-meta-cid': car.root })
    expect(await svc().status(car.root)).toEqual({ cid: car.root, pin: 'pinned', deals: [], rawStatus: 'object stored' })
    nock(S3).head('/my-bucket/named').reply(404)
    expect((await svc().status(car.root, { requestId: 'named' })).pin).toBeNull()
  })

  it('takes the bucket from a base64 token or from the endpoint path', async () => {
    const b64 = Buffer.from(TOKEN).toString('base64')
    expect(svc(undefined, b64).endpoint).toBe(`${S3}/my-bucket`)
    expect(svc(undefined, `${KEY}:${SECRET}`, `${S3}/other-bucket`).endpoint).toBe(`${S3}/other-bucket`)
    expect(() => svc(undefined, `${KEY}:${SECRET}`)).toThrow(/needs a bucket/)
    expect(() => svc(undefined, 'just-a-token')).toThrow(/ACCESS_KEY:SECRET_KEY:BUCKET/)
  })

  it.each([
    [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 'ERR_AUTH', /check the access key/i],
    [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', 'ERR_AUTH', /rejected the credentials/],
    [403, 'AccessDenied', 'Access Denied', 'ERR_FORBIDDEN', /denied access to bucket my-bucket/],
    [404, 'NoSuchBucket', 'The specified bucket does not exist', 'ERR_SERVICE', /no bucket named my-bucket/],
    [400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', 'ERR_TOO_LARGE', /5 GB/],
    [503, 'SlowDown', 'Please reduce your request rate.', 'ERR_SERVICE_UNAVAILABLE', /SlowDown: Please reduce your request rate/],
    [403, 'QuotaExceeded', 'You have exceeded your storage quota.', 'ERR_QUOTA', /over its storage quota.*Free space or upgrade/],
  ])('maps S3 %i %s to %s', async (status, code, message, expected, text) => {
    nock(S3).put(`/my-bucket/${car.root}`).reply(status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`, { 'Content-Type': 'application/xml' })
    const err = await svc().uploadCar!(car.root, car.shard).catch(e => e)
    expect(err.code).toBe(expected)
    expect(err.message).toMatch(text)
    expect(err.message).not.toContain(SECRET)
  })

  it('deletes the object to unpin', async () => {
    nock(S3).delete(`/my-bucket/${car.root}`).reply(204)
    await svc().unpin!(car.root)
  })

  it('survives 429 with Retry-After, 5xx, resets mid-body and stalls', async () => {
    await expectTransportFaults({
      intercept: () => nock(S3).put(`/my-bucket/${car.root}`),
      ok: () => nock(S3).put(`/my-bucket/${car.root}`).reply(200, '', { 'x-amz-meta-cid': car.root }),
      call: async timeoutMs => await svc(timeoutMs).uploadCar!(car.root, car.shard),
      check: r => expect(r.cid).toBe(car.root)
    })
  }, 20_000)
})
