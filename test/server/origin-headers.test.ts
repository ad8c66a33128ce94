// What keeps uploaded content off the service's origin, header by header (the browser test shows the effect):
// the path gateway's redirect to {cid}.ipfs.<host>, the sandbox CSP on what stays path-style, /account's headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { PATH_GATEWAY_CSP } from '../../src/server/index.js'
import { encodeCar, importFiles, rawRequest, startTestServer, type TestServer } from './helpers.js'

let server: TestServer
let root: CID
let label: string

beforeAll(async () => {
  server = await startTestServer({ subdomainHosts: ['localhost', 'gw.example'] })
  const site = await importFiles([{ path: 'index.html', content: Buffer.from('<!doctype html><p>hi') }, { path: 'a b.txt', content: Buffer.from('x') }], { wrap: true })
  root = site.root
  label = root.toV1().toString(base32)
  expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], site.blocks), headers: server.auth() })).status).toBe(200)
})
afterAll(async () => { await server.stop() })

describe('path gateway on a host with subdomains', () => {
  it('redirects to the content\'s own origin, keeping port, path and query', async () => {
    const port = server.port
    const res = await rawRequest(port, `/ipfs/${root.toString()}/a%20b.txt?x=1`, { host: `localhost:${port}` })
    expect(res.status).toBe(301)
    expect(res.headers.location).toBe(`http://${label}.ipfs.localhost:${port}/a%20b.txt?x=1`)
    expect((await rawRequest(port, `/ipfs/${root.toString()}`, { host: `LOCALHOST:${port}` })).headers.location).toBe(`http://${label}.ipfs.localhost:${port}/`)
    expect((await rawRequest(port, `/ipfs/${root.toString()}/`, { host: 'gw.example' })).headers.location).toBe(`http://${label}.ipfs.gw.example/`)
  })

  it('turns a CIDv0 into the base32 CIDv1 a DNS label can hold', async () => {
    const v0 = CID.parse('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
    const res = await rawRequest(server.port, `/ipfs/${v0.toString()}/`, { host: `localhost:${server.port}` })
    expect(res.headers.location).toBe(`http://${v0.toV1().toString(base32)}.ipfs.localhost:${server.port}/`)
  })

  it('answers trustless requests in place (downloads, never rendered) and refuses bad input without redirecting', async () => {
    const host = { host: `localhost:${server.port}` }
    expect((await rawRequest(server.port, `/ipfs/${root.toString()}?format=car`, host)).status).toBe(200)
    expect((await rawRequest(server.port, `/ipfs/${root.toString()}`, { ...host, accept: 'application/vnd.ipld.raw' })).status).toBe(200)
    expect((await rawRequest(server.port, '/ipfs/not-a-cid/', host)).status).toBe(400)
    expect((await rawRequest(server.port, `/ipfs/${root.toString()}/a%2fb`, host)).status).toBe(400)
  })
})

describe('path gateway on a host without subdomains', () => {
  it.each(['127.0.0.1', '[::1]', 'example.org'])('serves in place on %s, every answer under the sandbox CSP', async (name) => {
    const host = { host: `${name}:${server.port}` }
    const page = await rawRequest(server.port, `/ipfs/${root.toString()}/`, host)
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toBe(PATH_GATEWAY_CSP)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    // errors are pages too
    const missing = await rawRequest(server.port, `/ipfs/${root.toString()}/nope.html`, host)
    expect(missing.status).toBe(404)
    expect(missing.headers['content-security-policy']).toBe(PATH_GATEWAY_CSP)
  })

  it('the sandbox keeps scripts (sites work) but never the service origin', () => {
    const flags = PATH_GATEWAY_CSP.split(' ')
    expect(flags[0]).toBe('sandbox')
    expect(flags).toContain('allow-scripts')
    expect(flags).not.toContain('allow-same-origin')
    expect(flags).not.toContain('allow-top-navigation')
  })

  it('the subdomain origin is the content\'s own, so it is not sandboxed', async () => {
    const res = await rawRequest(server.port, '/', { host: `${label}.ipfs.localhost:${server.port}` })
    expect(res.status).toBe(200)
    expect(res.headers['content-security-policy']).toBeUndefined()
  })
})

describe('/account', () => {
  it.each([['GET', '/account'], ['POST', '/account/login'], ['GET', '/account/nope']])('%s %s carries a strict CSP and no-framing headers', async (method, path) => {
    const res = await rawRequest(server.port, path, { 'content-type': 'application/x-www-form-urlencoded' }, method, '')
    expect(res.status).toBeLessThan(500)
    const csp = res.headers['content-security-policy'] as string
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('script-src')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('same-origin')
  })
})
