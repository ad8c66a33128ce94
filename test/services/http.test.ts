import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import nock from 'nock'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { httpRequest, joinUrl, parseRetryAfter, redact } from '../../src/core/http.js'
import { fileBlob } from '../../src/core/services/common.js'

const ctx = { service: 'testsvc', secrets: ['sekrit-token-value'] }

afterEach(() => { nock.cleanAll() })
afterAll(() => { nock.restore(); nock.activate() })

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('60')).toBe(60_000)
    expect(parseRetryAfter('1.5')).toBe(1_500)
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
})

describe('redact and joinUrl', () => {
  it('redacts secrets wherever they appear', () => {
    expect(redact('a sekrit-token-value b sekrit-token-value', ['sekrit-token-value'])).toBe('a *** b ***')
  })

  it('keeps an endpoint path prefix and adds query parameters', () => {
    expect(joinUrl('https://x.example/psa', '/pins', { cid: 'bafy', limit: 10, skip: undefined }).href).toBe('https://x.example/psa/pins?cid=bafy&limit=10')
    expect(joinUrl('https://x.example/', 'status/x').href).toBe('https://x.example/status/x')
  })
})

describe('httpRequest against nock', () => {
  it('parses Retry-After dates on 429', async () => {
    const later = new Date(Date.now() + 30_000).toUTCString()
    nock('https://h.example').get('/x').reply(429, 'slow down', { 'Retry-After': later })
    const err = await httpRequest(ctx, 'https://h.example/x').catch(e => e)
    expect(err.code).toBe('ERR_RATE_LIMITED')
    expect(err.retryAfterMs).toBeGreaterThan(27_000)
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000)
    // An HTTP date has whole seconds and time passes before it is parsed: the message rounds what was parsed.
    expect(err.message).toContain(`it asks to wait ${Math.ceil(err.retryAfterMs / 1000)} s`)
  })

  it('hands back allowed statuses instead of throwing', async () => {
    nock('https://h.example').get('/missing').reply(404, '{"message":"nope"}')
    expect((await httpRequest(ctx, 'https://h.example/missing', { allowStatus: [404] })).status).toBe(404)
  })

  it('cancels on the caller\'s signal with AbortedError', async () => {
    nock('https://h.example').get('/slow').delay(2_000).reply(200, 'late')
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const err = await httpRequest(ctx, 'https://h.example/slow', { signal: ac.signal }).catch(e => e)
    expect(err.code).toBe('ERR_ABORTED')
    expect(err.retryable).toBe(false)
  })
})

describe('httpRequest over real sockets', () => {
  it('streams a request body, counting bytes sent', async () => {
    nock.restore()
    const server = createServer((req, res) => {
      let n = 0
      req.on('data', c => { n += c.length })
      req.on('end', () => res.end(JSON.stringify({ n })))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/up`
    try {
      const seen: number[] = []
      const body = Readable.from((function * () { for (let i = 0; i < 8; i++) yield Buffer.alloc(256 * 1024, i) })())
      const res = await httpRequest(ctx, url, { method: 'POST', body, onUploadBytes: n => seen.push(n) })
      expect(JSON.parse(res.text)).toEqual({ n: 2 * 1024 * 1024 })
      expect(seen.at(-1)).toBe(2 * 1024 * 1024)
      expect(seen.length).toBeGreaterThanOrEqual(8)
    } finally {
      server.close()
      nock.activate()
    }
  })

  it('streams a multipart (FormData) upload with its exact Content-Length; a slow but moving upload outlives the idle timeout', async () => {
    nock.restore()
    const dir = await mkdtemp(join(tmpdir(), 'pinship-http-'))
    const file = join(dir, 'big.car')
    const fileBytes = 32 * 1024 * 1024
    await writeFile(file, Buffer.alloc(fileBytes, 7))
    let declared = ''
    let chunked = false
    // The server stops reading for 300 ms four times in the first 3 MiB (the client is then mid-upload: socket
    // buffers hold far less than the 29 MiB left), then reads at full speed. Each stall is shorter than the 1 s
    // idle timeout, together they are longer: a timer that does not see the upload move would fire.
    const server = createServer((req, res) => {
      declared = String(req.headers['content-length'])
      chunked = req.headers['transfer-encoding'] !== undefined
      let n = 0
      let stalls = 0
      const stall = (): void => { stalls++; req.pause(); setTimeout(() => req.resume(), 300) }
      stall()
      req.on('data', c => { n += c.length; if (stalls < 4 && n >= stalls * 1024 * 1024) stall() })
      req.on('end', () => res.end(JSON.stringify({ n })))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/add`
    try {
      const form = new FormData()
      form.append('car', 'true')
      form.append('file', await fileBlob(file), 'big.car')
      const seen: number[] = []
      const start = performance.now()
      const res = await httpRequest(ctx, url, { method: 'POST', body: form, timeoutMs: 1_000, onUploadBytes: n => seen.push(n) })
      expect(performance.now() - start).toBeGreaterThan(1_150)
      const { n } = JSON.parse(res.text) as { n: number }
      expect(n).toBeGreaterThan(fileBytes)
      expect(n).toBeLessThan(fileBytes + 1024)
      expect(declared).toBe(String(n))
      expect(chunked).toBe(false)
      expect(seen.at(-1)).toBe(n)
    } finally {
      server.closeAllConnections()
      server.close()
      nock.activate()
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('says "connection refused" for a service that is down, and marks it retryable', async () => {
    nock.restore()
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    await new Promise<void>(resolve => server.close(() => resolve()))
    try {
      const err = await httpRequest(ctx, `http://127.0.0.1:${port}/x`).catch(e => e)
      expect(err.code).toBe('ERR_NETWORK')
      expect(err.retryable).toBe(true)
      expect(err.message).toBe(`testsvc at http://127.0.0.1:${port}: connection refused: is the service running and is the endpoint right? (while sending the request)`)
    } finally {
      nock.activate()
    }
  })

  it('times out a server that accepts but never answers', async () => {
    nock.restore()
    const server = createServer(() => { /* never answers */ })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    try {
      const start = performance.now()
      const err = await httpRequest(ctx, `http://127.0.0.1:${port}/x`, { timeoutMs: 150 }).catch(e => e)
      expect(err.code).toBe('ERR_TIMEOUT')
      // without the idle timeout it would wait forever
      expect(performance.now() - start).toBeLessThan(5_000)
      expect(err.message).toMatch(/no data for 150 ms while sending the request/)
    } finally {
      server.closeAllConnections()
      server.close()
      nock.activate()
    }
  })
})
