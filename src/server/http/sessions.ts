import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { parseCookies } from './auth.js'

/** The account page's session cookie: a random id the server maps to a user; the API token never leaves the form. */
export const SESSION_COOKIE = 'pinship_session'
/** Double-submit token of the login form (there is no session yet to hold one). */
export const LOGIN_CSRF_COOKIE = 'pinship_login_csrf'
/** A signed-in session lasts this long, whatever the browser does with the cookie. */
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000
/** Sessions kept at most; beyond it the oldest go first (a flood of logins cannot grow memory without bound). */
export const MAX_SESSIONS = 10_000

export interface Session { id: string, user: string, csrf: string, expires: number }

export function randomToken (): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time equality of two secrets (false when either is missing). */
export function sameSecret (a: string | undefined | null, b: string | undefined | null): boolean {
  if (a == null || b == null || a === '' || b === '') return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Server-side sessions of the account page, in memory: a restart signs everyone out, which is the safe direction.
 * Each carries its own CSRF token for the forms it shows.
 */
export class Sessions {
  private readonly byId = new Map<string, Session>()

  constructor (private readonly ttlMs = DEFAULT_SESSION_TTL_MS) {}

  get ttlSeconds (): number { return Math.floor(this.ttlMs / 1000) }

  create (user: string, now = Date.now()): Session {
    for (const [id, s] of this.byId) if (s.expires <= now) this.byId.delete(id)
    // Map keeps insertion order: the first entries are the oldest
    while (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value as string)
    const session = { id: randomToken(), user, csrf: randomToken(), expires: now + this.ttlMs }
    this.byId.set(session.id, session)
    return session
  }

  /** The live session named by the request's cookie, if any. */
  of (req: IncomingMessage, now = Date.now()): Session | undefined {
    const id = parseCookies(req.headers.cookie)[SESSION_COOKIE]
    if (id === undefined) return undefined
    const s = this.byId.get(id)
    if (s === undefined) return undefined
    if (s.expires <= now) { this.byId.delete(id); return undefined }
    return s
  }

  delete (id: string): void { this.byId.delete(id) }
}

/**
 * Whether a state-changing request comes from the service's own pages. A browser names the page's origin in
 * `Origin` (`null` from a sandboxed or opaque page) and, in newer ones, the relation in `Sec-Fetch-Site`; either
 * pointing elsewhere is refused. Clients that send neither (curl, old browsers) still need the CSRF token.
 */
export function fromOwnOrigin (req: IncomingMessage): boolean {
  const origin = req.headers.origin?.toLowerCase()
  const host = (req.headers.host ?? '').toLowerCase()
  // https too: behind a TLS-terminating proxy the page's origin is https while this server speaks http
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) return false
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  return true
}
