// NFT.Storage-compatible API under /nft (seed 003) and the account page, over real HTTP.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ipfsCarPack, json, loginForm, signIn, startTestServer, tempDir, type TestServer } from './helpers.js'
import { FILES_ROOT, HELLO_CID, SITE_ROOT, writeSite } from './fixtures.js'

let server: TestServer
let tmp: { path: string, remove: () => Promise<void> }
let siteCar: Buffer

beforeAll(async () => {
  server = await startTestServer()
  tmp = await tempDir()
  siteCar = (await ipfsCarPack(await writeSite(tmp.path), join(tmp.path, 'site.car'))).car
})
afterAll(async () => {
  await server.stop()
  await tmp.remove()
})

describe('POST /nft/upload', () => {
  it('stores a CAR (Content-Type: application/car) and answers {ok, value: NFT}', async () => {
    const res = await fetch(`${server.url}/nft/upload`, { method: 'POST', body: siteCar, headers: { ...server.auth(), 'content-type': 'application/car' } })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({
      ok: true,
      value: { cid: SITE_ROOT, type: 'application/car', scope: 'default', deals: [], pin: { cid: SITE_ROOT, status: 'pinned' } }
    })
    expect(body.value.size).toBeGreaterThan(3 * 1024 * 1024)
    expect(body.value.pin.size).toBe(body.value.size)
  })

  it('packs multipart files into a directory and lists them in `files`', async () => {
    const form = new FormData()
    form.append('file', new Blob(['alpha\n'], { type: 'text/plain' }), 'a.txt')
    form.append('file', new Blob(['beta\n'], { type: 'text/plain' }), 'dir/b.txt')
    const body = await json(await fetch(`${server.url}/nft/upload`, { method: 'POST', body: form, headers: server.auth() }))
    expect(body.value).toMatchObject({ cid: FILES_ROOT, type: 'directory', files: [{ name: 'a.txt', type: 'text/plain' }, { name: 'dir/b.txt', type: 'text/plain' }] })
  })

  it('stores a single blob with its content type', async () => {
    const body = await json(await fetch(`${server.url}/nft/upload`, { method: 'POST', body: 'hello pinship\n', headers: { ...server.auth(), 'content-type': 'text/plain' } }))
    expect(body.value).toMatchObject({ cid: HELLO_CID, type: 'text/plain' })
  })

  it('rejects a bad CAR with {ok:false, error:{name, message}}', async () => {
    const res = await fetch(`${server.url}/nft/upload`, { method: 'POST', body: 'not a car', headers: { ...server.auth(), 'content-type': 'application/car' } })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ ok: false, error: { name: 'InvalidCarError', message: expect.stringMatching(/CAR/) } })
  })
})

describe('auth envelopes exactly as seed 003', () => {
  it('401 Unauthorized without a token, 403 Token is not valid with a wrong one', async () => {
    let res = await fetch(`${server.url}/nft/`)
    expect(res.status).toBe(401)
    expect(await json(res)).toEqual({ ok: false, error: { name: 'HTTP Error', message: 'Unauthorized' } })
    res = await fetch(`${server.url}/nft/upload`, { method: 'POST', body: siteCar, headers: { authorization: 'Bearer nope', 'content-type': 'application/car' } })
    expect(res.status).toBe(403)
    expect(await json(res)).toEqual({ ok: false, error: { name: 'HTTP Error', message: 'Token is not valid' } })
  })
})

