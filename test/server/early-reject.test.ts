import { mkdir, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { deploy } from '../../src/core/deploy/index.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers.js'

/** POST `size` bytes with a declared Content-Length, writing the whole body as a client that does not look at early answers. */
async function post (url: string, path: string, headers: Record<string, string>, size: number): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(size) } }, res => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    const chunk = Buffer.alloc(256 * 1024, 7)
    let sent = 0
    const pump = (): void => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent)
        sent += n
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) { req.once('drain', pump); return }
      }
      req.end()
    }
    pump()
  })
}

describe('answers refused before the body is read', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer({ maxBodyBytes: 1_000_000 }) })
  afterAll(async () => { await server.stop() })

  it('a body declared over the limit gets its 413 (not a reset) even when the client keeps sending', async () => {
    const res = await post(server.url, '/car', server.auth(), 4_000_000)
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).message).toMatch(/1000000-byte limit/)
  })

  it('a bad token on a big upload gets its 401/403 the same way', async () => {
    const res = await post(server.url, '/car', { authorization: 'Bearer nope' }, 2_000_000)
    expect([401, 403]).toContain(res.status)
  })

  it('deploy to a service with a smaller limit fails at once with the 413 advice, without retrying resets', async () => {
    const site = join(server.dir, 'site-413')
    await mkdir(site, { recursive: true })
    await writeFile(join(site, 'big.bin'), Buffer.alloc(3_000_000).map((_, i) => (i * 7919) & 255))
    const events: ProgressEvent[] = []
    const result = await deploy(site, {
      services: [{ service: 'local', endpoint: server.url, token: server.tokens[0] }],
      shardSize: 2_000_000,
      onProgress: e => events.push(e)
    })
    expect(result.ok).toBe(false)
    expect(result.results[0].error?.code).toBe('ERR_TOO_LARGE')
    expect(result.results[0].error?.message).toMatch(/smaller --shard-size/)
    expect(events.filter(e => e.type === 'pinship:deploy:retry')).toEqual([])
  })
})
