// Guessing tokens costs: wrong tokens on any API and wrong sign-ins are limited per client address (429 for every
// attempt from it, right or wrong, until the window slides), on by default. And the public check names nothing.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_FAILED_AUTH_LIMIT } from '../../src/server/index.js'
import { encodeCar, importFiles, json, loginForm, startTestServer, type TestServer } from './helpers.js'

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

async function wrongLogin (url: string): Promise<number> {
  const form = await loginForm(url)
  const res = await fetch(`${url}/account/login`, { method: 'POST', body: new URLSearchParams({ token: 'guess', csrf: form.csrf }), headers: { cookie: form.cookie }, redirect: 'manual' })
  await res.arrayBuffer()
  return res.status
}

describe('failed authentication, with the default limit', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(async () => { await server.stop() })

  it('50 wrong tokens: 403 up to the limit, then 429 with Retry-After', async () => {
    expect(DEFAULT_FAILED_AUTH_LIMIT).toEqual({ requests: 20, windowMs: 60_000 })
    const statuses: number[] = []
    for (let i = 0; i < 50; i++) statuses.push((await fetch(`${server.url}/user/uploads`, { headers: bearer(`guess-${i}`) })).status)
    expect(statuses.slice(0, 20).every(s => s === 403)).toBe(true)
    expect(statuses.slice(20).every(s => s === 429)).toBe(true)
    const res = await fetch(`${server.url}/user/uploads`, { headers: bearer('token-alice') })
    // the right token too: otherwise a 200 among the 429s would still tell a guess right
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await json(res)).message).toMatch(/Too many failed sign-ins or wrong tokens from your address/)
  })
})

describe('failed authentication, with a short window', () => {
  // Each test gets a server of its own (no attempts counted yet) rather than sleeping off the previous test's; the
  // window is long enough that a loaded machine still makes every attempt of a test inside it (at 800 ms the eight
  // sign-ins, each a form fetch and a post, came within about 300 ms of it).
  const WINDOW_MS = 3_000
  let server: TestServer
  beforeEach(async () => { server = await startTestServer({ failedAuthLimit: { requests: 5, windowMs: WINDOW_MS } }) })
  afterEach(async () => { await server.stop() })
  const pause = async (): Promise<void> => await new Promise(resolve => setTimeout(resolve, WINDOW_MS + 100))

  it('counts wrong tokens across every API face, answering 429 in each face\'s shape', async () => {
    const faces = ['/user/uploads', '/pins', '/nft/', '/data/testAuthentication', '/progress?path=/x']
    for (const path of faces) expect([401, 403]).toContain((await fetch(`${server.url}${path}`, { headers: bearer('guess') })).status)
    const nft = await fetch(`${server.url}/nft/`, { headers: bearer('guess') })
    expect(nft.status).toBe(429)
    expect(await json(nft)).toMatchObject({ ok: false, error: { name: 'RateLimitedError' } })
    const psa = await fetch(`${server.url}/pins`, { headers: bearer('token-alice') })
    expect(psa.status).toBe(429)
    expect(await json(psa)).toMatchObject({ error: { reason: 'TOO_MANY_REQUESTS' } })
    await pause()
    expect((await fetch(`${server.url}/pins`, { headers: bearer('token-alice') })).status).toBe(200)
  })

  it('counts wrong sign-ins on the account page', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push(await wrongLogin(server.url))
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429, 429, 429])
    // and they lock the API from that address as well
    expect((await fetch(`${server.url}/user/uploads`, { headers: bearer('token-alice') })).status).toBe(429)
  })

  it('requests without any token are not guesses and do not count', async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}/user/uploads`)).status).toBe(401)
    expect((await fetch(`${server.url}/user/uploads`, { headers: bearer('token-alice') })).status).toBe(200)
  })

  it('valid tokens do not count', async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}/user/uploads`, { headers: bearer('token-bob') })).status).toBe(200)
  })
})

describe('GET /nft/check (public)', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(async () => { await server.stop() })

  it('says whether the CID is stored, never another user\'s upload or pin name', async () => {
    const { root, blocks } = await importFiles([{ path: 'a.txt', content: Buffer.from('private') }], { wrap: true })
    expect((await fetch(`${server.url}/car`, { method: 'POST', body: await encodeCar([root], blocks), headers: { ...bearer('token-bob'), 'x-name': 'bob-private-name' } })).status).toBe(200)
    expect((await fetch(`${server.url}/pins`, { method: 'POST', body: JSON.stringify({ cid: root.toString(), name: 'bob-pin-name', meta: { k: 'bob-meta' } }), headers: { ...bearer('token-bob'), 'content-type': 'application/json' } })).status).toBe(202)
    const res = await fetch(`${server.url}/nft/check/${root.toString()}`)
    const text = await res.text()
    expect(text).not.toMatch(/bob-/)
    expect(JSON.parse(text)).toEqual({ ok: true, value: { cid: root.toString(), pin: { cid: root.toString(), status: 'pinned', created: expect.any(String), size: expect.any(Number) }, deals: [] } })
  })
})