describe('list, get, check, delete', () => {
  it('lists the user\'s uploads newest first with before and limit', async () => {
    const all = await json(await fetch(`${server.url}/nft/`, { headers: server.auth() }))
    expect(all.ok).toBe(true)
    expect(all.value.map((n: { cid: string }) => n.cid)).toEqual([HELLO_CID, FILES_ROOT, SITE_ROOT])
    const one = await json(await fetch(`${server.url}/nft?limit=1`, { headers: server.auth() }))
    expect(one.value.map((n: { cid: string }) => n.cid)).toEqual([HELLO_CID])
    const older = await json(await fetch(`${server.url}/nft/?before=${encodeURIComponent(one.value[0].created)}&limit=5`, { headers: server.auth() }))
    expect(older.value.map((n: { cid: string }) => n.cid)).toEqual([FILES_ROOT, SITE_ROOT])
    const res = await fetch(`${server.url}/nft/?limit=0`, { headers: server.auth() })
    expect(res.status).toBe(400)
    expect((await json(res)).ok).toBe(false)
    // the other user sees none of them
    expect((await json(await fetch(`${server.url}/nft/`, { headers: server.auth(1) }))).value).toEqual([])
  })

  it('gets one NFT, and 404 for another user or an unknown CID', async () => {
    const got = await json(await fetch(`${server.url}/nft/${SITE_ROOT}`, { headers: server.auth() }))
    expect(got.value.cid).toBe(SITE_ROOT)
    const other = await fetch(`${server.url}/nft/${SITE_ROOT}`, { headers: server.auth(1) })
    expect(other.status).toBe(404)
    expect(await json(other)).toMatchObject({ ok: false, error: { name: 'NotFoundError' } })
    const bad = await fetch(`${server.url}/nft/not-a-cid`, { headers: server.auth() })
    expect(bad.status).toBe(400)
    expect(await json(bad)).toMatchObject({ ok: false, error: { name: 'InvalidCidError' } })
  })

  it('checks any CID without auth', async () => {
    const res = await fetch(`${server.url}/nft/check/${SITE_ROOT}`)
    expect(res.status).toBe(200)
    // public: nothing private (no upload name, no meta), only what the CID itself implies
    expect(await json(res)).toEqual({ ok: true, value: { cid: SITE_ROOT, pin: { cid: SITE_ROOT, status: 'pinned', created: expect.any(String), size: expect.any(Number) }, deals: [] } })
    const missing = await fetch(`${server.url}/nft/check/bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u`)
    expect(missing.status).toBe(404)
    expect((await json(missing)).ok).toBe(false)
  })

  it('deletes for its owner only', async () => {
    expect((await fetch(`${server.url}/nft/${HELLO_CID}`, { method: 'DELETE', headers: server.auth(1) })).status).toBe(404)
    const res = await fetch(`${server.url}/nft/${HELLO_CID}`, { method: 'DELETE', headers: server.auth() })
    expect(await json(res)).toEqual({ ok: true })
    expect((await fetch(`${server.url}/nft/${HELLO_CID}`, { headers: server.auth() })).status).toBe(404)
    expect((await fetch(`${server.url}/nft/check/${HELLO_CID}`)).status).toBe(404)
  })

  it('answers unknown /nft routes in the NFT envelope', async () => {
    const res = await fetch(`${server.url}/nft/upload/extra/path`, { headers: server.auth() })
    expect(res.status).toBe(404)
    expect(await json(res)).toEqual({ ok: false, error: { name: 'HTTP Error', message: expect.stringMatching(/No route for GET \/nft\/upload\/extra\/path/) } })
  })
})

describe('account page', () => {
  it('shows a login form, signs in with an HttpOnly cookie and lists uploads with Status and Storage Providers', async () => {
    const page = await fetch(`${server.url}/account`)
    expect(page.status).toBe(200)
    const loginPage = await page.text()
    expect(loginPage).toContain('action="/account/login"')
    expect(loginPage).toContain('type="password"')

    const form = await loginForm(server.url)
    const bad = await fetch(`${server.url}/account/login`, { method: 'POST', body: new URLSearchParams({ token: 'wrong', csrf: form.csrf }), headers: { cookie: form.cookie }, redirect: 'manual' })
    expect(bad.status).toBe(403)
    expect(bad.headers.getSetCookie().some(c => c.startsWith('pinship_session='))).toBe(false)

    const { setCookie, cookie } = await signIn(server.url, server.tokens[0])
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    expect(setCookie).not.toContain(server.tokens[0])

    const account = await fetch(`${server.url}/account`, { headers: { cookie } })
    const html = await account.text()
    expect(html).toContain('<th scope="col">Status</th>')
    expect(html).toContain('<th scope="col">Storage Providers</th>')
    expect(html).toContain(SITE_ROOT)
    expect(html).toContain('Pinned')
    expect(html).not.toContain(server.tokens[0])
    // the session cookie is for the page only, never an API credential
    expect((await fetch(`${server.url}/user/uploads`, { headers: { cookie } })).status).toBe(401)

    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string
    const logout = await fetch(`${server.url}/account/logout`, { method: 'POST', body: new URLSearchParams({ csrf }), headers: { cookie }, redirect: 'manual' })
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0/)
  })
})
