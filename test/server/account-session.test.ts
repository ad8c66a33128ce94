// The account page's sign-in: a server-side session id with an expiry in the cookie (never the API token), CSRF
// tokens and an Origin check on sign-in and sign-out, so another site's page cannot sign a visitor in or out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginForm, rawRequest, signIn, startTestServer, type TestServer } from './helpers.js'

let server: TestServer
beforeAll(async () => { server = await startTestServer({ sessionTtlMs: 2000 }) })
afterAll(async () => { await server.stop() })

const FORM = 'application/x-www-form-urlencoded'

async function whoIsSignedIn (cookie: string): Promise<'signed in' | 'signed out'> {
  const html = await (await fetch(`${server.url}/account`, { headers: { cookie } })).text()
  return html.includes('action="/account/logout"') ? 'signed in' : 'signed out'
}

describe('session cookie', () => {
  it('holds a random session id with HttpOnly, SameSite=Strict and Max-Age, not the token', async () => {
    const { setCookie, cookie } = await signIn(server.url, 'token-alice')
    expect(setCookie).toMatch(/^pinship_session=[A-Za-z0-9_-]{43}; Path=\/account; HttpOnly; SameSite=Strict; Max-Age=2$/)
    expect(setCookie).not.toContain('token-alice')
    expect(await whoIsSignedIn(cookie)).toBe('signed in')
    // two sign-ins are two sessions
    expect((await signIn(server.url, 'token-alice')).cookie).not.toBe(cookie)
  })

  it('expires on the server, whatever the browser keeps', async () => {
    const { cookie } = await signIn(server.url, 'token-alice')
    await new Promise(resolve => setTimeout(resolve, 2100))
    const html = await (await fetch(`${server.url}/account`, { headers: { cookie } })).text()
    expect(html).toContain('Your session has ended')
    expect(html).not.toContain('action="/account/logout"')
  })

  it('a raw API token in a cookie signs nobody in (the old cookie format)', async () => {
    expect(await whoIsSignedIn('pinship_token=token-alice')).toBe('signed out')
    expect(await whoIsSignedIn('pinship_session=token-alice')).toBe('signed out')
  })
})

describe('sign-in CSRF', () => {
  it('refuses a form without the page\'s CSRF token, or with one that does not match its cookie', async () => {
    const form = await loginForm(server.url)
    const other = await loginForm(server.url)
    for (const [body, cookie] of [
      [{ token: 'token-alice' }, form.cookie],
      [{ token: 'token-alice', csrf: form.csrf }, ''],
      [{ token: 'token-alice', csrf: other.csrf }, form.cookie]
    ] as const) {
      const res = await fetch(`${server.url}/account/login`, { method: 'POST', body: new URLSearchParams(body), headers: cookie === '' ? {} : { cookie }, redirect: 'manual' })
      expect(res.status).toBe(403)
      expect(res.headers.getSetCookie().some(c => c.startsWith('pinship_session='))).toBe(false)
      expect(await res.text()).toContain('Sign in again')
    }
  })

  it.each([
    ['Origin of another site', { origin: 'http://evil.example' }],
    ['Origin null (a sandboxed or opaque page)', { origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }]
  ])('refuses a form posted with %s, even with a valid CSRF pair', async (_, headers) => {
    const form = await loginForm(server.url)
    const res = await rawRequest(server.port, '/account/login', { ...headers, 'content-type': FORM, cookie: form.cookie }, 'POST', new URLSearchParams({ token: 'token-alice', csrf: form.csrf }).toString())
    expect(res.status).toBe(403)
    expect(res.body.toString()).toContain('posted from another site')
    expect(res.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringMatching(/^pinship_session=/))
  })

  it.each(['http', 'https'])('accepts its own origin (%s, as behind a TLS proxy)', async (scheme) => {
    const form = await loginForm(server.url)
    const origin = `${scheme}://127.0.0.1:${server.port}`
    const res = await rawRequest(server.port, '/account/login', { origin, 'sec-fetch-site': 'same-origin', 'content-type': FORM, cookie: form.cookie }, 'POST', new URLSearchParams({ token: 'token-alice', csrf: form.csrf }).toString())
    expect(res.status).toBe(303)
  })
})

describe('sign-out CSRF', () => {
  it('needs the session\'s own CSRF token; with it the session ends on the server', async () => {
    const { cookie } = await signIn(server.url, 'token-bob')
    const forged = await fetch(`${server.url}/account/logout`, { method: 'POST', body: new URLSearchParams({}), headers: { cookie }, redirect: 'manual' })
    expect(forged.status).toBe(403)
    const cross = await rawRequest(server.port, '/account/logout', { origin: 'http://evil.example', 'content-type': FORM, cookie }, 'POST', '')
    expect(cross.status).toBe(403)
    expect(await whoIsSignedIn(cookie)).toBe('signed in')

    const html = await (await fetch(`${server.url}/account`, { headers: { cookie } })).text()
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] as string
    const res = await fetch(`${server.url}/account/logout`, { method: 'POST', body: new URLSearchParams({ csrf }), headers: { cookie }, redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^pinship_session=; .*Max-Age=0/))
    // the id is dead on the server, not just forgotten by this browser
    expect(await whoIsSignedIn(cookie)).toBe('signed out')
  })
})
