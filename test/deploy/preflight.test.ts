/**
 * A wrong endpoint fails within seconds, before anything is packed, saying what to check: nothing listening,
 * a name that does not resolve, or something that answers but is not the API (a static file server). Services that
 * answered like the API keep the retry policy.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../src/core/deploy/index.js'
import type { DeployOptions, DeployResult } from '../../src/core/deploy/api.js'
import type { ProgressEvent } from '../../src/core/progress.js'
import { FAST, useEmbeddedService } from './embedded.js'
import { smallSite } from './folders.js'

const TOKEN = 'preflight-token-0123456789'
const env = useEmbeddedService(TOKEN)

let site: string
let closedPort: number
let staticServer: Server
let staticUrl: string
let spaServer: Server
let spaUrl: string
let staticRequests: string[] = []

async function listen (server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function close (server: Server): Promise<void> {
  await new Promise<void>(resolve => server.close(() => resolve()))
}

beforeAll(async () => {
  site = await smallSite(join(env.scratch, 'site'))
  // A port nothing listens on: bind one, then let it go.
  const probe = createServer()
  await listen(probe)
  closedPort = (probe.address() as AddressInfo).port
  await close(probe)
  // What `python3 -m http.server` answers: 404 pages for unknown paths, 501 for POST.
  staticServer = createServer((req, res) => {
    staticRequests.push(`${String(req.method)} ${String(req.url)}`)
    req.resume()
    res.setHeader('content-type', 'text/html;charset=utf-8')
    if (req.method === 'POST') {
      res.statusCode = 501
      res.end('<!DOCTYPE HTML>\n<html><head><title>Error response</title></head><body><p>Error code: 501</p></body></html>\n')
    } else {
      res.statusCode = 404
      res.end('<!DOCTYPE HTML>\n<html><head><title>Error response</title></head><body><p>Error code: 404</p></body></html>\n')
    }
  })
  staticUrl = await listen(staticServer)
  // A single-page app's server: index.html for every path, 200.
  spaServer = createServer((req, res) => {
    req.resume()
    res.setHeader('content-type', 'text/html')
    res.end('<!doctype html><html><head><title>My App</title></head><body><div id="root"></div></body></html>')
  })
  spaUrl = await listen(spaServer)
})

afterAll(async () => {
  await close(staticServer)
  await close(spaServer)
})

async function attempt (options: Partial<DeployOptions>): Promise<{ err: any, ms: number, events: ProgressEvent[], result?: DeployResult }> {
  const events: ProgressEvent[] = []
  const start = performance.now()
  try {
    const result = await deploy(site, { services: [], ...FAST, timeoutMs: 60_000, ...options, onProgress: e => events.push(e) })
    return { err: undefined, ms: performance.now() - start, events, result }
  } catch (err) {
    return { err, ms: performance.now() - start, events }
  }
}

describe('deploy checks each endpoint once before packing', () => {
  it('fails at once when nothing listens (connection refused), without packing or retrying', async () => {
    const { err, ms, events } = await attempt({ services: [{ service: 'web3storage', endpoint: `http://127.0.0.1:${closedPort}`, token: TOKEN }] })
    expect(err?.code).toBe('ERR_ENDPOINT_UNREACHABLE')
    expect(err.message).toMatch(new RegExp(`web3storage at http://127\\.0\\.0\\.1:${closedPort}: connection refused`))
    expect(err.message).toMatch(/Check --endpoint \(or PINSHIP_ENDPOINT \/ PINSHIP_WEB3STORAGE_ENDPOINT\): it must be the API root of a running web3storage service\./)
    expect(ms).toBeLessThan(3_000)
    expect(events.map(e => e.type)).not.toContain('pinship:pack:start')
    expect(events.map(e => e.type)).not.toContain('pinship:deploy:retry')
  })

  it('fails at once on a port fetch refuses (the issue\'s --endpoint http://127.0.0.1:9), as a bad endpoint', async () => {
    const { err, ms, events } = await attempt({ services: [{ service: 'web3storage', endpoint: 'http://127.0.0.1:9', token: TOKEN }] })
    expect(err?.code).toBe('ERR_INVALID_ENDPOINT')
    expect(err.message).toMatch(/web3storage at http:\/\/127\.0\.0\.1:9: port 9 is reserved for another protocol and fetch refuses to connect to it; check --endpoint/)
    // the deploy's own bound is 60 s
    expect(ms).toBeLessThan(5_000)
    expect(events.map(e => e.type)).not.toContain('pinship:pack:start')
  })

  it('fails at once when the host name does not resolve', async () => {
    const { err, ms, events } = await attempt({ services: [{ service: 'kubo', endpoint: 'http://no-such-host.invalid:5001' }] })
    expect(err?.code).toBe('ERR_ENDPOINT_UNREACHABLE')
    expect(err.message).toMatch(/kubo at http:\/\/no-such-host\.invalid:5001: (host not found|DNS lookup failed)/)
    expect(ms).toBeLessThan(8_000)
    expect(events.map(e => e.type)).not.toContain('pinship:pack:start')
  })

  it('fails at once when a static file server answers (404/501 HTML), naming what answered', async () => {
    staticRequests = []
    const { err, ms, events } = await attempt({ services: [{ service: 'local', endpoint: staticUrl, token: TOKEN }] })
    expect(err?.code).toBe('ERR_NOT_SERVICE_API')
    expect(err.message).toMatch(/local at http:\/\/127\.0\.0\.1:\d+ answered \/status\/\S+ with an HTML page \(HTTP 404, "Error response"\), not the local API/)
    expect(err.message).toMatch(/Check --endpoint/)
    expect(ms).toBeLessThan(3_000)
    expect(staticRequests).toHaveLength(1)
    expect(events.map(e => e.type)).not.toContain('pinship:pack:start')
  })

  it('fails at once when a web app answers every path with its index.html (200)', async () => {
    const { err, ms } = await attempt({ services: [{ service: 'psa', endpoint: spaUrl, token: TOKEN }] })
    expect(err?.code).toBe('ERR_NOT_SERVICE_API')
    expect(err.message).toMatch(/psa at .* answered \/pins with an HTML page \(HTTP 200, "My App"\)/)
    expect(ms).toBeLessThan(3_000)
  })

  it('an HTML 501 to an upload is not retried either (the check passed, the upload did not)', async () => {
    // A service whose status answers like the API but whose upload path is a static server's 501 page.
    const half = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        if (req.method === 'GET' && req.url?.startsWith('/status/') === true) {
          res.statusCode = 404
          res.setHeader('content-type', 'application/json')
          res.end('{"code":"HTTP_ERROR","message":"not found"}')
          return
        }
        res.statusCode = 501
        res.setHeader('content-type', 'text/html')
        res.end('<html><head><title>Unsupported method</title></head></html>')
      })
    })
    const url = await listen(half)
    try {
      const { result, events } = await attempt({ services: [{ service: 'web3storage', endpoint: url, token: TOKEN }] })
      expect(result?.ok).toBe(false)
      expect(result?.results[0].error?.code).toBe('ERR_NOT_SERVICE_API')
      // nothing stored anywhere: no gateway links
      expect(result?.urls).toEqual([])
      expect(events.filter(e => e.type === 'pinship:deploy:retry')).toHaveLength(0)
    } finally {
      await close(half)
    }
  })

  it('with several services, only the one not there fails; the others deploy (--require any)', async () => {
    const { err, result } = await attempt({
      services: [
        { service: 'web3storage', endpoint: `http://127.0.0.1:${closedPort}`, token: TOKEN },
        { service: 'local', endpoint: env.server.url, token: TOKEN }
      ],
      require: 'any'
    })
    expect(err).toBeUndefined()
    expect(result?.ok).toBe(true)
    expect(result?.results.map(r => [r.service, r.status, r.error?.code ?? null])).toEqual([
      ['web3storage', null, 'ERR_ENDPOINT_UNREACHABLE'],
      ['local', 'pinned', null]
    ])
    // stored by one of them: its links are given
    expect(result?.urls[0]).toBe(`${env.server.url}/ipfs/${result?.cid}/`)
  })

  it('with every service unreachable, says so for each', async () => {
    const { err } = await attempt({
      services: [
        { service: 'web3storage', endpoint: `http://127.0.0.1:${closedPort}`, token: TOKEN },
        { service: 'local', endpoint: staticUrl, token: TOKEN }
      ]
    })
    expect(err?.code).toBe('ERR_ENDPOINT_UNREACHABLE')
    expect(err.message).toMatch(/web3storage at .*connection refused.*; local at .*HTML page/)
  })

  it('a service that answered like the API still gets retries (a 503 on the first upload is retried)', async () => {
    let uploads = 0
    const flaky = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/car' && uploads++ === 0) {
        req.resume()
        req.on('end', () => { res.statusCode = 503; res.setHeader('content-type', 'application/json'); res.end('{"message":"busy"}') })
        return
      }
      // everything else goes to the real embedded service
      const target = new URL(String(req.url), env.server.url)
      const headers = { ...req.headers } as Record<string, string>
      // hop-by-hop headers are this hop's; a fresh connection per forward, so a pooled one the service has since
      // closed (its idle limits) cannot turn into a 502 of this test's own making
      for (const h of ['host', 'connection', 'keep-alive', 'transfer-encoding', 'expect', 'upgrade', 'content-length']) delete headers[h]
      headers.connection = 'close'
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        fetch(target, { method: req.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) }).then(async r => {
          res.statusCode = r.status
          r.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') res.setHeader(k, v) })
          res.end(Buffer.from(await r.arrayBuffer()))
        }, () => { res.statusCode = 502; res.end() })
      })
    })
    const url = await listen(flaky)
    try {
      const { result, events } = await attempt({ services: [{ service: 'local', endpoint: url, token: TOKEN }] })
      expect(result?.results[0]).toMatchObject({ status: 'pinned', error: null })
      expect(events.filter(e => e.type === 'pinship:deploy:retry')).toHaveLength(1)
    } finally {
      await close(flaky)
    }
  })
})
